# Transactions driver for confluent-kafka-python (librdkafka), run by
# test/compat/transactions-clients.test.ts. One JSON object per line.
#
#   python3 txn_confluent.py smoke BOOTSTRAP TOPIC TXN_ID GROUP
#     init_transactions, then three transactions of 10 records each to partition 0 of TOPIC:
#     committed, aborted, committed; each also sends GROUP's offset for partition 0 of TOPIC
#     (5, 7 and 10) with send_offsets_to_transaction. Prints GROUP's committed offset after
#     each, then every value read with read_committed and with read_uncommitted.
import json
import sys

import confluent_kafka
from confluent_kafka import Consumer, Producer, TopicPartition


def out(obj):
    print(json.dumps(obj), flush=True)


def read_all(bootstrap, topic, isolation):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "txn-reader-" + isolation, "isolation.level": isolation,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    low, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=30, cached=False)
    c.assign([TopicPartition(topic, 0, 0)])
    values = []
    while True:
        pos = c.position([TopicPartition(topic, 0)])[0].offset
        if pos >= high:
            break
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            if m.error().code() == confluent_kafka.KafkaError._PARTITION_EOF:
                break
            raise Exception(str(m.error()))
        values.append(m.value().decode())
    c.close()
    return values


def committed(bootstrap, topic, group):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "isolation.level": "read_committed",
                  "enable.auto.commit": False})
    tp = c.committed([TopicPartition(topic, 0)], timeout=30)[0]
    c.close()
    return tp.offset


def smoke(bootstrap, topic, txn_id, group):
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "transaction.timeout.ms": 30000})
    meta_consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    p.init_transactions(30)
    for name, offset in (("c1", 5), ("a2", 7), ("c3", 10)):
        p.begin_transaction()
        for i in range(10):
            p.produce(topic, value=("%s-%d" % (name, i)).encode(), key=name.encode(), partition=0)
        p.send_offsets_to_transaction([TopicPartition(topic, 0, offset)], meta_consumer.consumer_group_metadata(), 30)
        # written first: an abort purges messages still queued in librdkafka
        p.flush(30)
        if name.startswith("a"):
            p.abort_transaction(30)
        else:
            p.commit_transaction(30)
        out({"event": "transaction", "name": name, "committed_offset": committed(bootstrap, topic, group)})
    meta_consumer.close()
    out({"event": "read", "isolation": "read_committed", "values": read_all(bootstrap, topic, "read_committed")})
    out({"event": "read", "isolation": "read_uncommitted", "values": read_all(bootstrap, topic, "read_uncommitted")})


if __name__ == "__main__":
    out({"event": "client", "client": "confluent-kafka %s (librdkafka %s)" % (confluent_kafka.version()[0], confluent_kafka.libversion()[0])})
    if sys.argv[1] == "smoke":
        smoke(*sys.argv[2:6])
    else:
        raise SystemExit("unknown mode " + sys.argv[1])
