/**
 * Issue 17's share group proof with the Java KafkaShareConsumer (kafka-clients 4.4.0,
 * ShareDriver.java): three share consumers and a fourth that is killed with kill -9 while
 * holding records, all on one partition of 30,000 records. Each record is delivered to exactly
 * one consumer unless released (released once, delivered again) or held by the killed one
 * (delivered again once its connection closes or its locks expire); rejected records are never delivered again; after a
 * broker restart the share group's state is still there (nothing is delivered twice, new
 * records are). __share_group_state is pruned during the run (a snapshot every 50 writes, pruned
 * every second), so the restarted broker reads the state back from a pruned log.
 *
 * Against Millrace by default; MILLRACE_COMPAT_TARGET=kafka runs the same against Apache Kafka.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, ResourceType } from '../../src/client/admin.js';
import { EARLIEST_TIMESTAMP, KafkaClient, listOffsets } from '../../src/client/index.js';
import { Producer } from '../../src/client/producer.js';
import type { DriverCommand } from './clients/index.js';
import { killMembers, Member } from './clients/group-members.js';
import { shareDriver, untilShareMembersAssigned } from './clients/share-consumers.js';
import { startTarget, type CompatTarget } from './setup/target.js';

const RECORDS = 30_000;
const REJECT_EVERY = 97;
const RELEASE_EVERY = 101;
/** The victim stops acknowledging after this many records and waits to be killed. */
const HOLD_AFTER = 300;
const LOCK_MS = 5_000;

let target: CompatTarget | undefined;
let driver: Promise<DriverCommand>;

before(async () => {
  driver = shareDriver();
  driver.catch(() => {});
  // Short locks, so the killed consumer's records come back within the test; frequent snapshots and pruning of the state topic.
  target = await startTarget({
    kind: process.env.MILLRACE_COMPAT_TARGET ?? 'millrace',
    config: {
      'group.share.record.lock.duration.ms': LOCK_MS, 'group.share.min.record.lock.duration.ms': 1000,
      'share.coordinator.snapshot.update.records.per.snapshot': 50, 'share.coordinator.state.topic.prune.interval.ms': 1000,
    },
  });
});

after(async () => {
  killMembers();
  await target?.stop();
});

interface Delivery {
  offset: number;
  deliveryCount: number;
  value: number;
  /** Held by the consumer killed with kill -9: never acknowledged. */
  held: boolean;
}

/** The records a consumer printed: acknowledged (R) or held unacknowledged (H). */
function deliveries(m: Member): Delivery[] {
  const out: Delivery[] = [];
  for (const l of m.lines) {
    const text = String(l.line ?? '');
    if (!text.startsWith('R ') && !text.startsWith('H ')) continue;
    const [kind, offset, count, value] = text.split(' ');
    out.push({ offset: Number(offset), deliveryCount: Number(count), value: Number(value), held: kind === 'H' });
  }
  return out;
}

function saw(m: Member, word: string): boolean {
  return m.lines.some((l) => String(l.line ?? '').startsWith(word));
}

async function until(what: string, ok: () => boolean, members: readonly Member[], limitMs = 120_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${members.map((m) => `${m.name}: ${m.tail(5)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function produce(client: KafkaClient, values: Iterable<number>): Promise<void> {
  const producer = new Producer(client);
  for (const v of values) void producer.send({ topic: 'queue', partition: 0, value: Buffer.from(String(v)) });
  await producer.flush();
}

test('three KafkaShareConsumers split one partition; kill -9, release and reject; state survives a restart', async () => {
  const cmd = await driver;
  const client = new KafkaClient({ bootstrapServers: [target!.bootstrap] });
  try {
    await new Admin(client).createTopic({ name: 'queue', partitions: 1, replicationFactor: 1 });
    const start = (name: string, idleMs: number, holdAfter: number) =>
      new Member(cmd, name, [target!.bootstrap, 'workers', 'queue', String(idleMs), String(REJECT_EVERY), String(RELEASE_EVERY), String(holdAfter)]);
    const victim = start('victim', 600_000, HOLD_AFTER);
    const survivors = [start('c1', 10_000, 0), start('c2', 10_000, 0), start('c3', 10_000, 0)];
    const all = [victim, ...survivors];
    await until('the consumers to subscribe', () => all.every((m) => saw(m, 'READY')), all);
    // The records come once all four have the partition (share-assignment.ts).
    await untilShareMembersAssigned(client, 'workers', 'queue', all.length);
    // The share-partition starts at the log end when first fetched (share.auto.offset.reset
    // latest): markers (-1, accepted) until one is delivered say the group reads the partition.
    while (!all.some((m) => deliveries(m).length > 0)) {
      await produce(client, [-1]);
      await new Promise((r) => setTimeout(r, 300));
    }
    await produce(client, Array.from({ length: RECORDS }, (_, i) => i));
    await until('the victim to hold records (or the others to finish)', () => saw(victim, 'HOLDING') || survivors.every((m) => !m.alive), all);
    await victim.kill();
    for (const m of survivors) {
      const { code } = await m.exited;
      assert.equal(code, 0, `${m.name} failed:\n${m.tail()}`);
    }

    const byValue = new Map<number, Delivery[]>();
    for (const m of all) for (const d of deliveries(m)) if (d.value >= 0) byValue.set(d.value, [...(byValue.get(d.value) ?? []), d]);
    assert.ok(survivors.filter((m) => deliveries(m).length > 0).length >= 2, 'the records are split between consumers');
    assert.ok(deliveries(victim).some((d) => d.held), 'the killed consumer held records');
    for (let v = 0; v < RECORDS; v++) {
      const got = (byValue.get(v) ?? []).sort((a, b) => a.deliveryCount - b.deliveryCount);
      const what = `value ${v}: ${JSON.stringify(got)}`;
      // Each delivery went to one consumer, with the count one higher than the one before.
      assert.deepEqual(got.map((d) => d.deliveryCount), got.map((_, i) => i + 1), what);
      // Only the last delivery ended it (accepted or rejected); every earlier one was held by
      // the killed consumer (its lock expired) or, for a released value, its first delivery.
      const last = got.at(-1);
      assert.ok(last !== undefined && !last.held, what);
      for (const d of got.slice(0, -1)) {
        const released = d.deliveryCount === 1 && v % RELEASE_EVERY === 0 && v % REJECT_EVERY !== 0;
        assert.ok(d.held || released, `${what}: a delivery after an acknowledgement that ended the record`);
      }
      if (v % RELEASE_EVERY === 0 && v % REJECT_EVERY !== 0) assert.ok(got.length >= 2, `released ${what}`);
    }

    // The state topic was pruned: some partition's log start offset moved up.
    let pruned = 0n;
    for (let i = 0; i < 100 && pruned === 0n; i++) {
      for (const o of (await listOffsets(client, '__share_group_state', null, EARLIEST_TIMESTAMP)).values()) if (o > pruned) pruned = o;
      if (pruned === 0n) await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(pruned > 0n, '__share_group_state was pruned');

    // The share group's state survives the broker: a new consumer after a restart gets only new records.
    assert.ok(target!.restart !== undefined, 'the target restarts');
    await target!.restart!();
    const later = start('after-restart', 6_000, 0);
    await until('the consumer to subscribe after the restart', () => saw(later, 'READY'), [later]);
    await produce(client, Array.from({ length: 10 }, (_, i) => RECORDS + i));
    const { code } = await later.exited;
    assert.equal(code, 0, later.tail());
    assert.deepEqual(deliveries(later).map((d) => d.value).sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => RECORDS + i));
  } finally {
    await client.close();
  }
});

test('share.auto.offset.reset=by_duration: a new share group starts at the first record no older than the duration', async () => {
  const cmd = await driver;
  const client = new KafkaClient({ bootstrapServers: [target!.bootstrap] });
  try {
    const admin = new Admin(client);
    await admin.createTopic({ name: 'dated', partitions: 1, replicationFactor: 1 });
    // Values 0-9 written two hours ago, 10-19 ten minutes ago (CreateTime); the group asks for the last hour.
    const producer = new Producer(client);
    const now = BigInt(Date.now());
    for (let v = 0; v < 20; v++) {
      const timestamp = now - (v < 10 ? 7_200_000n : 600_000n);
      void producer.send({ topic: 'dated', partition: 0, value: Buffer.from(String(v)), timestamp });
    }
    await producer.flush();
    await admin.alterConfigs(ResourceType.GROUP, 'recent', { 'share.auto.offset.reset': 'by_duration:PT1H' }, []);
    // Apache Kafka creates __share_group_state on first use: its first records take some 20 s.
    const m = new Member(cmd, 'by-duration', [target!.bootstrap, 'recent', 'dated', '120000', '1000000', '1000000', '0']);
    await until('ten records delivered', () => deliveries(m).length >= 10 || !m.alive, [m]);
    await m.kill();
    assert.deepEqual(deliveries(m).map((d) => d.value).sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => 10 + i), m.tail());
  } finally {
    await client.close();
  }
});
