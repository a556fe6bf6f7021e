#!/bin/bash
# Optional, on the dev machine: a Java runtime for the H200 image (it has none), so that the probe
# there starts the engine's collector beside vLLM as it would in production. jlink makes a runtime
# of the modules the engine's jar uses; runtime and jar go packed as tar.xz, split like the site.
# Output: REPO/.h200x/j0, j1, ... and bin/jre.sha. On the device: recv stages jrecvN, then `jre`.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=${1:-$(cd "$HERE/../.." && pwd)}
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAR=$REPO/engine/target/profilemate-all.jar
[ -f "$JAR" ] || (cd "$REPO" && JAVA_HOME=$JDK ./profilemate --version >/dev/null)  # builds the jar
S=$(mktemp -d)
mods=$("$JDK/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps "$JAR")
"$JDK/bin/jlink" --add-modules "$mods,jdk.unsupported" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-9 --output "$S/jre"
cp "$JAR" "$S/jre/profilemate-all.jar"
"$S/jre/bin/java" -jar "$S/jre/profilemate-all.jar" --version
. "$HERE/part_size.sh"
mkdir -p "$REPO/.h200x/bin"; rm -f "$REPO"/.h200x/j[0-9]*
(cd "$S" && tar -cf - jre | xz -T0 -6 > jre.tar.xz && sha256sum jre.tar.xz > "$REPO/.h200x/bin/jre.sha" &&
  split -b $part -d -a 1 jre.tar.xz "$REPO/.h200x/j" && ls -la jre.tar.xz)
rm -rf "$S"
ls -la "$REPO/.h200x"
