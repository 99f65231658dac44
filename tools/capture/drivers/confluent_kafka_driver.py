"""Capture driver for confluent-kafka-python (librdkafka).

Runs with Debian's python3-confluent-kafka (/usr/bin/python3) and with the PyPI wheel (which
bundles a recent librdkafka): with librdkafka >= 2.10 it also lists offsets through the admin API
and runs a second consumer with the KIP-848 protocol (group.protocol=consumer).
Env: BOOTSTRAP, TOPIC, GROUP.
"""
import os
import time

import confluent_kafka
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

BOOTSTRAP, TOPIC, GROUP = os.environ["BOOTSTRAP"], os.environ["TOPIC"], os.environ["GROUP"]
N = 20
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
version = confluent_kafka.version()  # a tuple in 1.x, a string in 2.x
version = version[0] if isinstance(version, tuple) else version
print("CLIENT_VERSION: confluent-kafka-python %s (librdkafka %s)" % (version, confluent_kafka.libversion()[0]), flush=True)

common = {"bootstrap.servers": BOOTSTRAP, "client.id": "golden-confluent-kafka-python"}
admin = AdminClient(common)
for f in admin.create_topics([NewTopic(TOPIC, num_partitions=3, replication_factor=1)]).values():
    f.result()
time.sleep(0.5)
for f in admin.describe_configs([ConfigResource("topic", TOPIC)]).values():
    f.result()
admin.list_topics(TOPIC, timeout=10)

for codec in CODECS:
    p = Producer(dict(common, **{"enable.idempotence": True, "compression.type": codec, "linger.ms": 100, "acks": "all"}))
    for i in range(N):
        p.produce(TOPIC, key="k%d" % i, value=("v%d" % i) * 10, headers=[("h", str(i))])
    assert p.flush(30) == 0
    print("produced %d records with %s" % (N, codec), flush=True)

modern = confluent_kafka.libversion()[1] >= 0x020A0000  # librdkafka 2.10: KIP-848 GA
parts = [TopicPartition(TOPIC, p) for p in range(3)]
if modern:
    from confluent_kafka.admin import OffsetSpec
    for f in admin.list_offsets({tp: OffsetSpec.latest() for tp in parts}).values():
        f.result()


def consume(group, protocol):
    conf = {"group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": False}
    if protocol != "classic":
        conf["group.protocol"] = protocol
    c = Consumer(dict(common, **conf))
    c.subscribe([TOPIC])
    seen, deadline = 0, time.time() + 60
    while seen < N * len(CODECS) and time.time() < deadline:
        m = c.poll(0.5)
        if m is not None and m.error() is None:
            seen += 1
    assert seen == N * len(CODECS), seen
    c.commit(asynchronous=False)
    print("%s group: consumed %d, committed" % (protocol, seen), flush=True)
    print("committed", [(tp.partition, tp.offset) for tp in c.committed(parts, timeout=10)], flush=True)
    print("watermarks", [c.get_watermark_offsets(tp, timeout=10) for tp in parts], flush=True)
    print("offsets_for_times", [tp.offset for tp in c.offsets_for_times([TopicPartition(TOPIC, p, 0) for p in range(3)], timeout=10)], flush=True)
    c.close()


consume(GROUP, "classic")
if modern:
    consume(GROUP + "-848", "consumer")
