"""Compat operations driver for confluent-kafka-python (librdkafka): admin, producer, offsets.

Run with the interpreter whose confluent_kafka is under test (/usr/bin/python3 for Debian's
1.7.0, test/.cache/compat/venv/bin/python for the PyPI wheel):
  python confluent_kafka_ops.py BOOTSTRAP STEP...
Steps (see test/compat/clients/ops.ts for the protocol every ops driver follows):
  create:TOPIC:PARTITIONS      AdminClient.create_topics
  produce:TOPIC:IDEMPOTENT     records from stdin, one Producer per codec, delivery reports
  offsets:TOPIC:TS,TS,...      Consumer.offsets_for_times and get_watermark_offsets, no group
  configs:TOPIC:NAME:VALUE     describe_configs, then incremental_alter_configs (2.x) or
                               alter_configs (1.x), then describe_configs again
  delete:TOPIC                 AdminClient.delete_topics, then list_topics
Prints one JSON line per result; exits 1 after any error.
"""
import json
import sys

import confluent_kafka
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
from ops_common import out, read_records

TIMEOUT = 30


def produce(bootstrap, topic, idempotent):
    state = {"delivered": 0, "errors": 0}

    def report(i):
        def cb(err, msg):
            if err is not None:
                state["errors"] += 1
                out(op="produce", i=i, error=str(err))
            else:
                state["delivered"] += 1
                out(op="produce", i=i, partition=msg.partition(), offset=msg.offset(),
                    timestamp=msg.timestamp()[1])
        return cb

    producer = None
    current = None
    for i, (codec, key, value, ts, headers) in enumerate(read_records()):
        if codec != current:
            if producer is not None:
                producer.flush(TIMEOUT)
            current = codec
            producer = Producer({
                "bootstrap.servers": bootstrap, "client.id": "millrace-compat-confluent-ops",
                "enable.idempotence": idempotent, "acks": "all", "compression.type": codec,
                "linger.ms": 5,
            })
        kwargs = {"key": key, "value": value, "headers": headers, "on_delivery": report(i)}
        if ts is not None:
            kwargs["timestamp"] = ts
        while True:
            try:
                producer.produce(topic, **kwargs)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    if producer is not None:
        left = producer.flush(TIMEOUT)
        if left:
            state["errors"] += left
            out(op="produce", error="%d messages not delivered within %ds" % (left, TIMEOUT))
    out(op="produce", done=True, **state)
    return state["errors"] == 0


def offsets(bootstrap, topic, timestamps):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "millrace-compat-unused",
                         "enable.auto.commit": False, "client.id": "millrace-compat-confluent-ops"})
    try:
        partitions = sorted(consumer.list_topics(topic, timeout=TIMEOUT).topics[topic].partitions)
        for p in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT)
            out(op="offsets", partition=p, earliest=low, latest=high)
        for ts in timestamps:
            found = consumer.offsets_for_times([TopicPartition(topic, p, ts) for p in partitions], timeout=TIMEOUT)
            for tp in found:
                if tp.error is not None:
                    raise RuntimeError("offsets_for_times %s [%d]: %s" % (topic, tp.partition, tp.error))
                out(op="offsets", partition=tp.partition, timestamp=ts, offset=None if tp.offset < 0 else tp.offset)
    finally:
        consumer.close()
    return True


def describe(admin, resource, name):
    entries = admin.describe_configs([resource])[resource].result(TIMEOUT)
    e = entries[name]
    return {"value": e.value, "default": bool(e.is_default)}


def configs(admin, topic, name, value):
    resource = ConfigResource("topic", topic)
    before = describe(admin, resource, name)
    if hasattr(admin, "incremental_alter_configs"):
        from confluent_kafka.admin import AlterConfigOpType, ConfigEntry
        how = "incremental_alter_configs"
        res = ConfigResource("topic", topic, incremental_configs=[
            ConfigEntry(name, value, incremental_operation=AlterConfigOpType.SET)])
        admin.incremental_alter_configs([res])[res].result(TIMEOUT)
    else:
        how = "alter_configs"
        res = ConfigResource("topic", topic, set_config={name: value})
        admin.alter_configs([res])[res].result(TIMEOUT)
    after = describe(admin, resource, name)
    out(op="configs", name=name, before=before, after=after, how=how)
    return True


def main():
    bootstrap, steps = sys.argv[1], sys.argv[2:]
    print(json.dumps({"client": "confluent-kafka-python %s (librdkafka %s)"
                      % (confluent_kafka.__version__, confluent_kafka.libversion()[0])}), flush=True)
    admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": "millrace-compat-confluent-ops"})
    ok = True
    for step in steps:
        op, topic, *args = step.split(":")
        if op == "create":
            fs = admin.create_topics([NewTopic(topic, num_partitions=int(args[0]), replication_factor=1)],
                                     operation_timeout=TIMEOUT)
            fs[topic].result(TIMEOUT)
            out(op="create", ok=True)
        elif op == "produce":
            ok = produce(bootstrap, topic, args[0] == "1") and ok
        elif op == "offsets":
            ok = offsets(bootstrap, topic, [int(t) for t in args[0].split(",")]) and ok
        elif op == "configs":
            ok = configs(admin, topic, args[0], args[1]) and ok
        elif op == "delete":
            admin.delete_topics([topic], operation_timeout=TIMEOUT)[topic].result(TIMEOUT)
            listed = topic in admin.list_topics(timeout=TIMEOUT).topics
            out(op="delete", ok=True, listed=listed)
        else:
            raise ValueError("unknown step " + step)
    sys.exit(0 if ok else 1)


main()
