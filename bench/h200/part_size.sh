# Sourced by the prepare scripts: sets `part`, the bytes of one carried part. One device call
# carries the whole working tree (tracked and untracked files) plus one part, "64 MiB" at most,
# which the device tool counts so that 66.4 MB was refused: a part gets what the tree leaves of
# 64,000,000 bytes, less 256 KiB for .h200x/bin.
tree=$(cd "$REPO" && git ls-files -co --exclude-standard -z | xargs -0 cat 2>/dev/null | wc -c)
part=$(( 64000000 - tree - 256 * 1024 ))
[ $part -ge 18000000 ] || { echo "working tree of $tree bytes leaves parts of $part bytes: more than 10 parts"; exit 1; }
