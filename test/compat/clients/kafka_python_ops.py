"""Compat operations driver for kafka-python (Debian python3-kafka; run with /usr/bin/python3).

  /usr/bin/python3 kafka_python_ops.py BOOTSTRAP STEP...
Steps (see test/compat/clients/ops.ts for the protocol every ops driver follows):
  create:TOPIC:PARTITIONS      KafkaAdminClient.create_topics
  produce:TOPIC:IDEMPOTENT     records from stdin, one KafkaProducer per codec; kafka-python 2.0
                               has no idempotent producer, so IDEMPOTENT must be 0
  offsets:TOPIC:TS,TS,...      KafkaConsumer (no group) offsets_for_times, beginning/end_offsets
  configs:TOPIC:NAME:VALUE     describe_configs, alter_configs, describe_configs
  delete:TOPIC                 delete_topics, then list_topics
Prints one JSON line per result; exits 1 after any error.
"""
import json
import sys

import kafka
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from ops_common import out, read_records

TIMEOUT_MS = 30000


def produce(bootstrap, topic, idempotent):
    if idempotent:
        raise ValueError("kafka-python %s has no idempotent producer" % kafka.__version__)
    state = {"delivered": 0, "errors": 0}

    def ok(i):
        def cb(md):
            state["delivered"] += 1
            out(op="produce", i=i, partition=md.partition, offset=md.offset, timestamp=md.timestamp)
        return cb

    def failed(i):
        def cb(e):
            state["errors"] += 1
            out(op="produce", i=i, error=repr(e))
        return cb

    producer = None
    current = None
    for i, (codec, key, value, ts, headers) in enumerate(read_records()):
        if codec != current:
            if producer is not None:
                producer.flush()
                producer.close()
            current = codec
            producer = KafkaProducer(bootstrap_servers=bootstrap, client_id="millrace-compat-kafka-python-ops",
                                     acks="all", compression_type=None if codec == "none" else codec,
                                     linger_ms=5, retries=5)
        future = producer.send(topic, key=key, value=value, headers=headers, timestamp_ms=ts)
        future.add_callback(ok(i))
        future.add_errback(failed(i))
    if producer is not None:
        producer.flush()
        producer.close()
    out(op="produce", done=True, **state)
    return state["errors"] == 0


def offsets(bootstrap, topic, timestamps):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="millrace-compat-kafka-python-ops",
                             group_id=None, enable_auto_commit=False, request_timeout_ms=TIMEOUT_MS)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if not tps:
            raise RuntimeError("no partitions for %s" % topic)
        earliest = consumer.beginning_offsets(tps)
        latest = consumer.end_offsets(tps)
        for tp in tps:
            out(op="offsets", partition=tp.partition, earliest=earliest[tp], latest=latest[tp])
        for ts in timestamps:
            found = consumer.offsets_for_times({tp: ts for tp in tps})
            for tp in tps:
                got = found.get(tp)
                out(op="offsets", partition=tp.partition, timestamp=ts, offset=None if got is None else got.offset)
    finally:
        consumer.close()
    return True


def describe(admin, topic, name):
    res = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={name: None})])
    for entry in res[0].resources[0][4]:
        if entry[0] == name:
            return {"value": entry[1], "default": entry[3] == 5}  # source DEFAULT_CONFIG
    raise RuntimeError("describe_configs: no %s for %s" % (name, topic))


def main():
    bootstrap, steps = sys.argv[1], sys.argv[2:]
    print(json.dumps({"client": "kafka-python %s" % kafka.__version__}), flush=True)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="millrace-compat-kafka-python-ops",
                             request_timeout_ms=TIMEOUT_MS)
    ok = True
    try:
        for step in steps:
            op, topic, *args = step.split(":")
            if op == "create":
                res = admin.create_topics([NewTopic(topic, int(args[0]), 1)])
                errors = [e for e in res.topic_errors if e[1] != 0]
                if errors:
                    raise RuntimeError("create_topics: %r" % errors)
                out(op="create", ok=True)
            elif op == "produce":
                ok = produce(bootstrap, topic, args[0] == "1") and ok
            elif op == "offsets":
                ok = offsets(bootstrap, topic, [int(t) for t in args[0].split(",")]) and ok
            elif op == "configs":
                name, value = args
                before = describe(admin, topic, name)
                res = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={name: value})])
                codes = [r[0] for r in res.resources]
                if codes != [0]:
                    raise RuntimeError("alter_configs: %r" % (res.resources,))
                out(op="configs", name=name, before=before, after=describe(admin, topic, name), how="alter_configs")
            elif op == "delete":
                res = admin.delete_topics([topic])
                errors = [e for e in res.topic_error_codes if e[1] != 0]
                if errors:
                    raise RuntimeError("delete_topics: %r" % errors)
                out(op="delete", ok=True, listed=topic in admin.list_topics())
            else:
                raise ValueError("unknown step " + step)
    finally:
        admin.close()
    sys.exit(0 if ok else 1)


main()
