#!/usr/bin/env bash
# Copies the runtime jars of Apache Kafka (tools/kafka/pom.xml) from Maven Central into
# bench/.cache/kafka/libs (git-ignored). Idempotent: does nothing when the jars for the
# pom's Kafka version are already there. Needs java 17 and mvn on PATH.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${MILLRACE_KAFKA_CACHE:-$root/bench/.cache/kafka}"
libs="$cache/libs"
version="$(sed -n 's#.*<kafka.version>\(.*\)</kafka.version>.*#\1#p' "$here/pom.xml")"

if [[ -f "$libs/.complete" && "$(cat "$libs/.complete")" == "$version" ]]; then
  echo "kafka $version jars already in $libs"
  exit 0
fi

mkdir -p "$cache"
tmp="$cache/libs.tmp.$$"
rm -rf "$tmp"
echo "fetching kafka $version jars into $libs (maven log: $cache/mvn.log)"
if ! mvn -B -f "$here/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$cache/mvn.log" 2>&1; then
  tail -n 30 "$cache/mvn.log" >&2
  rm -rf "$tmp"
  exit 1
fi
test -f "$tmp/kafka_2.13-$version.jar"
echo "$version" >"$tmp/.complete"
rm -rf "$libs"
mv "$tmp" "$libs"
echo "kafka $version: $(ls "$libs" | wc -l) jars in $libs"
