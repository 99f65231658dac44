/**
 * Kafka's kafka-share-groups.sh (org.apache.kafka.tools.consumer.group.ShareGroupCommand from
 * the 4.4.0 jars) against a share group the Java KafkaShareConsumer (ShareDriver.java) made:
 * --delete refuses the group while the consumer is in it, --delete-offsets deletes the
 * topic's share-partition state once it left, and --delete then deletes the group, which
 * --list no longer shows; a consumer joining under the id afterwards starts a new group.
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
import type { RunResult } from './setup/exec.js';
import { runKafkaTool } from './setup/kafka-tool.js';
import { ensureKafkaJars } from './setup/kafka.js';
import { startTarget, type CompatTarget } from './setup/target.js';

const GROUP = 'tool-share-group';
const TOPIC = 'tool-queue';
/** No record's value is a multiple of these: every record is accepted. */
const NEVER = 1_000_000_007;

let target: CompatTarget | undefined;
let driver: Promise<DriverCommand>;

before(async () => {
  driver = shareDriver();
  driver.catch(() => {});
  target = await startTarget({ kind: process.env.MILLRACE_COMPAT_TARGET ?? 'millrace' });
});

after(async () => {
  killMembers();
  await target?.stop();
});

async function shareGroups(args: readonly string[]): Promise<RunResult> {
  await ensureKafkaJars();
  return runKafkaTool('org.apache.kafka.tools.consumer.group.ShareGroupCommand', ['--bootstrap-server', target!.bootstrap, ...args], { timeoutMs: 120_000 });
}

function consumed(m: Member): number[] {
  const out: number[] = [];
  for (const l of m.lines) {
    const text = String(l.line ?? '');
    if (text.startsWith('R ')) out.push(Number(text.split(' ')[3]));
  }
  return out;
}

async function until(what: string, ok: () => boolean, m: Member, limitMs = 120_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${m.tail(10)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function produce(client: KafkaClient, values: readonly number[]): Promise<void> {
  const producer = new Producer(client);
  for (const v of values) void producer.send({ topic: TOPIC, partition: 0, value: Buffer.from(String(v)) });
  await producer.flush();
}

test('kafka-share-groups.sh --delete-offsets and --delete on a share group of KafkaShareConsumers', async () => {
  const cmd = await driver;
  const client = new KafkaClient({ bootstrapServers: [target!.bootstrap] });
  try {
    await new Admin(client).createTopic({ name: TOPIC, partitions: 1, replicationFactor: 1 });
    const start = (name: string, idleMs: number) => new Member(cmd, name, [target!.bootstrap, GROUP, TOPIC, String(idleMs), String(NEVER), String(NEVER), '0']);
    const first = start('first', 15_000);
    await until('the consumer to subscribe', () => first.lines.some((l) => String(l.line ?? '') === 'READY'), first);
    // The share-partition starts at the log end when first read: markers until one is delivered.
    while (consumed(first).length === 0) {
      await produce(client, [-1]);
      await new Promise((r) => setTimeout(r, 300));
    }
    await produce(client, [1, 2, 3]);
    await until('the records to be consumed', () => [1, 2, 3].every((v) => consumed(first).includes(v)), first);

    const busy = await shareGroups(['--delete', '--group', GROUP]);
    assert.match(busy.stdout + busy.stderr, new RegExp(`Share group '${GROUP}' is not EMPTY`), busy.stdout + busy.stderr);
    assert.match((await shareGroups(['--list'])).stdout, new RegExp(`^${GROUP}$`, 'm'));

    const { code } = await first.exited;
    assert.equal(code, 0, first.tail());
    const offsets = await shareGroups(['--delete-offsets', '--group', GROUP, '--topic', TOPIC]);
    assert.equal(offsets.code, 0, offsets.stdout + offsets.stderr);
    assert.match(offsets.stdout, new RegExp(`^${TOPIC}\\s+Successful$`, 'm'), offsets.stdout + offsets.stderr);

    const deleted = await shareGroups(['--delete', '--group', GROUP]);
    assert.equal(deleted.code, 0, deleted.stdout + deleted.stderr);
    assert.match(deleted.stdout, new RegExp(`Deletion of requested share groups \\('${GROUP}'\\) was successful\\.`), deleted.stdout + deleted.stderr);
    assert.doesNotMatch((await shareGroups(['--list'])).stdout, new RegExp(`^${GROUP}$`, 'm'));

    // The id is free: a consumer joining makes a new share group, which reads what comes next.
    const second = start('second', 6_000);
    await until('the new consumer to subscribe', () => second.lines.some((l) => String(l.line ?? '') === 'READY'), second);
    while (!consumed(second).includes(-2)) {
      await produce(client, [-2]);
      await new Promise((r) => setTimeout(r, 300));
    }
    await produce(client, [4, 5]);
    await until('the new records', () => [4, 5].every((v) => consumed(second).includes(v)), second);
    assert.ok(consumed(second).every((v) => v === -2 || v === 4 || v === 5), `the new group read only new records: ${consumed(second).join(',')}`);
    assert.equal((await second.exited).code, 0, second.tail());
  } finally {
    await client.close();
  }
});
