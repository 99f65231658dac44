"""Consumer group member driver for kafka-python (Debian python3-kafka 2.0.2).

    python3 group_member_kafka_python.py member BOOTSTRAP TOPIC GROUP [key=value ...]
    python3 group_member_kafka_python.py lag    BOOTSTRAP TOPIC GROUP

Same lines and options as group_member_confluent.py (see group-members.ts); kafka-python has
the classic protocol only. Records are committed synchronously after each poll's batch.
lag: KafkaAdminClient.list_consumer_group_offsets; kafka-python 2.0 has no admin call for log
end offsets, so those come from KafkaConsumer.end_offsets.
"""
import json
import sys
import threading
import time

import kafka
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata


def out(o):
    sys.stdout.write(json.dumps(o) + '\n')
    sys.stdout.flush()


mode, bootstrap, topic, group = sys.argv[1:5]
opts = dict(a.split('=', 1) for a in sys.argv[5:])
out({'event': 'client', 'client': 'kafka-python %s' % kafka.__version__})


def member():
    if opts.get('protocol', 'classic') != 'classic':
        sys.stderr.write('kafka-python has the classic group protocol only\n')
        sys.exit(3)
    session = int(opts.get('session', '10000'))
    stop = threading.Event()

    def watch_stdin():
        for line in sys.stdin:
            if line.strip() == 'close':
                break
        stop.set()
    threading.Thread(target=watch_stdin, daemon=True).start()

    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, client_id=opts.get('name', 'member'),
                      auto_offset_reset='earliest', enable_auto_commit=False, session_timeout_ms=session,
                      heartbeat_interval_ms=int(opts.get('heartbeat', '300')),
                      # kafka-python insists that requests outlast the session
                      request_timeout_ms=max(30000, session + 5000), fetch_max_wait_ms=100)
    deadline = time.time() + int(opts.get('lifetime', '300000')) / 1000
    last = None
    pending = {}  # TopicPartition -> offset whose commit was refused: tried again while the partition is ours

    def commit(offsets):
        try:
            c.commit({tp: OffsetAndMetadata(o, None) for tp, o in offsets.items()})
        except KafkaError as e:
            out({'event': 'commit_failed', 'offsets': {tp.partition: o for tp, o in offsets.items()}, 'error': repr(e)})
            pending.update(offsets)
            return
        for tp, o in offsets.items():
            out({'event': 'committed', 'partition': tp.partition, 'offset': o})
            if pending.get(tp) == o:
                del pending[tp]
    while not stop.is_set():
        if time.time() > deadline:
            sys.stderr.write('lifetime over\n')
            sys.exit(2)
        batches = c.poll(timeout_ms=100)
        mine = c.assignment()
        now = sorted(tp.partition for tp in mine if tp.topic == topic)
        if now != last:
            out({'event': 'assigned', 'partitions': now})
            last = now
        for tp in [tp for tp in pending if tp not in mine]:
            del pending[tp]  # no longer ours: its new owner reads from the group's commit
        offsets = dict(pending)
        for tp, msgs in batches.items():
            for m in msgs:
                out({'event': 'record', 'partition': m.partition, 'offset': m.offset, 'value': m.value.decode()})
            if msgs:
                offsets[tp] = msgs[-1].offset + 1
        if offsets:
            commit(offsets)
    c.close()
    out({'event': 'closed'})


def lag():
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    committed = {tp.partition: om.offset for tp, om in admin.list_consumer_group_offsets(group).items()
                 if tp.topic == topic and om.offset >= 0}
    admin.close()
    probe = KafkaConsumer(bootstrap_servers=bootstrap)
    partitions = sorted(probe.partitions_for_topic(topic))
    ends = probe.end_offsets([TopicPartition(topic, p) for p in partitions])
    probe.close()
    rows = []
    for p in partitions:
        e = ends[TopicPartition(topic, p)]
        rows.append({'partition': p, 'committed': committed.get(p), 'end': e,
                     'lag': None if committed.get(p) is None else e - committed[p]})
    out({'event': 'lag', 'how': 'KafkaAdminClient.list_consumer_group_offsets + KafkaConsumer.end_offsets', 'partitions': rows})


member() if mode == 'member' else lag()
