# Sourced by the prepare scripts: sets `part`, the bytes of one carried part. One device call
# carries the whole working tree (tracked and untracked files) plus one part, 64 MiB at most:
# a part gets what the tree leaves, less 1 MiB for .h200x/bin.
tree=$(cd "$REPO" && git ls-files -co --exclude-standard -z | xargs -0 cat 2>/dev/null | wc -c)
part=$(( 64 * 1024 * 1024 - tree - 1024 * 1024 ))
[ $part -ge 18000000 ] || { echo "working tree of $tree bytes leaves parts of $part bytes: more than 10 parts"; exit 1; }
