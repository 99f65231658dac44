"""Compat consumer driver for kafka-python (Debian python3-kafka; run with /usr/bin/python3).

  /usr/bin/python3 kafka_python_consumer.py BOOTSTRAP TOPIC COUNT TIMEOUT_MS
Assigns every partition of TOPIC (no consumer group), reads from the beginning until COUNT
records, prints one JSON line per record (see test/compat/README.md). Exit 2 on timeout.
Decompression needs python3-snappy, python3-lz4 and python3-zstandard (kafka.codec).
"""
import json
import sys
import time

import kafka
from kafka import KafkaConsumer, TopicPartition
from kafka import codec
from ops_common import b64


def main():
    bootstrap, topic, count, timeout_ms = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    deadline = time.monotonic() + timeout_ms / 1000
    codecs = [n for n, ok in (("snappy", codec.has_snappy()), ("lz4", codec.has_lz4()),
                              ("zstd", codec.has_zstd())) if ok]
    print(json.dumps({"client": "kafka-python %s (codecs: gzip %s)" % (kafka.__version__, " ".join(codecs))}),
          flush=True)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="millrace-compat-kafka-python",
                             group_id=None, enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        partitions = None
        while not partitions:
            if time.monotonic() > deadline:
                print("no metadata for %s" % topic, file=sys.stderr)
                sys.exit(2)
            partitions = consumer.partitions_for_topic(topic)
            if not partitions:
                time.sleep(0.1)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        seen = 0
        while seen < count:
            if time.monotonic() > deadline:
                print("timed out after %d of %d records" % (seen, count), file=sys.stderr)
                sys.exit(2)
            for records in consumer.poll(timeout_ms=200).values():
                for m in records:
                    print(json.dumps({"partition": m.partition, "offset": m.offset, "key_b64": b64(m.key),
                                      "value_b64": b64(m.value), "headers": [[k, b64(v)] for k, v in m.headers],
                                      "timestamp": m.timestamp}), flush=True)
                    seen += 1
    finally:
        consumer.close()


main()
