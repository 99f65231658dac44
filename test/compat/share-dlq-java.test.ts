/**
 * The share groups' dead-letter queue (KIP-1191, share.version 2) with Kafka 4.4.0's own
 * clients: kafka-features.sh sets share.version 2 (Millrace finalizes 1 at its 4.2-IV1, Kafka
 * 4.4 2), kafka-configs.sh names the group's DLQ topic (missing, created by the broker as
 * errors.deadletterqueue.auto.create.topics.enable allows) with copying on and a delivery
 * count limit of 2, and the Java KafkaShareConsumer (ShareDriver.java) rejects some records
 * and releases others until their deliveries run out. Kafka's ConsoleConsumer then reads the
 * DLQ topic: one record per dead-lettered offset, with Kafka's context headers (topic,
 * partition, offset, group, delivery count, reason), the original key and value, and not the
 * original headers. A second group, with copying off, gets the headers only. A third names a
 * DLQ topic outside the broker's required prefix (dlq.): its writes fail, and, as on Kafka, the
 * records are archived anyway — never delivered again, no topic created.
 *
 * Against Millrace by default; MILLRACE_COMPAT_TARGET=kafka runs the same against Apache Kafka.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { KafkaClient } from '../../src/client/index.js';
import { Producer } from '../../src/client/producer.js';
import type { DriverCommand } from './clients/index.js';
import { killMembers, Member } from './clients/group-members.js';
import { shareDriver } from './clients/share-consumers.js';
import { runKafkaTool } from './setup/kafka-tool.js';
import { startTarget, type CompatTarget } from './setup/target.js';

const VALUES = Array.from({ length: 40 }, (_, i) => i + 1);
const REJECT_EVERY = 5;
/** Negative: released at every delivery, so these run out of deliveries (limit 2). */
const RELEASE_EVERY = -7;
const rejected = VALUES.filter((v) => v % REJECT_EVERY === 0);
const exhausted = VALUES.filter((v) => v % REJECT_EVERY !== 0 && v % -RELEASE_EVERY === 0);

let target: CompatTarget | undefined;
let driver: Promise<DriverCommand>;

before(async () => {
  driver = shareDriver();
  driver.catch(() => {});
  target = await startTarget({
    kind: process.env.MILLRACE_COMPAT_TARGET ?? 'millrace',
    config: { 'errors.deadletterqueue.auto.create.topics.enable': true },
  });
});

after(async () => {
  killMembers();
  await target?.stop();
});

async function tool(mainClass: string, args: readonly string[]): Promise<string> {
  const r = await runKafkaTool(mainClass, ['--bootstrap-server', target!.bootstrap, ...args], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${mainClass} ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

interface DlqRecord {
  headers: Map<string, string>;
  key: string;
  value: string;
}

/** ConsoleConsumer's lines with print.headers and print.key: `h1:v1,h2:v2<TAB>key<TAB>value`. */
function parse(stdout: string): DlqRecord[] {
  return stdout.split('\n').filter((l) => l.includes('__dlq.errors.')).map((l) => {
    const [headers, key, value] = l.split('\t');
    const map = new Map<string, string>();
    for (const h of headers!.split(',')) {
      const i = h.indexOf(':');
      map.set(h.slice(0, i), h.slice(i + 1));
    }
    return { headers: map, key: key!, value: value! };
  });
}

async function runGroup(cmd: DriverCommand, group: string, topic: string): Promise<void> {
  const m = new Member(cmd, group, [target!.bootstrap, group, topic, '6000', String(REJECT_EVERY), String(RELEASE_EVERY), '0']);
  const { code } = await m.exited;
  assert.equal(code, 0, m.tail());
  const delivered = m.lines.filter((l) => String(l.line ?? '').startsWith('R ')).length;
  // Every value once, the exhausted ones twice.
  assert.equal(delivered, VALUES.length + exhausted.length, m.tail());
}

test('rejected and exhausted records go to the group\'s DLQ topic with Kafka\'s headers, the original key and value copied', async () => {
  const cmd = await driver;
  await tool('org.apache.kafka.tools.FeatureCommand', ['upgrade', '--feature', 'share.version=2']);
  assert.match(await tool('org.apache.kafka.tools.FeatureCommand', ['describe']), /Feature: share\.version\s+SupportedMinVersion: 0\s+SupportedMaxVersion: 2\s+FinalizedVersionLevel: 2\s/);
  const client = new KafkaClient({ bootstrapServers: [target!.bootstrap] });
  try {
    const admin = new Admin(client);
    await admin.createTopic({ name: 'orders', partitions: 1, replicationFactor: 1 });
    const producer = new Producer(client);
    for (const v of VALUES) void producer.send({ topic: 'orders', partition: 0, key: Buffer.from(`k${v}`), value: Buffer.from(String(v)), headers: [{ key: 'origin', value: Buffer.from('shop') }] });
    await producer.flush();
  } finally {
    await client.close();
  }
  const groups = [['copied', 'dlq.orders', 'true'], ['headers-only', 'dlq.orders-plain', 'false']] as const;
  const refused = ['refused', 'orders-dead', 'true'] as const;
  for (const [group, dlq, copy] of [...groups, refused]) {
    await tool('org.apache.kafka.tools.ConfigCommand', ['--alter', '--entity-type', 'groups', '--entity-name', group, '--add-config',
      `errors.deadletterqueue.topic.name=${dlq},errors.deadletterqueue.copy.record.enable=${copy},share.delivery.count.limit=2,share.auto.offset.reset=earliest`]);
  }
  // runGroup checks each group's records were delivered exactly as acknowledged: the refused
  // group's rejected and exhausted records are done with, not delivered again. The groups run
  // side by side: each consumer ends 6 s after its last record.
  await Promise.all([...groups, refused].map(([group]) => runGroup(cmd, group, 'orders')));

  for (const [group, dlq, copy] of groups) {
    const expected = rejected.length + exhausted.length;
    const out = await tool('org.apache.kafka.tools.consumer.ConsoleConsumer', ['--topic', dlq, '--from-beginning', '--max-messages', String(expected),
      '--timeout-ms', '60000', '--property', 'print.headers=true', '--property', 'print.key=true']);
    const records = parse(out);
    assert.equal(records.length, expected, out);
    const byOffset = new Map(records.map((r) => [Number(r.headers.get('__dlq.errors.offset')), r]));
    for (const v of [...rejected, ...exhausted]) {
      const r = byOffset.get(v - 1);
      assert.ok(r !== undefined, `offset ${v - 1} (value ${v}) in ${dlq}:\n${out}`);
      const isRejected = v % REJECT_EVERY === 0;
      assert.deepEqual([...r.headers.entries()], [
        ['__dlq.errors.topic', 'orders'],
        ['__dlq.errors.partition', '0'],
        ['__dlq.errors.offset', String(v - 1)],
        ['__dlq.errors.group', group],
        ['__dlq.errors.delivery.count', isRejected ? '1' : '2'],
        ['__dlq.errors.message', isRejected ? 'Offset rejected by client.' : 'Offset delivery count exceeded the threshold.'],
      ], `value ${v} in ${dlq}`);
      // ConsoleConsumer prints null for an absent key or value.
      assert.deepEqual([r.key, r.value], copy === 'true' ? [`k${v}`, String(v)] : ['null', 'null'], `value ${v} in ${dlq}`);
    }
  }
  // The broker created the DLQ topics, enabled as DLQs.
  const described = await tool('org.apache.kafka.tools.ConfigCommand', ['--describe', '--entity-type', 'topics', '--entity-name', 'dlq.orders']);
  assert.match(described, /errors\.deadletterqueue\.group\.enable=true/);
  const topics = await tool('org.apache.kafka.tools.TopicCommand', ['--list']);
  assert.ok(!topics.split('\n').includes(refused[1]), topics);
});
