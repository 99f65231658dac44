// The etcd metadata store and its controller, on the in-process MemoryKv with a manual clock:
// lease expiry, failover and races as state machines, hermetic and without sleeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryKv } from '../../src/cluster/kv/memory-kv.js';
import { ManualClock } from '../../src/cluster/kv/clock.js';
import { KvCompactedError } from '../../src/cluster/kv/kv.js';
import { KvMetadataStore } from '../../src/cluster/kv-metadata-store.js';
import { isMetadataError, type TopicMetadata } from '../../src/cluster/metadata.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { eventually } from '../helpers/eventually.js';

interface World {
  kv: MemoryKv;
  clock: ManualClock;
  dirs: string[];
  stores: KvMetadataStore[];
  open(nodeId: number, options?: { rack?: string; logDir?: string }): Promise<KvMetadataStore>;
  end(): Promise<void>;
}

function world(): World {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const w: World = {
    kv,
    clock,
    dirs: [],
    stores: [],
    async open(nodeId, options = {}) {
      const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'millrace-kvstore-'));
      w.dirs.push(logDir);
      const store = await KvMetadataStore.open({
        kv,
        clock,
        logDir,
        self: { nodeId, host: 'localhost', port: 9000 + nodeId, rack: options.rack ?? null },
        sessionTtlSeconds: 3,
        random: () => 0,
      });
      w.stores.push(store);
      return store;
    },
    async end() {
      for (const s of w.stores) await s.close();
      await kv.close();
      for (const d of w.dirs) rmSync(d, { recursive: true, force: true });
    },
  };
  return w;
}

const ids = (s: KvMetadataStore) => s.brokers().map((b) => b.nodeId);

test('brokers register under a lease; one cluster id; a taken node.id refuses to start; a crashed broker restarting on its own log dir does not', async () => {
  const w = world();
  try {
    const s1 = await w.open(1);
    const s2 = await w.open(2);
    await eventually('both brokers in both images', () => ids(s1).length === 2 && ids(s2).length === 2);
    assert.deepEqual(ids(s1), [1, 2]);
    assert.equal(s1.clusterId, s2.clusterId);
    assert.ok(s1.clusterId.length > 0);
    await eventually('a controller', () => s1.controllerId !== -1 && s2.controllerId === s1.controllerId);
    assert.equal(s1.controllerId, 1);
    assert.ok(s1.brokerEpoch > 0 && s2.brokerEpoch > s1.brokerEpoch);

    await assert.rejects(w.open(2), /node\.id 2 is already registered by a live broker at localhost:9002 .*every broker of a cluster needs its own node\.id/);
    assert.deepEqual(ids(s1), [1, 2], 'the refused broker left no trace');

    const dir2 = w.dirs[1]!;
    await s2.crash();
    const again = await w.open(2, { logDir: dir2 });
    await eventually('the restarted broker registered', () => again.registered);
    assert.ok(again.brokerEpoch > s2.brokerEpoch, 'a new broker epoch');
  } finally {
    await w.end();
  }
});

test('the controller places replicas rack-aware; every broker serves the topic; two creators of one name: one wins', async () => {
  const w = world();
  try {
    const s1 = await w.open(1, { rack: 'a' });
    const s2 = await w.open(2, { rack: 'b' });
    const s3 = await w.open(3, { rack: 'a' });
    const s4 = await w.open(4, { rack: 'b' });
    await eventually('four brokers', () => w.stores.every((s) => s.brokers().length === 4));
    const t = await s2.createTopic('orders', 6, 2, { 'retention.ms': '1000' });
    assert.equal(t.partitions.length, 6);
    for (const p of t.partitions) {
      assert.equal(p.replicas.length, 2);
      assert.notEqual(p.replicas[0]! % 2, p.replicas[1]! % 2, `one replica per rack: ${p.replicas.join(',')}`);
      assert.equal(p.leader, p.replicas[0]);
      assert.deepEqual(p.isr, p.replicas);
      assert.equal(p.leaderEpoch, 0);
    }
    assert.deepEqual(s2.topic('orders')!.configs, { 'retention.ms': '1000' });
    await eventually('every image has the topic', () => w.stores.every((s) => s.topic('orders')?.partitions.length === 6));
    assert.deepEqual(s4.topicById(t.id)!.name, 'orders');

    const race = await Promise.allSettled([s3.createTopic('race', 1, 1, {}), s4.createTopic('race', 1, 1, {})]);
    const won = race.filter((r) => r.status === 'fulfilled');
    const lost = race.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok(isMetadataError(lost[0]!.reason, ErrorCode.TOPIC_ALREADY_EXISTS), String(lost[0]!.reason));
    await assert.rejects(s1.createTopic('orders', 1, 1, {}), (e) => isMetadataError(e, ErrorCode.TOPIC_ALREADY_EXISTS));

    // More replicas than brokers: the controller refuses, the creator hears why, the name is free again.
    await assert.rejects(s1.createTopic('wide', 1, 5, {}), (e) => isMetadataError(e, ErrorCode.INVALID_REPLICATION_FACTOR) && /only 4 broker\(s\)/.test(e.message));
    await eventually('the refused topic dropped', () => !s1.image.topicRecords.has('wide'));
    assert.equal((await s1.createTopic('wide', 1, 4, {})).partitions[0]!.replicas.length, 4);

    const grown = await s4.createPartitions('orders', 8);
    assert.equal(grown.partitions.length, 8);
    assert.deepEqual(grown.partitions.slice(0, 6), s4.topic('orders')!.partitions.slice(0, 6));
    await assert.rejects(s4.createPartitions('missing', 2), (e) => isMetadataError(e, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));

    assert.deepEqual((await s1.setTopicConfigs('orders', { 'cleanup.policy': 'compact' })).configs, { 'cleanup.policy': 'compact' });
    await eventually('configs everywhere', () => s3.topic('orders')!.configs['cleanup.policy'] === 'compact');
    await s1.setBrokerConfigs('', { 'log.retention.ms': '5' });
    await s1.setBrokerConfigs('2', { 'max.connections': '7' });
    await eventually('broker configs everywhere', () => s2.brokerConfigs('2')['max.connections'] === '7' && s2.brokerConfigs('')['log.retention.ms'] === '5');

    const deleted = await s2.deleteTopic('orders');
    assert.equal(deleted!.partitions.length, 8);
    await eventually('deleted everywhere', () => w.stores.every((s) => s.topic('orders') === undefined && s.topicById(t.id) === undefined));
    assert.equal((await w.kv.range(`${s1.keys.partitionsPrefix}orders/`)).entries.length, 0);
    assert.equal(await s2.deleteTopic('orders'), undefined);
  } finally {
    await w.end();
  }
});

test("a broker whose lease expires leaves the cluster; the controller elects new leaders from the ISR, bumping epochs", async () => {
  const w = world();
  try {
    const s1 = await w.open(1);
    const s2 = await w.open(2);
    const s3 = await w.open(3);
    await eventually('three brokers', () => w.stores.every((s) => s.brokers().length === 3));
    const before = await s1.createTopic('t', 3, 3, {});
    await eventually('everyone has t', () => w.stores.every((s) => s.topic('t') !== undefined));
    const ledBy2 = before.partitions.filter((p) => p.leader === 2).map((p) => p.partition);
    assert.ok(ledBy2.length > 0);

    await s2.crash();
    await w.clock.advance(2_000);
    assert.deepEqual(ids(s1), [1, 2, 3], 'the lease has not expired yet');
    await w.clock.advance(1_500);
    await eventually('broker 2 gone and its partitions re-led', () => ids(s3).join() === '1,3' && s3.topic('t')!.partitions.every((p) => p.leader !== 2 && !p.isr.includes(2)));
    const after: TopicMetadata = s3.topic('t')!;
    for (const p of after.partitions) {
      const old = before.partitions[p.partition]!;
      assert.deepEqual(p.replicas, old.replicas, 'replicas stay');
      assert.deepEqual(p.isr, old.isr.filter((id) => id !== 2));
      assert.equal(p.partitionEpoch, 1);
      if (ledBy2.includes(p.partition)) {
        assert.equal(p.leader, old.replicas.find((id) => id !== 2), 'the next replica in order that is in the ISR');
        assert.equal(p.leaderEpoch, 1);
      } else {
        assert.equal(p.leader, old.leader);
        assert.equal(p.leaderEpoch, 0);
      }
    }
  } finally {
    await w.end();
  }
});

test('controller failover: the controller is cut off, another broker takes over with a higher epoch and acts', async () => {
  const w = world();
  try {
    const s1 = await w.open(1);
    const s2 = await w.open(2);
    const s3 = await w.open(3);
    await eventually('controller 1 seen by all', () => w.stores.every((s) => s.controllerId === 1 && s.brokers().length === 3));
    assert.equal(s1.controller.active, true);
    const epoch = s1.controller.epoch;
    await s1.createTopic('t', 3, 3, {});
    await eventually('everyone has t', () => w.stores.every((s) => s.topic('t') !== undefined));

    await s1.crash();
    await w.clock.advance(3_500);
    await eventually('a new controller', () => s2.controllerId !== -1 && s2.controllerId !== 1 && s3.controllerId === s2.controllerId);
    const next = s2.controllerId === 2 ? s2 : s3;
    assert.equal(next.controller.active, true);
    assert.ok(next.controller.epoch > epoch);
    await eventually('no partition led by 1', () => s2.topic('t')!.partitions.every((p) => p.leader !== 1 && !p.isr.includes(1)));
    // The new controller also completes new topics.
    assert.equal((await s3.createTopic('after', 2, 2, {})).partitions.length, 2);
  } finally {
    await w.end();
  }
});

test("a broker whose session is lost registers again with a new epoch; an offline partition comes back with its last ISR member", async () => {
  const w = world();
  try {
    const s1 = await w.open(1);
    const s2 = await w.open(2);
    await eventually('two brokers', () => w.stores.every((s) => s.brokers().length === 2));
    const t = await s1.createTopic('solo', 1, 1, {});
    const owner = t.partitions[0]!.leader;
    const store = owner === 1 ? s1 : s2;
    const epoch = store.brokerEpoch;
    await w.kv.revokeLease(store.sessionLease!);
    await eventually('the owner seen gone by the other broker', () => ids(owner === 1 ? s2 : s1).length === 1 || store.brokerEpoch > epoch);
    await w.clock.advance(1_100); // the next keep-alive hears that the lease is gone
    await eventually('registered again', () => store.registered && store.brokerEpoch > epoch);
    await eventually('the partition led again by its only replica', () => s1.topic('solo')!.partitions[0]!.leader === owner && s2.topic('solo')!.partitions[0]!.leader === owner);
    const p = s1.topic('solo')!.partitions[0]!;
    assert.ok(p.partitionEpoch! >= 2, 'offline, then online');
  } finally {
    await w.end();
  }
});

test('with no live ISR member a partition goes offline, unless the topic allows unclean leader election', async () => {
  const w = world();
  try {
    const s1 = await w.open(1);
    const s2 = await w.open(2);
    const s3 = await w.open(3);
    await eventually('three brokers', () => w.stores.every((s) => s.brokers().length === 3));
    const clean = await s1.createTopic('clean', 1, 2, {});
    await s1.createTopic('dirty', 1, 2, { 'unclean.leader.election.enable': 'true' });
    assert.deepEqual(clean.partitions[0]!.replicas, [1, 2]);
    assert.deepEqual(s1.topic('dirty')!.partitions[0]!.replicas, [1, 2]);

    await s2.crash();
    await w.clock.advance(3_500);
    await eventually('2 out of the ISRs', () => s3.topic('clean')!.partitions[0]!.isr.join() === '1' && s3.topic('dirty')!.partitions[0]!.isr.join() === '1');
    await w.open(2); // back, but out of sync: nothing brings it back into the ISR
    await eventually('2 registered again', () => ids(s3).join() === '1,2,3');

    await s1.crash();
    await w.clock.advance(3_500);
    await eventually('1 gone and a controller acting', () => ids(s3).join() === '2,3' && s3.topic('dirty')!.partitions[0]!.leader !== 1 && s3.topic('clean')!.partitions[0]!.leader !== 1);
    // eligible.leader.replicas.version 1 (a new cluster's): the ISR empties and its last member is the ELR.
    assert.deepEqual(pick(s3.topic('clean')!), { leader: -1, isr: [], elr: [1] });
    assert.deepEqual(pick(s3.topic('dirty')!), { leader: 2, isr: [2], elr: [] });
  } finally {
    await w.end();
  }
});

function pick(t: TopicMetadata): { leader: number; isr: number[]; elr: number[] } {
  const p = t.partitions[0]!;
  return { leader: p.leader, isr: p.isr, elr: p.elr ?? [] };
}

test('a watch that ends (its history compacted away) makes each broker read everything again and watch on', async () => {
  const w = world();
  try {
    const s1 = await w.open(1);
    const s2 = await w.open(2);
    await eventually('two brokers', () => w.stores.every((s) => s.brokers().length === 2));
    await s1.createTopic('before', 1, 2, {});
    w.kv.endWatches(new KvCompactedError(w.kv.currentRevision));
    // Written while nobody watches: only a reload can show it.
    await w.kv.txn({ compares: [], success: [{ type: 'put', key: s1.keys.brokerConfigs(''), value: JSON.stringify({ 'log.retention.ms': '9' }) }] });
    await eventually('both reloaded', () => s1.brokerConfigs('')['log.retention.ms'] === '9' && s2.brokerConfigs('')['log.retention.ms'] === '9');
    // And they watch again: a topic created now is completed by the controller and seen by both.
    const t = await s2.createTopic('after', 2, 2, {});
    await eventually('both see it', () => s1.topic('after')?.id.equals(t.id) === true);
    assert.equal(s1.topic('before')!.partitions.length, 1);
  } finally {
    await w.end();
  }
});
