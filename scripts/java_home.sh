#!/usr/bin/env bash
# Prints a JAVA_HOME of a JDK 21 or newer (prefers Temurin 25 under /usr/lib/jvm).
for d in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
  [ -n "$d" ] && [ -x "$d/bin/javac" ] || continue
  m="$("$d/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
  if [ -n "$m" ] && [ "$m" -ge 21 ]; then echo "$d"; exit 0; fi
done
echo "java_home: no JDK 21+ found under /usr/lib/jvm or JAVA_HOME" >&2
exit 1
