/**
 * Issue 17's streams group proof: Kafka Streams 4.4 WordCount with group.protocol=streams
 * (KIP-1071) and exactly_once_v2. Two instances share the tasks (the broker's sticky task
 * assignor splits them), one is killed with kill -9, and the other takes over every task
 * once the broker's session timeout fences the dead one; Kafka's kafka-streams-groups.sh lists
 * the group and describes its one remaining member with every task; the counts at the end are
 * exact.
 *
 * Against Millrace by default; MILLRACE_COMPAT_TARGET=kafka runs the same against Apache Kafka.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { KafkaClient } from '../../src/client/index.js';
import { Producer } from '../../src/client/producer.js';
import { killMembers, Member } from './clients/group-members.js';
import { ensureJavaStreamsGroupWordCount, ensureJavaStreamsWordCount } from './clients/txn-drivers.js';
import type { DriverCommand } from './clients/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import type { RunResult } from './setup/exec.js';
import { runKafkaTool } from './setup/kafka-tool.js';
import { ensureKafkaJars } from './setup/kafka.js';
import { startTarget, type CompatTarget } from './setup/target.js';

const PARTITIONS = 4;
/** Two subtopologies (split and repartition; count), one task per partition each. */
const TASKS = ['0_0', '0_1', '0_2', '0_3', '1_0', '1_1', '1_2', '1_3'];
const LINES = 4_000;
const WORDS_PER_LINE = 5;
const VOCABULARY = Array.from({ length: 40 }, (_, i) => `w${i.toString(36)}`);

let target: CompatTarget | undefined;
let driver: Promise<DriverCommand>;
let dumper: Promise<DriverCommand>;
const dirs: string[] = [];
const run = randomBytes(3).toString('hex');

before(async () => {
  driver = ensureJavaStreamsGroupWordCount();
  dumper = ensureJavaStreamsWordCount();
  driver.catch(() => {});
  dumper.catch(() => {});
  target = await startTarget({
    kind: process.env.MILLRACE_COMPAT_TARGET ?? 'millrace',
    // A killed member is fenced after its session: 10 s here instead of 45 s.
    config: { 'group.streams.min.session.timeout.ms': 6000, 'group.streams.session.timeout.ms': 10_000, 'group.streams.min.heartbeat.interval.ms': 1000, 'group.streams.heartbeat.interval.ms': 1000 },
  });
});

after(async () => {
  killMembers();
  await target?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function until(m: Member, pred: (l: Record<string, unknown>) => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok);
    };
    if (m.lines.some(pred)) done(true);
    m.onLine = (l) => {
      if (pred(l)) done(true);
    };
    void m.exited.then(() => done(false));
  });
}

/** Kafka's kafka-streams-groups.sh (StreamsGroupCommand from the 4.4.0 jars tools/kafka/fetch.sh keeps). */
async function streamsGroups(args: readonly string[]): Promise<RunResult> {
  await ensureKafkaJars();
  return runKafkaTool('org.apache.kafka.tools.streams.StreamsGroupCommand', ['--bootstrap-server', target!.bootstrap, ...args], { timeoutMs: 120_000 });
}

/** The active tasks a member last reported. */
function activeOf(m: Member): string[] {
  for (let i = m.lines.length - 1; i >= 0; i--) if (m.lines[i]!.event === 'tasks') return m.lines[i]!.active as string[];
  return [];
}

test('Kafka Streams WordCount on group.protocol=streams: two instances share the tasks, one is killed, the other takes all, exact counts', async () => {
  const input = `sg-in-${run}`;
  const output = `sg-out-${run}`;
  const appId = `sg-wordcount-${run}`;
  const expected = new Map<string, number>();
  const random = new SeededRandom(11);
  const client = new KafkaClient({ bootstrapServers: [target!.bootstrap] });
  const produce = async (from: number, to: number) => {
    const producer = new Producer(client, { acks: -1, lingerMs: 5 });
    const acks: Promise<unknown>[] = [];
    for (let i = from; i < to; i++) {
      const words = Array.from({ length: WORDS_PER_LINE }, () => VOCABULARY[random.int(VOCABULARY.length)]!);
      for (const w of words) expected.set(w, (expected.get(w) ?? 0) + 1);
      acks.push(producer.send({ topic: input, key: Buffer.from(`line-${i}`), value: Buffer.from(words.join(' ')) }));
    }
    await Promise.all(acks);
    await producer.close();
  };
  try {
    const admin = new Admin(client);
    await admin.createTopic({ name: input, partitions: PARTITIONS, replicationFactor: 1 });
    await admin.createTopic({ name: output, partitions: PARTITIONS, replicationFactor: 1 });
    await produce(0, LINES / 2);

    const cmd = await driver;
    const instance = (name: string) => {
      const dir = mkdtempSync(path.join(tmpdir(), `millrace-${name}-`));
      dirs.push(dir);
      return new Member(cmd, name, ['run', target!.bootstrap, input, output, appId, dir, '15000']);
    };
    const a = instance('streams-a');
    const b = instance('streams-b');
    // 1. Both run, with the tasks split between them.
    const shared = () => {
      const ta = activeOf(a);
      const tb = activeOf(b);
      return ta.length > 0 && tb.length > 0 && [...ta, ...tb].sort().join() === TASKS.join();
    };
    const splitSeen = await Promise.race([until(a, shared, 120_000), until(b, shared, 120_000)]);
    assert.ok(splitSeen, `the instances did not share the tasks:\nA ${activeOf(a)}\n${a.tail(20)}\nB ${activeOf(b)}\n${b.tail(20)}`);

    // 2. A is killed; once its session ends B runs every task.
    await a.kill();
    await produce(LINES / 2, LINES);
    assert.ok(await until(b, () => activeOf(b).join() === TASKS.join(), 120_000), `B did not take every task:\n${activeOf(b)}\n${b.tail(30)}`);

    // 3. Kafka's kafka-streams-groups.sh lists the group and describes its one member with every task.
    const list = await streamsGroups(['--list']);
    assert.equal(list.code, 0, list.stderr);
    assert.ok(list.stdout.split('\n').some((l) => l.trim() === appId), `--list:\n${list.stdout}`);
    const described = await streamsGroups(['--describe', '--group', appId, '--members', '--verbose']);
    assert.equal(described.code, 0, described.stderr);
    const rows = described.stdout.split('\n').filter((l) => l.startsWith(`${appId} `));
    assert.equal(rows.length, 1, `one member left:\n${described.stdout}`);
    assert.match(rows[0]!, / streams +\d+ /, 'member protocol streams');
    assert.match(rows[0]!, /ACTIVE: 0:\[0,1,2,3\]; 1:\[0,1,2,3\];/, `every task on the survivor:\n${described.stdout}`);
    const { code } = await b.exited;
    assert.equal(code, 0, `B ended badly:\n${b.tail(30)}`);
  } finally {
    client.close();
  }

  const dump = new Member(await dumper, 'dump', ['dump', target!.bootstrap, output]);
  const ended = await dump.exited;
  assert.equal(ended.code, 0, `dump failed:\n${dump.tail(30)}`);
  const counts = dump.lines.find((l) => l.event === 'counts')?.counts as Record<string, number> | undefined;
  assert.ok(counts !== undefined, 'no counts');
  assert.deepEqual(new Map(Object.entries(counts).sort()), new Map([...expected].sort()));
});
