// Eligible leader replicas (KIP-966) on an embedded cluster of three brokers (real replication,
// real time): a partition whose ISR went to empty keeps its last member as ELR; a live replica
// that was out of sync does not lead, the ELR member does once it is back, with the records
// acknowledged before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type EmbeddedCluster } from '../../src/start-cluster.js';
import { Admin, Fetcher, KafkaClient, Producer } from '../../src/client/index.js';
import { eventually } from '../helpers/eventually.js';

async function produce(client: KafkaClient, from: number, count: number): Promise<void> {
  const producer = new Producer(client, { acks: -1, lingerMs: 1 });
  await Promise.all(Array.from({ length: count }, (_, i) => producer.send({ topic: 'e', partition: 0, value: Buffer.from(`v${from + i}`) })));
  await producer.close();
}

/** The partition as a running broker's image has it. */
function state(cluster: EmbeddedCluster, nodeId: number): { leader: number; isr: number[]; elr: number[]; lastKnownElr: number[]; leaderEpoch: number } | null {
  const p = cluster.store(nodeId).topic('e')?.partitions[0];
  if (p === undefined) return null;
  return { leader: p.leader, isr: p.isr, elr: p.elr ?? [], lastKnownElr: p.lastKnownElr ?? [], leaderEpoch: p.leaderEpoch };
}

test('the ISR goes to empty: its last member is the ELR, a live out-of-sync replica does not lead, the ELR member does when back', async () => {
  const cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 }, logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent' });
  const clients: KafkaClient[] = [];
  const connect = (): KafkaClient => {
    const c = new KafkaClient({ bootstrapServers: cluster.bootstrapServers.split(',') });
    clients.push(c);
    return c;
  };
  try {
    const admin = new Admin(connect());
    await admin.createTopic({ name: 'e', partitions: 1, replicationFactor: 2 });
    const [a, b] = (await admin.describeTopics(['e']))[0]!.partitions[0]!.replicas as [number, number];
    const other = [1, 2, 3].find((id) => id !== a && id !== b)!;
    await eventually('both replicas in the ISR', () => state(cluster, other)?.isr.length === 2);
    await produce(clients[0]!, 0, 10);

    // b leaves: ISR [a], still at min.insync.replicas 1, so no ELR.
    await cluster.stopBroker(b);
    await eventually(`${b} out of the ISR`, () => state(cluster, other)?.isr.join() === `${a}`);
    assert.deepEqual(state(cluster, other)!.elr, []);
    await produce(connect(), 10, 10);

    // a leaves too: the ISR empties and a, its last member, is the ELR.
    await cluster.stopBroker(a);
    await eventually('the ISR empty, a in the ELR', () => {
      const s = state(cluster, other);
      return s !== null && s.leader === -1 && s.isr.length === 0 && s.elr.join() === `${a}`;
    });
    const offline = state(cluster, other)!;

    // b is back but was out of sync: it is neither ISR nor ELR, so it does not lead.
    await cluster.startBroker(b);
    await eventually(`${b} registered`, () => cluster.store(other).brokers().some((x) => x.nodeId === b));
    await eventually(`${b} sees the partition`, () => state(cluster, b) !== null);
    assert.deepEqual(state(cluster, other), offline, 'still offline with b live');

    // a is back: elected from the ELR (a clean election), the ISR a alone, the ELR empty.
    await cluster.startBroker(a);
    await eventually(`${a} leads from the ELR`, () => state(cluster, other)?.leader === a);
    const led = state(cluster, other)!;
    assert.deepEqual({ ...led, isr: led.isr.slice(0, 1) }, { leader: a, isr: [a], elr: [], lastKnownElr: [], leaderEpoch: offline.leaderEpoch + 1 });
    // Every acknowledged record is there, and b catches up from a into the ISR.
    const client = connect();
    const fetcher = new Fetcher(client, { maxWaitMs: 50 });
    fetcher.assign([{ topic: 'e', partition: 0, offset: -2n }]);
    const values: string[] = [];
    await eventually('20 records', async () => {
      for (const r of await fetcher.poll()) values.push(r.value!.toString());
      return values.length >= 20;
    }, { intervalMs: 0, retryErrors: true });
    fetcher.close();
    assert.deepEqual(values, Array.from({ length: 20 }, (_, i) => `v${i}`));
    await eventually(`${b} back in the ISR`, () => state(cluster, other)?.isr.length === 2, { intervalMs: 20 });
  } finally {
    for (const c of clients) c.close();
    await cluster.close();
  }
});

test('min.insync.replicas of the topic changed: its partitions\' ELR is cleared', async () => {
  const cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 }, logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent' });
  try {
    await cluster.store(1).createTopic('m', 1, 2, { 'min.insync.replicas': '2' });
    const [a, b] = cluster.store(1).topic('m')!.partitions[0]!.replicas as [number, number];
    const other = [1, 2, 3].find((id) => id !== a && id !== b)!;
    const part = () => cluster.store(other).topic('m')!.partitions[0]!;
    await eventually('both in the ISR', () => part().isr.length === 2);
    await cluster.stopBroker(b);
    await eventually(`${b} out of the ISR [${a}] and in the ELR (below min ISR 2)`, () => part().isr.join() === `${a}` && (part().elr ?? []).join() === `${b}`);
    await cluster.store(other).setTopicConfigs('m', { 'min.insync.replicas': '1' });
    const p = part();
    assert.deepEqual([p.leader, p.isr, p.elr ?? [], p.lastKnownElr ?? []], [a, [a], [], []]);
  } finally {
    await cluster.close();
  }
});

test('an ELR member killed and restarted (no clean-shutdown markers) leaves the ELR and is not elected from it', async () => {
  const cluster = await startCluster({ brokers: 3, sessionTtlSeconds: 2, config: { 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 }, logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent' });
  try {
    await cluster.store(1).createTopic('e', 1, 2, {});
    const [a, b] = cluster.store(1).topic('e')!.partitions[0]!.replicas as [number, number];
    const other = [1, 2, 3].find((id) => id !== a && id !== b)!;
    await eventually('both replicas in the ISR', () => state(cluster, other)?.isr.length === 2);
    await cluster.stopBroker(b);
    await eventually(`${b} out of the ISR`, () => state(cluster, other)?.isr.join() === `${a}`);
    // a is killed: its session expires, the ISR empties and a is the ELR.
    await cluster.killBroker(a);
    await eventually('the ISR empty, a in the ELR', () => {
      const s = state(cluster, other);
      return s !== null && s.leader === -1 && s.isr.length === 0 && s.elr.join() === `${a}`;
    }, { timeoutMs: 20_000 });
    const offline = state(cluster, other)!;
    // a restarts without its markers: registered as an unclean shutdown, it leaves the ELR, and
    // once the controller has cleared its mark the partition is still offline, never led by a.
    await cluster.startBroker(a);
    const registration = () => cluster.store(other).image.brokers.get(a)?.record;
    await eventually(`${a} registered`, () => registration() !== undefined);
    await eventually(`${a} out of the ELR and its mark cleared`, () => state(cluster, other)?.elr.length === 0 && registration() !== undefined && registration()!.uncleanShutdown !== true);
    const after = state(cluster, other)!;
    assert.deepEqual(after, { ...offline, elr: [] }, 'no leader, same leader epoch: a was never elected');
    assert.equal(state(cluster, a)?.leader, -1);
  } finally {
    await cluster.close();
  }
});
