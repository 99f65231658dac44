#!/usr/bin/env bash
# Capture driver for kcat (Debian kcat, librdkafka). Env: BOOTSTRAP, TOPIC, GROUP, and
# DIRECT_BOOTSTRAP + KAFKA_LIBS: kcat has no admin API, so the 3-partition topic is created
# beforehand with Kafka's own TopicCommand straight against Kafka (not through the proxy, so
# not recorded).
set -euo pipefail
N=20
echo "CLIENT_VERSION: $(kcat -V | sed -n 's/^Version \([0-9.]*\) .*librdkafka \([0-9.]*\) .*/kcat \1 (librdkafka \2)/p')"

java -Dlog4j2.level=warn -cp "$KAFKA_LIBS/*" org.apache.kafka.tools.TopicCommand \
  --bootstrap-server "$DIRECT_BOOTSTRAP" --create --topic "$TOPIC" --partitions 3 --replication-factor 1 >/dev/null

kcat -b "$BOOTSTRAP" -L -t "$TOPIC" >/dev/null

records() {
  local i
  for ((i = 0; i < N; i++)); do
    printf 'k%d:%s\n' "$i" "$(printf "v$i%.0s" {1..10})"
  done
}
for codec in none gzip snappy lz4 zstd; do
  # kcat sets headers per run (-H), not per record: every record of a run gets h=<codec>
  records | kcat -P -b "$BOOTSTRAP" -t "$TOPIC" -K: -H "h=$codec" \
    -X compression.codec="$codec" -X enable.idempotence=true -X linger.ms=100 -X acks=all
  echo "produced $N records with $codec"
done

kcat -C -b "$BOOTSTRAP" -t "$TOPIC" -o beginning -e -q -f '%p %o %k\n' | wc -l
kcat -Q -b "$BOOTSTRAP" -t "$TOPIC:0:0" -t "$TOPIC:1:0" -t "$TOPIC:2:0"
# balanced consumer: joins the group, consumes everything, commits on exit
timeout 60 kcat -b "$BOOTSTRAP" -G "$GROUP" -o beginning -e -q -X enable.auto.commit=true \
  -X auto.commit.interval.ms=100 -X auto.offset.reset=earliest -f '%p %o\n' "$TOPIC" | wc -l
