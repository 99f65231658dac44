"""Capture driver for kafka-python (Debian python3-kafka). Run with /usr/bin/python3.

Env: BOOTSTRAP, TOPIC, GROUP.
"""
import os
import time

import kafka
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

BOOTSTRAP, TOPIC, GROUP = os.environ["BOOTSTRAP"], os.environ["TOPIC"], os.environ["GROUP"]
N = 20
CODECS = [None, "gzip", "snappy", "lz4", "zstd"]
print("CLIENT_VERSION: kafka-python %s" % kafka.__version__, flush=True)

common = {"bootstrap_servers": BOOTSTRAP, "client_id": "golden-kafka-python"}
admin = KafkaAdminClient(**common)
admin.create_topics([NewTopic(TOPIC, num_partitions=3, replication_factor=1)])
time.sleep(0.5)
admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, TOPIC)])

for codec in CODECS:
    p = KafkaProducer(compression_type=codec, linger_ms=100, acks="all", **common)
    for i in range(N):
        p.send(TOPIC, key=b"k%d" % i, value=(b"v%d" % i) * 10, headers=[("h", b"%d" % i)])
    p.flush(30)
    p.close()
    print("produced %d records with %s" % (N, codec or "none"), flush=True)

c = KafkaConsumer(TOPIC, group_id=GROUP, auto_offset_reset="earliest", enable_auto_commit=False,
                  consumer_timeout_ms=20000, fetch_max_wait_ms=200, **common)
seen = 0
for m in c:
    seen += 1
    if seen == N * len(CODECS):
        break
assert seen == N * len(CODECS), seen
c.commit()
print("consumed %d, committed" % seen, flush=True)
parts = [TopicPartition(TOPIC, p) for p in range(3)]
print("end", c.end_offsets(parts), "beginning", c.beginning_offsets(parts), flush=True)
print("for_times", c.offsets_for_times({tp: 0 for tp in parts}), flush=True)
c.close()
print("group offsets", admin.list_consumer_group_offsets(GROUP), flush=True)
admin.describe_consumer_groups([GROUP])
admin.close()
