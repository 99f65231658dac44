// Preferred and unclean leader elections (ElectLeaders) and the controller's automatic
// preferred leader rebalance, on the in-process MemoryKv with a manual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryKv } from '../../src/cluster/kv/memory-kv.js';
import { ManualClock } from '../../src/cluster/kv/clock.js';
import { KvMetadataStore } from '../../src/cluster/kv-metadata-store.js';
import { decideElection, ElectionType } from '../../src/cluster/leader-election.js';
import type { LeaderRebalanceConfig } from '../../src/cluster/leader-rebalance.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { eventually } from '../helpers/eventually.js';

const live = (...ids: number[]) => (id: number) => ids.includes(id);

test('PREFERRED: not needed when the first replica leads; elected when live and in the ISR; else not available', () => {
  assert.deepEqual(decideElection({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 }, ElectionType.PREFERRED, live(1, 2, 3)), { errorCode: ErrorCode.ELECTION_NOT_NEEDED, change: null });
  assert.deepEqual(decideElection({ replicas: [1, 2, 3], isr: [2, 3, 1], leader: 2 }, ElectionType.PREFERRED, live(1, 2, 3)), { errorCode: ErrorCode.NONE, change: { leader: 1, isr: [2, 3, 1], elr: [], lastKnownElr: [] } });
  assert.deepEqual(decideElection({ replicas: [1, 2, 3], isr: [2, 3], leader: 2 }, ElectionType.PREFERRED, live(1, 2, 3)), { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, change: null }, 'preferred out of the ISR');
  assert.deepEqual(decideElection({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 2 }, ElectionType.PREFERRED, live(2, 3)), { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, change: null }, 'preferred not live');
  // The current leader may not lead (and the controller has not moved it yet): another ISR member.
  assert.deepEqual(decideElection({ replicas: [1, 2, 3], isr: [2, 3], leader: 2 }, ElectionType.PREFERRED, live(3)), { errorCode: ErrorCode.NONE, change: { leader: 3, isr: [2, 3], elr: [], lastKnownElr: [] } });
});

test('UNCLEAN: not needed with a leader; an ISR member first, else the first live replica alone in the ISR; none: not available', () => {
  assert.deepEqual(decideElection({ replicas: [1, 2], isr: [1], leader: 1 }, ElectionType.UNCLEAN, live(1, 2)), { errorCode: ErrorCode.ELECTION_NOT_NEEDED, change: null });
  assert.deepEqual(decideElection({ replicas: [1, 2, 3], isr: [3], leader: -1 }, ElectionType.UNCLEAN, live(2, 3)), { errorCode: ErrorCode.NONE, change: { leader: 3, isr: [3], elr: [], lastKnownElr: [] } });
  assert.deepEqual(decideElection({ replicas: [1, 2, 3], isr: [1], leader: -1 }, ElectionType.UNCLEAN, live(3, 2)), { errorCode: ErrorCode.NONE, change: { leader: 2, isr: [2], elr: [], lastKnownElr: [] } });
  assert.deepEqual(decideElection({ replicas: [1, 2], isr: [1], leader: -1 }, ElectionType.UNCLEAN, live(3)), { errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, change: null });
  assert.equal(decideElection({ replicas: [1], isr: [1], leader: 1 }, 7, live(1)).errorCode, ErrorCode.INVALID_REQUEST);
});

interface World {
  kv: MemoryKv;
  clock: ManualClock;
  dirs: Map<number, string>;
  stores: Map<number, KvMetadataStore>;
  open(nodeId: number): Promise<KvMetadataStore>;
  end(): Promise<void>;
}

function world(leaderRebalance: LeaderRebalanceConfig): World {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const all: KvMetadataStore[] = [];
  const w: World = {
    kv,
    clock,
    dirs: new Map(),
    stores: new Map(),
    async open(nodeId) {
      let logDir = w.dirs.get(nodeId);
      if (logDir === undefined) w.dirs.set(nodeId, (logDir = mkdtempSync(join(tmpdir(), 'millrace-elect-'))));
      const store = await KvMetadataStore.open({ kv, clock, logDir, self: { nodeId, host: 'localhost', port: 9000 + nodeId, rack: null }, sessionTtlSeconds: 3, random: () => 0, leaderRebalance });
      w.stores.set(nodeId, store);
      all.push(store);
      return store;
    },
    async end() {
      for (const s of all) await s.close();
      await kv.close();
      for (const d of w.dirs.values()) rmSync(d, { recursive: true, force: true });
    },
  };
  return w;
}

const leaders = (s: KvMetadataStore, topic: string) => s.topic(topic)!.partitions.map((p) => p.leader);

/**
 * Three brokers and topic `t` (3 partitions, RF 3: replicas [1,2,3], [2,3,1], [3,1,2]); broker 2
 * is lost (its partition moves to 3) and comes back out of the ISR.
 */
async function brokerTwoBack(w: World): Promise<KvMetadataStore> {
  const s1 = await w.open(1);
  await w.open(2);
  await w.open(3);
  await eventually('three brokers', () => [...w.stores.values()].every((s) => s.brokers().length === 3));
  await s1.createTopic('t', 3, 3, {});
  await eventually('everyone has t', () => [...w.stores.values()].every((s) => s.topic('t') !== undefined));
  assert.deepEqual(leaders(s1, 't'), [1, 2, 3]);
  await w.stores.get(2)!.crash();
  await w.clock.advance(3_500);
  await eventually('partition 1 led by 3 without 2 in any ISR', () => leaders(s1, 't').join() === '1,3,3' && s1.topic('t')!.partitions.every((p) => !p.isr.includes(2)));
  await w.open(2);
  await eventually('2 registered again', () => s1.brokers().length === 3);
  return s1;
}

/** What replication does once broker 2 caught up: its leaders add it to the ISRs (AlterPartition). */
async function rejoinIsr(w: World, s1: KvMetadataStore): Promise<void> {
  for (const p of s1.topic('t')!.partitions) {
    const leader = w.stores.get(p.leader)!;
    const code = await leader.alterPartition({ topic: 't', partition: p.partition, brokerId: p.leader, brokerEpoch: leader.brokerEpoch, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch!, newIsr: [...p.isr, 2] });
    assert.equal(code, ErrorCode.NONE);
  }
}

test('ElectLeaders PREFERRED moves leadership back to the first replica once it is in the ISR, bumping the leader epoch', async () => {
  const w = world({ enabled: false, intervalMs: 300_000 });
  try {
    const s1 = await brokerTwoBack(w);
    const s3 = w.stores.get(3)!;
    const refs = [0, 1, 2, 9].map((partition) => ({ topic: 't', partition }));
    assert.deepEqual(await s3.electLeaders(ElectionType.PREFERRED, [...refs, { topic: 'nope', partition: 0 }]), [
      { topic: 't', partition: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED },
      { topic: 't', partition: 1, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE },
      { topic: 't', partition: 2, errorCode: ErrorCode.ELECTION_NOT_NEEDED },
      { topic: 't', partition: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
      { topic: 'nope', partition: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
    ]);
    await rejoinIsr(w, s1);
    const before = s1.topic('t')!.partitions[1]!;
    // Every partition: only the one elected is reported.
    assert.deepEqual(await s3.electLeaders(ElectionType.PREFERRED, null), [{ topic: 't', partition: 1, errorCode: ErrorCode.NONE }]);
    const after = s3.topic('t')!.partitions[1]!;
    assert.deepEqual({ leader: after.leader, leaderEpoch: after.leaderEpoch, partitionEpoch: after.partitionEpoch, isr: after.isr }, { leader: 2, leaderEpoch: before.leaderEpoch + 1, partitionEpoch: before.partitionEpoch! + 1, isr: before.isr });
    await eventually('every broker sees it', () => [...w.stores.values()].every((s) => leaders(s, 't').join() === '1,2,3'));
    assert.deepEqual(await s1.electLeaders(ElectionType.PREFERRED, null), []);
    // Without auto.leader.rebalance.enable nothing else moves, however long.
    await w.clock.advance(600_000);
    assert.deepEqual(leaders(s1, 't'), [1, 2, 3]);
  } finally {
    await w.end();
  }
});

test('ElectLeaders UNCLEAN gives an offline partition to a live replica outside the ISR', async () => {
  const w = world({ enabled: false, intervalMs: 300_000 });
  try {
    const s1 = await w.open(1);
    const s2 = await w.open(2);
    const s3 = await w.open(3);
    await eventually('three brokers', () => s3.brokers().length === 3);
    await s1.createTopic('u', 1, 2, {});
    assert.deepEqual(s3.topic('u')!.partitions[0]!.replicas, [1, 2]);
    await s2.crash();
    await w.clock.advance(3_500);
    await eventually('2 out of the ISR', () => s3.topic('u')!.partitions[0]!.isr.join() === '1');
    await w.open(2);
    await eventually('2 back', () => s3.brokers().length === 3);
    assert.deepEqual(await s3.electLeaders(ElectionType.UNCLEAN, [{ topic: 'u', partition: 0 }]), [{ topic: 'u', partition: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED }]);
    await s1.crash();
    await w.clock.advance(3_500);
    await eventually('u offline', () => s3.topic('u')!.partitions[0]!.leader === -1);
    const offline = s3.topic('u')!.partitions[0]!;
    // With ELR (a new cluster's level 1) the ISR empties and 1, its last member, is the ELR.
    assert.deepEqual([offline.isr, offline.elr], [[], [1]]);
    assert.deepEqual(await s3.electLeaders(ElectionType.PREFERRED, [{ topic: 'u', partition: 0 }]), [{ topic: 'u', partition: 0, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE }]);
    // Named twice: elected once; the second, planned again after the first, needs no election.
    assert.deepEqual(await s3.electLeaders(ElectionType.UNCLEAN, [{ topic: 'u', partition: 0 }, { topic: 'u', partition: 0 }]), [
      { topic: 'u', partition: 0, errorCode: ErrorCode.NONE },
      { topic: 'u', partition: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED },
    ]);
    const p = s3.topic('u')!.partitions[0]!;
    assert.deepEqual({ leader: p.leader, isr: p.isr, leaderEpoch: p.leaderEpoch }, { leader: 2, isr: [2], leaderEpoch: offline.leaderEpoch + 1 });
  } finally {
    await w.end();
  }
});

test('auto.leader.rebalance.enable: the controller elects preferred leaders leader.imbalance.check.interval.seconds after an imbalance', async () => {
  const w = world({ enabled: true, intervalMs: 300_000 });
  try {
    const s1 = await brokerTwoBack(w);
    // Imbalanced but the preferred replica is out of the ISR: nothing to elect, whatever the time.
    await w.clock.advance(400_000);
    assert.deepEqual(leaders(s1, 't'), [1, 3, 3]);
    await rejoinIsr(w, s1);
    const epoch = s1.topic('t')!.partitions[1]!.leaderEpoch;
    await w.clock.advance(299_000);
    assert.deepEqual(leaders(s1, 't'), [1, 3, 3], 'not before the interval');
    await w.clock.advance(2_000);
    await eventually('partition 1 led by 2 again', () => [...w.stores.values()].every((s) => leaders(s, 't').join() === '1,2,3'));
    assert.equal(s1.topic('t')!.partitions[1]!.leaderEpoch, epoch + 1);
  } finally {
    await w.end();
  }
});
