"""Consumer group member driver for confluent-kafka (librdkafka): Debian's 1.7.0 and PyPI's 2.x.

    python group_member_confluent.py member BOOTSTRAP TOPIC GROUP [key=value ...]
    python group_member_confluent.py lag    BOOTSTRAP TOPIC GROUP

member: subscribes to TOPIC in GROUP (auto.offset.reset=earliest, no auto commit; options
session=MS heartbeat=MS protocol=classic|consumer name=ID), prints JSON lines (see
group-members.ts): {"event":"assigned","partitions":[...]} whenever its assignment changes,
{"event":"record",...} per record, then commits it synchronously and prints
{"event":"committed",...}. A line `close` on stdin (or stdin's end) closes the consumer
cleanly (it leaves the group) and prints {"event":"closed"}.

lag: committed offsets and log end offsets of GROUP on TOPIC, through AdminClient
list_consumer_group_offsets + list_offsets where the client has them (confluent-kafka >= 2.3),
else Consumer.committed + get_watermark_offsets (1.7.0).
"""
import json
import sys
import threading
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaException, TopicPartition


def out(o):
    sys.stdout.write(json.dumps(o) + '\n')
    sys.stdout.flush()


mode, bootstrap, topic, group = sys.argv[1:5]
opts = dict(a.split('=', 1) for a in sys.argv[5:])
client = 'confluent-kafka %s (librdkafka %s)' % (getattr(confluent_kafka, '__version__', None) or confluent_kafka.version()[0],
                                                 confluent_kafka.libversion()[0])
out({'event': 'client', 'client': client})


def member():
    conf = {
        'bootstrap.servers': bootstrap, 'group.id': group, 'client.id': opts.get('name', 'member'),
        'enable.auto.commit': False, 'auto.offset.reset': 'earliest', 'fetch.wait.max.ms': 100,
        'error_cb': lambda e: out({'event': 'error', 'error': str(e), 'fatal': e.fatal()}),
    }
    if opts.get('protocol', 'classic') == 'consumer':
        conf['group.protocol'] = 'consumer'  # session and heartbeat are the broker's (KIP-848)
    else:
        conf['session.timeout.ms'] = int(opts.get('session', '10000'))
        conf['heartbeat.interval.ms'] = int(opts.get('heartbeat', '300'))
    stop = threading.Event()

    def watch_stdin():
        for line in sys.stdin:
            if line.strip() == 'close':
                break
        stop.set()
    threading.Thread(target=watch_stdin, daemon=True).start()

    c = Consumer(conf)
    c.subscribe([topic])
    deadline = time.time() + int(opts.get('lifetime', '300000')) / 1000
    last = None
    pending = {}  # partition -> offset whose commit was refused: tried again while the partition is ours

    def commit(offsets):
        try:
            c.commit(offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()], asynchronous=False)
        except KafkaException as e:
            out({'event': 'commit_failed', 'offsets': offsets, 'error': str(e)})
            pending.update(offsets)
            return
        for p, o in offsets.items():
            out({'event': 'committed', 'partition': p, 'offset': o})
            if pending.get(p) == o:
                del pending[p]
    while not stop.is_set():
        if time.time() > deadline:
            sys.stderr.write('lifetime over\n')
            sys.exit(2)
        m = c.poll(0.1)
        now = sorted(tp.partition for tp in c.assignment() if tp.topic == topic)
        if now != last:
            out({'event': 'assigned', 'partitions': now})
            last = now
        for p in [p for p in pending if p not in now]:
            del pending[p]  # no longer ours: its new owner reads from the group's commit
        if m is None:
            if pending:
                commit(dict(pending))
            continue
        if m.error() is not None:
            out({'event': 'error', 'error': str(m.error())})
            continue
        out({'event': 'record', 'partition': m.partition(), 'offset': m.offset(), 'value': m.value().decode()})
        pending.pop(m.partition(), None)
        commit({**pending, m.partition(): m.offset() + 1})
    c.close()
    out({'event': 'closed'})


def lag():
    probe = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False})
    partitions = sorted(probe.list_topics(topic, timeout=20).topics[topic].partitions)
    tps = [TopicPartition(topic, p) for p in partitions]
    try:
        from confluent_kafka.admin import AdminClient as admin_cls
    except ImportError:
        admin_cls = None
    committed, end = {}, {}
    if admin_cls is not None and hasattr(admin_cls, 'list_consumer_group_offsets') and hasattr(admin_cls, 'list_offsets'):
        from confluent_kafka import ConsumerGroupTopicPartitions
        from confluent_kafka.admin import OffsetSpec
        admin = admin_cls({'bootstrap.servers': bootstrap})
        how = 'AdminClient.list_consumer_group_offsets + AdminClient.list_offsets(OffsetSpec.latest())'
        res = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group, tps)])[group].result()
        for tp in res.topic_partitions:
            committed[tp.partition] = tp.offset if tp.offset >= 0 else None
        ends = admin.list_offsets({tp: OffsetSpec.latest() for tp in tps})
        for tp, f in ends.items():
            end[tp.partition] = f.result().offset
    else:
        how = 'Consumer.committed + Consumer.get_watermark_offsets (no admin offsets API in this version)'
        for tp in probe.committed(tps, timeout=20):
            committed[tp.partition] = tp.offset if tp.offset >= 0 else None
        for tp in tps:
            end[tp.partition] = probe.get_watermark_offsets(tp, timeout=20)[1]
    probe.close()
    rows = [{'partition': p, 'committed': committed.get(p), 'end': end[p],
             'lag': None if committed.get(p) is None else end[p] - committed[p]} for p in partitions]
    out({'event': 'lag', 'how': how, 'partitions': rows})


member() if mode == 'member' else lag()
