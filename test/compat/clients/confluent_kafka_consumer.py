"""Compat consumer driver for confluent-kafka-python (librdkafka).

Run with the interpreter whose confluent_kafka is under test: /usr/bin/python3 for Debian's
python3-confluent-kafka, test/.cache/compat/venv/bin/python for the PyPI wheel.
  python confluent_kafka_consumer.py BOOTSTRAP TOPIC COUNT TIMEOUT_MS
Assigns every partition of TOPIC (no consumer group), reads from the beginning until COUNT
records, prints one JSON line per record (see test/compat/README.md). Exit 2 on timeout.
"""
import json
import sys
import time

import confluent_kafka
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
from ops_common import b64


def main():
    bootstrap, topic, count, timeout_ms = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    deadline = time.monotonic() + timeout_ms / 1000
    # version() is a (str, int) tuple in 1.x and a str in 2.x; __version__ is in both
    print(json.dumps({"client": "confluent-kafka-python %s (librdkafka %s)"
                      % (confluent_kafka.__version__, confluent_kafka.libversion()[0])}), flush=True)
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "client.id": "millrace-compat-confluent-kafka",
        # never used to join a group (assign() only), but older versions insist on one
        "group.id": "millrace-compat-unused",
        "enable.auto.commit": False,
        "enable.partition.eof": False,
    })
    try:
        meta = consumer.list_topics(topic, timeout=max(1.0, deadline - time.monotonic()))
        t = meta.topics[topic]
        if t.error is not None:
            raise RuntimeError("metadata for %s: %s" % (topic, t.error))
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(t.partitions)])
        seen = 0
        while seen < count:
            if time.monotonic() > deadline:
                print("timed out after %d of %d records" % (seen, count), file=sys.stderr)
                sys.exit(2)
            msg = consumer.poll(0.2)
            if msg is None:
                continue
            if msg.error() is not None:
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise RuntimeError("consume error: %s" % msg.error())
            headers = [[k, b64(v)] for k, v in (msg.headers() or [])]
            print(json.dumps({"partition": msg.partition(), "offset": msg.offset(), "key_b64": b64(msg.key()),
                              "value_b64": b64(msg.value()), "headers": headers,
                              "timestamp": msg.timestamp()[1]}), flush=True)
            seen += 1
    finally:
        consumer.close()


main()
