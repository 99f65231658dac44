// End to end: consumer groups of clients we did not write (kafkajs, kcat -G / librdkafka,
// kafka-python, confluent-kafka from Debian, eager and cooperative-sticky) against an embedded broker: 3 members over 6
// partitions get 2 each, a member that leaves hands its partitions over, and committed
// offsets are where a new member resumes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { append, values } from '../../broker/fetch/helpers.js';
import { type TestBroker, makeTopic, startTestBroker } from '../../helpers/test-broker.js';
import { DEBIAN_PYTHON, ensureApt, KAFKA_PYTHON_PACKAGES } from '../setup/apt.js';
import { fetchCommitted } from '../../coordinator/group/wire-helpers.js';
import { eventually } from '../../helpers/eventually.js';

const run = promisify(execFile);
const TIMEOUT = 90_000;
const PYTHON = DEBIAN_PYTHON;
let tb: TestBroker;

before(async () => {
  // The real clients these tests drive, installed when missing (fails if they cannot be).
  await ensureApt(['kcat', ...KAFKA_PYTHON_PACKAGES, 'python3-confluent-kafka']);
  tb = await startTestBroker({ config: { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 } });
});

after(async () => {
  await tb.close();
});

/** A topic of 6 partitions with 10 records each (`<prefix>-<p>-<i>`). */
async function sixPartitions(topic: string): Promise<void> {
  await makeTopic(tb, topic, 6);
  for (let p = 0; p < 6; p++) append(tb, topic, p, values(`${topic}-${p}`, 10));
}

async function committed(groupId: string, topic: string): Promise<number[]> {
  const got = await fetchCommitted(tb.client, groupId, [{ name: topic, partitionIndexes: [0, 1, 2, 3, 4, 5] }]);
  return [0, 1, 2, 3, 4, 5].map((p) => Number(got.get(`${topic}-${p}`)!.offset));
}

/** Last JSON line of a child's output with `"step": step`. */
function step(stdout: string, name: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const found = lines.filter((l) => l.step === name).at(-1);
  if (found === undefined) throw new Error(`no "${name}" in:\n${stdout}`);
  return found;
}

const balanced = (a: number[][], each: number) => a.every((x) => x.length === each) && a.flat().sort((x, y) => x - y).join() === '0,1,2,3,4,5';

test('kafkajs: 3 consumers get 2 partitions each, one leaves and the others take its partitions, commits resume a new consumer', async () => {
  const topic = 'kjs';
  await sixPartitions(topic);
  const script = `
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/package.json');
const { Kafka, logLevel } = require('kafkajs');
const [bootstrap, topic] = process.argv.slice(1);
const kafka = new Kafka({ clientId: 'millrace-kjs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const out = (o) => console.log(JSON.stringify(o));
const assignments = [null, null, null];
const consumed = new Set();
const consumers = [];
const until = async (check, ms = 30000) => { const t = Date.now(); while (!check()) { if (Date.now() - t > ms) throw new Error('timed out'); await new Promise((r) => setTimeout(r, 20)); } };
for (let i = 0; i < 3; i++) {
  const c = kafka.consumer({ groupId: 'kjs-group', sessionTimeout: 10000, heartbeatInterval: 200, maxWaitTimeInMs: 100 });
  c.on(c.events.GROUP_JOIN, (e) => { assignments[i] = (e.payload.memberAssignment[topic] ?? []).slice().sort(); });
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  await c.run({ eachMessage: async ({ message }) => { consumed.add(message.value.toString()); } });
  consumers.push(c);
}
const ok = (a, n) => a.every((x) => x !== null && x.length === n) && a.flat().sort().join() === '0,1,2,3,4,5';
await until(() => ok(assignments, 2));
out({ step: 'three', assignments });
await until(() => consumed.size === 60);
await consumers[2].disconnect();
assignments[0] = assignments[1] = null;
await until(() => ok(assignments.slice(0, 2), 3));
out({ step: 'two', assignments: assignments.slice(0, 2), consumed: consumed.size });
await consumers[0].disconnect();
await consumers[1].disconnect();
out({ step: 'done' });
`;
  const first = await run(process.execPath, ['--input-type=module', '-e', script, tb.bootstrap, topic], { timeout: TIMEOUT, cwd: process.cwd() });
  const three = step(first.stdout, 'three').assignments as number[][];
  assert.ok(balanced(three, 2), JSON.stringify(three));
  const two = step(first.stdout, 'two');
  assert.ok(balanced(two.assignments as number[][], 3), JSON.stringify(two));
  assert.equal(two.consumed, 60);
  assert.deepEqual(await committed('kjs-group', topic), [10, 10, 10, 10, 10, 10]);

  // New records; a new member of the group starts where the group left off.
  for (let p = 0; p < 6; p++) append(tb, topic, p, values(`late-${p}`, 2));
  const resume = `
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/package.json');
const { Kafka, logLevel } = require('kafkajs');
const [bootstrap, topic] = process.argv.slice(1);
const kafka = new Kafka({ clientId: 'millrace-kjs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const c = kafka.consumer({ groupId: 'kjs-group', maxWaitTimeInMs: 100 });
const seen = [];
// Committed offsets as kafkajs reports its commits: disconnect only once all six are at 12.
// (kafkajs gives the partition as a string, an object key: without Number() the wait below
// never ended early and always took its full 30 s.)
const commits = new Map();
c.on(c.events.COMMIT_OFFSETS, ({ payload }) => {
  for (const t of payload.topics) for (const p of t.partitions) commits.set(Number(p.partition), Number(p.offset));
});
await c.connect();
await c.subscribe({ topic, fromBeginning: true });
await c.run({ eachMessage: async ({ message }) => { seen.push(message.value.toString()); } });
const done = () => seen.length >= 12 && [0, 1, 2, 3, 4, 5].every((p) => commits.get(p) === 12);
const t = Date.now();
while (!done() && Date.now() - t < 30000) await new Promise((r) => setTimeout(r, 20));
await c.disconnect();
console.log(JSON.stringify({ step: 'resume', seen: seen.sort() }));
`;
  const second = await run(process.execPath, ['--input-type=module', '-e', resume, tb.bootstrap, topic], { timeout: TIMEOUT, cwd: process.cwd() });
  const seen = step(second.stdout, 'resume').seen as string[];
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5].flatMap((p) => [`late-${p}-0`, `late-${p}-1`]).sort());
  assert.deepEqual(await committed('kjs-group', topic), [12, 12, 12, 12, 12, 12]);
});

test('kcat -G: three balanced consumers split 6 partitions; one killed with SIGKILL has its partitions reassigned after its session timeout; commits resume the next consumer', async () => {
  const topic = 'kcat-g';
  await sixPartitions(topic);
  // Three members at once; each reports its assignment on stderr.
  const procs = [0, 1, 2].map(() => spawn('kcat', ['-b', tb.bootstrap, '-G', 'kcat-group', topic, '-X', 'session.timeout.ms=2000', '-X', 'heartbeat.interval.ms=200', '-X', 'topic.auto.offset.reset=earliest'], { stdio: ['ignore', 'ignore', 'pipe'] }));
  const latest: number[][] = [[], [], []];
  procs.forEach((p, i) => {
    p.stderr.setEncoding('utf8');
    let buf = '';
    p.stderr.on('data', (s: string) => {
      buf += s;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (/rebalanced.*assigned:/.test(line)) latest[i] = [...line.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])).sort();
        else if (/rebalanced.*revoked:/.test(line)) latest[i] = [];
      }
    });
  });
  try {
    await eventually('three kcat members with 2 partitions each', () => balanced(latest, 2), { timeoutMs: 40_000 });
    // One dies without leaving: once its session (2 s) expires, the other two take over its partitions.
    const dying = procs[2]!;
    const exited = new Promise((r) => dying.on('exit', r));
    dying.kill('SIGKILL');
    await exited;
    await eventually('two kcat members with 3 partitions each', () => balanced(latest.slice(0, 2), 3), { timeoutMs: 40_000 });
  } finally {
    for (const p of procs) p.kill('SIGTERM');
  }
  // A member that reads 60 records commits them; the next one has nothing left to read.
  const { stdout } = await run('kcat', ['-b', tb.bootstrap, '-G', 'kcat-commit', topic, '-c', '60', '-q', '-f', '%s\\n', '-X', 'topic.auto.offset.reset=earliest'], { timeout: TIMEOUT });
  assert.equal(stdout.trim().split('\n').length, 60);
  assert.deepEqual(await committed('kcat-commit', topic), [10, 10, 10, 10, 10, 10]);
  append(tb, topic, 3, values('after', 1));
  const next = await run('kcat', ['-b', tb.bootstrap, '-G', 'kcat-commit', topic, '-c', '1', '-q', '-f', '%p %s\\n', '-X', 'topic.auto.offset.reset=earliest'], { timeout: TIMEOUT });
  assert.equal(next.stdout.trim(), '3 after-0');
});

const PY_GROUP = `
import sys, time, json, threading
from kafka import KafkaConsumer
bootstrap, topic, group = sys.argv[1:4]
stop = [False, False, False]
assign = [[], [], []]
seen = set()
def member(i):
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, client_id='kp-%d' % i, auto_offset_reset='earliest',
                      enable_auto_commit=False, session_timeout_ms=10000, heartbeat_interval_ms=300, max_poll_interval_ms=30000)
    while not stop[i]:
        for tp, msgs in c.poll(timeout_ms=100).items():
            for m in msgs:
                seen.add(m.value.decode())
        assign[i] = sorted(p.partition for p in c.assignment())
        if assign[i]:
            c.commit()
    c.close()
def wait(check):
    t = time.time()
    while not check():
        if time.time() - t > 40:
            raise SystemExit('timed out: %r' % (assign,))
        time.sleep(0.02)
def balanced(a, n):
    return all(len(x) == n for x in a) and sorted(sum(a, [])) == list(range(6))
threads = [threading.Thread(target=member, args=(i,)) for i in range(3)]
for t in threads:
    t.start()
wait(lambda: balanced(assign, 2))
print(json.dumps({'step': 'three', 'assignments': assign}), flush=True)
stop[2] = True
threads[2].join()
wait(lambda: balanced(assign[:2], 3) and len(seen) == 60)
print(json.dumps({'step': 'two', 'assignments': assign[:2], 'consumed': len(seen)}), flush=True)
stop[0] = stop[1] = True
for t in threads:
    t.join()
`;

const PY_RESUME = `
import sys, json
from kafka import KafkaConsumer
c = KafkaConsumer(sys.argv[2], bootstrap_servers=sys.argv[1], group_id=sys.argv[3], auto_offset_reset='earliest', consumer_timeout_ms=20000)
seen = []
for m in c:
    seen.append(m.value.decode())
    if len(seen) == 2:
        break
# Nothing else arrives: the group's commits were where this member started.
extra = c.poll(timeout_ms=300)
print(json.dumps({'step': 'resume', 'seen': seen + [m.value.decode() for ms in extra.values() for m in ms]}))
c.close()
`;

/** kafka-python's group over a new six-partition `topic`: three members, one leaves (PY_GROUP); its output. */
async function kafkaPythonGroup(topic: string, groupId: string): Promise<string> {
  await sixPartitions(topic);
  return (await run(PYTHON, ['-c', PY_GROUP, tb.bootstrap, topic, groupId], { timeout: TIMEOUT })).stdout;
}

/** Two more records on partition 5, read by a new member of `groupId`: what it saw. */
async function kafkaPythonResume(topic: string, groupId: string): Promise<unknown> {
  append(tb, topic, 5, values('resume', 2));
  const r = await run(PYTHON, ['-c', PY_RESUME, tb.bootstrap, topic, groupId], { timeout: TIMEOUT });
  return step(r.stdout, 'resume').seen;
}

test('kafka-python: a 3-member group over 6 partitions, a leaving member, commits', async () => {
  const topic = 'kpy';
  const stdout = await kafkaPythonGroup(topic, 'kpy-group');
  assert.ok(balanced(step(stdout, 'three').assignments as number[][], 2), stdout);
  const two = step(stdout, 'two');
  assert.ok(balanced(two.assignments as number[][], 3), stdout);
  assert.equal(two.consumed, 60);
  assert.deepEqual(await committed('kpy-group', topic), [10, 10, 10, 10, 10, 10]);
  // A new member of the group resumes from the commits.
  assert.deepEqual(await kafkaPythonResume(topic, 'kpy-group'), ['resume-0', 'resume-1']);
});

for (const strategy of ['range', 'cooperative-sticky']) {
  test(`confluent-kafka (librdkafka, Debian), ${strategy}: a 3-member group over 6 partitions, a leaving member, commits`, async () => {
    const topic = `ck-${strategy}`;
    const groupId = `ck-group-${strategy}`;
    await sixPartitions(topic);
    // With cooperative-sticky the client assigns and revokes incrementally (KIP-429); the
    // broker only runs the classic protocol for it.
    const script = `
import sys, time, json
from confluent_kafka import Consumer, KafkaError, KafkaException
bootstrap, topic, group, strategy = sys.argv[1:5]
cooperative = strategy == 'cooperative-sticky'
assign = [set(), set(), set()]
seen = set()
def member(i):
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000,
                  'heartbeat.interval.ms': 300, 'enable.auto.commit': False, 'partition.assignment.strategy': strategy})
    def on_assign(cons, parts):
        if cooperative:
            cons.incremental_assign(parts)
            assign[i] |= {p.partition for p in parts}
        else:
            assign[i] = {p.partition for p in parts}
    def on_revoke(cons, parts):
        if cooperative:
            cons.incremental_unassign(parts)
            assign[i] -= {p.partition for p in parts}
        else:
            assign[i] = set()
    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    return c
cs = [member(i) for i in range(3)]
def poll(cs):
    for c in cs:
        m = c.poll(0.02)
        if m is not None and m.error() is None:
            seen.add(m.value().decode())
            commit(c, m)
# A commit racing a rebalance is refused (by Kafka too): the partition's latest refused one is
# tried again at the end, unless a later commit of that partition went through.
refused = {}
def commit(c, m):
    try:
        c.commit(message=m, asynchronous=False)
        if m.partition() in refused and refused[m.partition()][1].offset() <= m.offset():
            del refused[m.partition()]
    except KafkaException as e:
        if e.args[0].code() not in (KafkaError.ILLEGAL_GENERATION, KafkaError.REBALANCE_IN_PROGRESS, KafkaError.UNKNOWN_MEMBER_ID):
            raise
        refused[m.partition()] = (c, m)
def wait(cs, check):
    t = time.time()
    while not check():
        if time.time() - t > 40:
            raise SystemExit('timed out: %r' % (assign,))
        poll(cs)
def balanced(a, n):
    return all(len(x) == n for x in a) and sorted(sum((sorted(x) for x in a), [])) == list(range(6))
wait(cs, lambda: balanced(assign, 2))
three = [sorted(x) for x in assign]
print(json.dumps({'step': 'three', 'assignments': three}), flush=True)
cs[2].close()
assign[2] = set()
wait(cs[:2], lambda: balanced(assign[:2], 3) and len(seen) == 60)
t = time.time()
while refused:
    if time.time() - t > 40:
        raise SystemExit('commits still refused: %r' % sorted(refused))
    p, (c, m) = next(iter(refused.items()))
    del refused[p]
    commit(c, m)
    poll(cs[:2])
print(json.dumps({'step': 'two', 'assignments': [sorted(x) for x in assign[:2]], 'consumed': len(seen)}), flush=True)
for c in cs[:2]:
    c.close()
`;
    const { stdout } = await run(PYTHON, ['-c', script, tb.bootstrap, topic, groupId, strategy], { timeout: TIMEOUT });
    const three = step(stdout, 'three').assignments as number[][];
    assert.ok(balanced(three, 2), stdout);
    const two = step(stdout, 'two');
    const after = two.assignments as number[][];
    assert.ok(balanced(after, 3), stdout);
    if (strategy === 'cooperative-sticky') {
      // Sticky: the members that stay keep what they had.
      assert.ok(three[0]!.every((p) => after[0]!.includes(p)) && three[1]!.every((p) => after[1]!.includes(p)), stdout);
    }
    assert.equal(two.consumed, 60);
    assert.deepEqual(await committed(groupId, topic), [10, 10, 10, 10, 10, 10]);
  });
}

test('kafka-python admin: list, describe and read the offsets of the groups', async () => {
  // A group of its own, made as the kafka-python test makes its one: members that consumed
  // and committed everything and left, then one more that read two new records and left.
  await kafkaPythonGroup('kpy-admin', 'kpy-admin-group');
  await kafkaPythonResume('kpy-admin', 'kpy-admin-group');
  const script = `
import sys, json
from kafka import KafkaAdminClient
a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
groups = sorted(g for g, t in a.list_consumer_groups())
info = {g.group: [g.state, g.protocol_type] for g in a.describe_consumer_groups(groups)}
offsets = {tp.partition: o.offset for tp, o in a.list_consumer_group_offsets('kpy-admin-group').items() if tp.topic == 'kpy-admin'}
print(json.dumps({'step': 'admin', 'groups': groups, 'info': info, 'offsets': offsets}))
a.close()
`;
  const { stdout } = await run(PYTHON, ['-c', script, tb.bootstrap], { timeout: TIMEOUT });
  const r = step(stdout, 'admin');
  assert.ok((r.groups as string[]).includes('kpy-admin-group'), stdout);
  assert.deepEqual((r.info as Record<string, string[]>)['kpy-admin-group'], ['Empty', 'consumer']);
  assert.deepEqual(r.offsets, { 0: 10, 1: 10, 2: 10, 3: 10, 4: 10, 5: 12 });
});
