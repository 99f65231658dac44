/**
 * Issue 17's CLI proof: Kafka 4.4's kafka-share-groups.sh and kafka-streams-groups.sh
 * (ShareGroupCommand, StreamsGroupCommand from the 4.4.0 tools jar) against live groups on one
 * broker, and `millrace group` beside them: they must agree.
 * - Share group: two Java KafkaShareConsumers (ShareDriver.java) on a two-partition topic, every
 *   record accepted; once all are delivered, --list names the group, --describe shows each
 *   share-partition's start offset at the log end with no lag, --describe --members the two
 *   members holding both partitions between them, --describe --state the group Stable with two members, and
 *   `millrace group describe` the same rows; once the members are gone, --reset-offsets plans
 *   what `millrace group reset-offsets` plans and sets the start offsets, and --delete-offsets
 *   removes them.
 * - Streams group: one Kafka Streams 4.4 WordCount on group.protocol=streams running every task;
 *   --list names it, --describe --members shows the member, its process and its tasks,
 *   --describe --state the coordinator, assignor, state and member count, --describe the offset
 *   lag of the partitions its tasks read (none once it caught up), and `millrace group describe` the same.
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
import { listOffsets } from '../../src/client/offsets.js';
import { Producer } from '../../src/client/producer.js';
import { shareGroupOffsets } from '../../src/client/share-group-admin.js';
import { ok } from '../cli/cli-harness.js';
import type { DriverCommand } from './clients/index.js';
import { killMembers, Member } from './clients/group-members.js';
import { shareDriver as compileShareDriver } from './clients/share-consumers.js';
import { ensureJavaStreamsGroupWordCount } from './clients/txn-drivers.js';
import { runKafkaTool } from './setup/kafka-tool.js';
import { ensureKafkaJars } from './setup/kafka.js';
import { startTarget, type CompatTarget } from './setup/target.js';

const run = randomBytes(3).toString('hex');
let target: CompatTarget | undefined;
let shareDriver: Promise<DriverCommand>;
let streamsDriver: Promise<DriverCommand>;
const dirs: string[] = [];

before(async () => {
  shareDriver = compileShareDriver();
  streamsDriver = ensureJavaStreamsGroupWordCount();
  shareDriver.catch(() => {});
  streamsDriver.catch(() => {});
  target = await startTarget({
    kind: process.env.MILLRACE_COMPAT_TARGET ?? 'millrace',
    // Killed share consumers leave the group after 6 s instead of 45 s.
    config: { 'group.share.min.session.timeout.ms': 6000, 'group.share.session.timeout.ms': 6000, 'group.share.min.heartbeat.interval.ms': 1000, 'group.share.heartbeat.interval.ms': 1000 },
  });
});

after(async () => {
  killMembers();
  await target?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** One of Kafka's tools from the 4.4.0 jars (tools/kafka/fetch.sh), to its end; it must succeed. */
async function kafkaTool(mainClass: string, args: readonly string[]): Promise<string> {
  await ensureKafkaJars();
  const r = await runKafkaTool(mainClass, ['--bootstrap-server', target!.bootstrap, ...args], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${mainClass} ${args.join(' ')}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const shareGroups = (args: readonly string[]) => kafkaTool('org.apache.kafka.tools.consumer.group.ShareGroupCommand', args);
const streamsGroups = (args: readonly string[]) => kafkaTool('org.apache.kafka.tools.streams.StreamsGroupCommand', args);
const millrace = (args: readonly string[]) => ok(['group', ...args, '--bootstrap-server', target!.bootstrap]);

/**
 * The rows of a table under the header starting `header`, each split on whitespace, with the
 * cells from `rest` on joined by one space (the last column may hold spaces). Both tools pad
 * columns with spaces, Kafka's with one or more, Millrace's with two or more.
 */
function rows(text: string, header: string, rest = Number.POSITIVE_INFINITY): string[][] {
  const lines = text.split('\n').map((l) => l.trim());
  const at = lines.findIndex((l) => l.startsWith(header));
  assert.ok(at >= 0, `no "${header}" header in:\n${text}`);
  return lines.slice(at + 1).filter((l) => l !== '').map((l) => {
    const cells = l.split(/\s+/);
    return cells.length > rest ? [...cells.slice(0, rest), cells.slice(rest).join(' ')] : cells;
  }).sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}

async function until(what: string, done: () => boolean, members: readonly Member[], limitMs = 120_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${members.map((m) => `${m.name}: ${m.tail(10)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The values a ShareDriver printed as received ("R offset deliveryCount value"). */
function received(m: Member): number[] {
  return m.lines.map((l) => String(l.line ?? '')).filter((t) => t.startsWith('R ')).map((t) => Number(t.split(' ')[3]));
}

test('kafka-share-groups.sh and millrace group describe agree on a live share group', async () => {
  const topic = `share-tools-${run}`;
  const group = `share-tools-g-${run}`;
  const client = new KafkaClient({ bootstrapServers: [target!.bootstrap] });
  try {
    await new Admin(client).createTopic({ name: topic, partitions: 2, replicationFactor: 1 });
    const cmd = await shareDriver;
    const consumers = ['s1', 's2'].map((name) => new Member(cmd, name, [target!.bootstrap, group, topic, '600000', '0', '0', '0']));
    await until('the share consumers to subscribe', () => consumers.every((m) => m.lines.some((l) => String(l.line ?? '') === 'READY')), consumers);
    // A value says its partition (value / 1e6). The share-partitions start at the log end when
    // first fetched (share.auto.offset.reset latest): markers until both partitions deliver.
    const producer = new Producer(client);
    const seen = () => new Set(consumers.flatMap(received).map((v) => Math.floor(v / 1e6)));
    for (let i = 0; seen().size < 2; i++) {
      if (i > 400) throw new Error(`the share-partitions never delivered:\n${consumers.map((m) => m.tail(10)).join('\n')}`);
      await Promise.all([0, 1].map((p) => producer.send({ topic, partition: p, value: Buffer.from(String(p * 1e6 + 900_000 + i)) })));
      await new Promise((r) => setTimeout(r, 300));
    }
    await Promise.all([0, 1].flatMap((p) => Array.from({ length: 20 }, (_, i) => producer.send({ topic, partition: p, value: Buffer.from(String(p * 1e6 + i)) }))));
    await producer.flush();
    const wanted = [0, 1].flatMap((p) => Array.from({ length: 20 }, (_, i) => p * 1e6 + i));
    // A consumer prints a poll's records after committing their acknowledgements.
    await until('every record to be delivered and accepted', () => {
      const got = new Set(consumers.flatMap(received));
      return wanted.every((v) => got.has(v));
    }, consumers);
    const ends = await listOffsets(client, topic, [0, 1], -1n);

    assert.ok((await shareGroups(['--list'])).split('\n').some((l) => l.trim() === group), 'kafka-share-groups.sh --list names the group');
    assert.match(await millrace(['list', '--type', 'share']), new RegExp(`\\n${group} +share +Stable +share\\n`));

    // Offsets: each share-partition's start offset at the log end, nothing left to deliver.
    const offsetsHeader = 'GROUP TOPIC PARTITION START-OFFSET LAG';
    const kafkaOffsets = rows(await shareGroups(['--describe', '--group', group]), 'GROUP');
    assert.deepEqual(kafkaOffsets, [0, 1].map((p) => [group, topic, String(p), String(ends.get(p)), '0']), offsetsHeader);
    assert.deepEqual(rows(await millrace(['describe', group]), 'GROUP'), kafkaOffsets);

    // Members: the same two, each with its partitions.
    const kafkaMembers = rows(await shareGroups(['--describe', '--group', group, '--members']), 'GROUP');
    assert.equal(kafkaMembers.length, 2, `two members:\n${kafkaMembers.join('\n')}`);
    assert.deepEqual(rows(await millrace(['describe', group, '--members']), 'GROUP'), kafkaMembers);
    // Between them the members hold both partitions ("topic:0,1" lists a member's partitions).
    const owned = kafkaMembers.flatMap(([g, , , , count, assignment]) => {
      assert.equal(g, group);
      const [t, parts] = assignment!.split(':');
      assert.equal(t, topic);
      assert.equal(parts!.split(',').length, Number(count));
      return parts!.split(',');
    });
    assert.deepEqual([...new Set(owned)].sort(), ['0', '1']);

    // State: coordinator, Stable, two members.
    const kafkaState = rows(await shareGroups(['--describe', '--group', group, '--state']), 'GROUP');
    assert.equal(kafkaState.length, 1);
    assert.deepEqual(kafkaState[0]!.slice(-2), ['Stable', '2']);
    assert.deepEqual(rows(await millrace(['describe', group, '--state']), 'GROUP'), kafkaState);

    // Without members (killed; their sessions end after 6 s here) the group is Empty, and Kafka's
    // tool resets and deletes its start offsets: its plan is the one millrace group plans.
    await Promise.all(consumers.map((m) => m.kill()));
    for (const end = Date.now() + 60_000; !new RegExp(`\\n${group} `).test(await millrace(['list', '--type', 'share', '--state', 'Empty']));) {
      if (Date.now() > end) throw new Error(`the share group never became Empty:\n${await millrace(['describe', group, '--state'])}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const reset = ['--topic', topic, '--to-earliest'];
    const kafkaPlan = rows(await shareGroups(['--reset-offsets', '--group', group, ...reset, '--dry-run']), 'GROUP');
    assert.deepEqual(kafkaPlan, [0, 1].map((p) => [group, topic, String(p), '0']));
    assert.deepEqual(rows(await millrace(['reset-offsets', group, ...reset]), 'GROUP'), kafkaPlan);
    // --all-topics: every share-partition the group has initialized, members or not.
    const all = ['--all-topics', '--to-earliest'];
    assert.deepEqual(rows(await shareGroups(['--reset-offsets', '--group', group, ...all, '--dry-run']), 'GROUP'), kafkaPlan);
    assert.deepEqual(rows(await millrace(['reset-offsets', group, ...all]), 'GROUP'), kafkaPlan);
    await shareGroups(['--reset-offsets', '--group', group, ...reset, '--execute']);
    const named = [{ topic, partitions: [0, 1] }];
    assert.deepEqual((await shareGroupOffsets(client, group, named)).map((o) => o.startOffset), [0n, 0n]);
    assert.deepEqual(rows(await shareGroups(['--delete-offsets', '--group', group, '--topic', topic]), 'TOPIC'), [[topic, 'Successful']]);
    assert.deepEqual((await shareGroupOffsets(client, group, named)).map((o) => o.startOffset), [null, null]);
  } finally {
    killMembers();
    client.close();
  }
});

test('kafka-streams-groups.sh and millrace group describe agree on a live streams group', async () => {
  const input = `sgt-in-${run}`;
  const output = `sgt-out-${run}`;
  const appId = `sgt-wordcount-${run}`;
  const client = new KafkaClient({ bootstrapServers: [target!.bootstrap] });
  try {
    const admin = new Admin(client);
    await admin.createTopic({ name: input, partitions: 2, replicationFactor: 1 });
    await admin.createTopic({ name: output, partitions: 2, replicationFactor: 1 });
    const producer = new Producer(client);
    await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: input, partition: i % 2, value: Buffer.from(`a b c ${i}`) })));
    await producer.flush();
    const dir = mkdtempSync(path.join(tmpdir(), 'millrace-sgt-'));
    dirs.push(dir);
    const app = new Member(await streamsDriver, 'streams', ['run', target!.bootstrap, input, output, appId, dir, '600000']);
    const tasks = ['0_0', '0_1', '1_0', '1_1'];
    const lastTasks = () => {
      for (let i = app.lines.length - 1; i >= 0; i--) if (app.lines[i]!.event === 'tasks') return (app.lines[i]!.active as string[]).join();
      return '';
    };
    await until('the app to run every task', () => lastTasks() === tasks.join(), [app]);

    assert.ok((await streamsGroups(['--list'])).split('\n').some((l) => l.trim() === appId), 'kafka-streams-groups.sh --list names the group');
    assert.match(await millrace(['list', '--type', 'streams']), new RegExp(`\\n${appId} +streams +Stable +streams\\n`));

    // Members: one, its process and every task (the assignments hold spaces: the cells from the fifth on).
    const kafkaMembers = rows(await streamsGroups(['--describe', '--group', appId, '--members']), 'GROUP', 4);
    assert.equal(kafkaMembers.length, 1, `one member:\n${kafkaMembers.join('\n')}`);
    assert.equal(kafkaMembers[0]![4], 'ACTIVE: 0:[0,1]; 1:[0,1];');
    assert.deepEqual(rows(await millrace(['describe', appId, '--members']), 'GROUP', 4), kafkaMembers);

    // State: coordinator, assignor, Stable, one member.
    const kafkaState = rows(await streamsGroups(['--describe', '--group', appId, '--state']), 'GROUP');
    assert.deepEqual(kafkaState[0]!.slice(-2), ['Stable', '1']);
    assert.deepEqual(rows(await millrace(['describe', appId, '--state']), 'GROUP'), kafkaState);

    // Offsets: the partitions the tasks read (the input and the repartition topic), once the
    // app has processed and committed the ten lines (no lag left, so both tools see the same).
    const caughtUp = async () => {
      const r = rows(await millrace(['describe', appId]), 'GROUP');
      return r.length === 4 && r.every((row) => row[3] === '0');
    };
    for (const end = Date.now() + 60_000; !(await caughtUp());) {
      if (Date.now() > end) throw new Error(`the app never caught up:\n${await millrace(['describe', appId, '--verbose'])}\n${app.tail(20)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const kafkaOffsets = rows(await streamsGroups(['--describe', '--group', appId]), 'GROUP');
    assert.deepEqual(kafkaOffsets.map((r) => [r[1], r[2], r[3]]).filter((r) => r[0] === input), [[input, '0', '0'], [input, '1', '0']]);
    assert.equal(kafkaOffsets.length, 4, `input and repartition partitions:\n${kafkaOffsets.join('\n')}`);
    assert.deepEqual(rows(await millrace(['describe', appId]), 'GROUP'), kafkaOffsets);
    await app.kill();
  } finally {
    killMembers();
    client.close();
  }
});
