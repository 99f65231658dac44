// Eligible leader replicas (KIP-966) as Kafka 4.4's PartitionChangeBuilder keeps them: the ISR
// and ELR transitions of the controller (fencing), of AlterPartition, of elections, and the
// feature and min ISR that switch them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterKeys, encodeRecord, type PartitionRecord } from '../../src/cluster/cluster-keys.js';
import { MetadataImage } from '../../src/cluster/metadata-image.js';
import { elrEnabled, elrSettingsFor, targetElr, topicEffectiveMinIsr, ELR_OFF } from '../../src/cluster/elr.js';
import { electAndShrink, NO_LEADER } from '../../src/cluster/partition-change.js';
import { applyElection, decideElection, ElectionType } from '../../src/cluster/leader-election.js';
import { planAlterPartition } from '../../src/cluster/replication/alter-partition.js';
import { planControllerWrites } from '../../src/cluster/controller.js';
import { minIsrChanged, planElrClears } from '../../src/cluster/elr-config.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { isFeatureUpdateError, planFeatureUpdates, UpgradeType } from '../../src/cluster/features.js';
import type { KvEntry } from '../../src/cluster/kv/kv.js';

const keys = new ClusterKeys();
const ON = { enabled: true, minIsr: 2 };

function entry(key: string, value: object, createRevision: number, modRevision = createRevision): KvEntry {
  return { key, value: encodeRecord(value), createRevision, modRevision, version: 1, lease: '0' };
}

function image(partition: PartitionRecord, extra: KvEntry[] = []): MetadataImage {
  const img = new MetadataImage(keys);
  img.load(
    [
      entry(keys.broker(1), { nodeId: 1, host: 'h', port: 1, rack: null, dirId: 'a' }, 10),
      entry(keys.broker(2), { nodeId: 2, host: 'h', port: 2, rack: null, dirId: 'b' }, 11),
      entry(keys.broker(3), { nodeId: 3, host: 'h', port: 3, rack: null, dirId: 'c' }, 12),
      entry(keys.topic('t'), { id: 'AAAAAAAAAAAAAAAAAAAAAQ', internal: false, partitions: 1, initialPartitions: 1, replicationFactor: 3 }, 20),
      entry(keys.partition('t', 0), partition, 21, 25),
      // A new cluster: created with its bootstrap levels (an older one reads ELR as 0).
      entry(keys.bootstrapFeatures, { levels: {} }, 2),
      ...extra,
    ],
    30,
  );
  return img;
}

const p = (leader: number, isr: number[], more: Partial<PartitionRecord> = {}): PartitionRecord => ({ replicas: [1, 2, 3], isr, leader, leaderEpoch: 4, partitionEpoch: 9, ...more });

test('replicas leaving an ISR below the min ISR join the ELR; at or above it the ELR and LastKnownELR are cleared', () => {
  assert.deepEqual(targetElr(p(1, [1, 2, 3]), [1, 2], ON), { elr: [], lastKnownElr: [] }, 'ISR 2 = min ISR 2');
  assert.deepEqual(targetElr(p(1, [1, 2]), [1], ON), { elr: [2], lastKnownElr: [] });
  assert.deepEqual(targetElr(p(1, [1], { elr: [2] }), [], ON), { elr: [1, 2], lastKnownElr: [] }, 'in broker id order, as Kafka lists them');
  assert.deepEqual(targetElr(p(1, [1], { elr: [2] }), [1, 3], ON), { elr: [], lastKnownElr: [] }, 'back at min ISR');
  assert.deepEqual(targetElr(p(1, [1], { elr: [2] }), [2], ON), { elr: [1], lastKnownElr: [] }, 'an ELR member back in the ISR leaves the ELR');
  // An unclean shutdown keeps a replica out of the ELR and the LastKnownELR (KIP-966).
  assert.deepEqual(targetElr(p(1, [1], { elr: [2] }), [], ON, [1]), { elr: [2], lastKnownElr: [] });
  assert.deepEqual(targetElr(p(1, [1], { elr: [2], lastKnownElr: [3] }), [], ON), { elr: [1, 2], lastKnownElr: [3] }, 'LastKnownELR kept with ISR and ELR empty');
  assert.deepEqual(targetElr(p(1, [1], { elr: [2], lastKnownElr: [3] }), [], ELR_OFF), { elr: [], lastKnownElr: [] }, 'off: cleared');
});

test('fencing: with ELR on the ISR empties and its members become ELR; the ELR member back leads cleanly, the ISR it alone', () => {
  const a = electAndShrink(p(1, [1, 2]), new Set([1, 3]), false, ON)!;
  assert.deepEqual(a, p(1, [1], { partitionEpoch: 10, elr: [2] }), 'follower 2 fenced: ISR [1] < min ISR 2, 2 joins the ELR');
  const b = electAndShrink(a, new Set([3]), false, ON)!;
  assert.deepEqual(b, p(NO_LEADER, [], { leaderEpoch: 5, partitionEpoch: 11, elr: [1, 2] }), 'leader 1 fenced: ISR empty, no leader, 3 (never in sync) does not lead');
  const c = electAndShrink(b, new Set([2, 3]), false, ON)!;
  assert.deepEqual(c, p(2, [2], { leaderEpoch: 6, partitionEpoch: 12, elr: [1] }), '2 is back: elected from the ELR, a clean election');
  assert.equal(electAndShrink(c, new Set([2, 3]), false, ON), null, 'steady');
});

test('fencing without ELR keeps the last ISR member; with ELR an unclean election clears ELR and LastKnownELR', () => {
  assert.deepEqual(electAndShrink(p(1, [1]), new Set([2, 3]), false, ELR_OFF), p(NO_LEADER, [1], { leaderEpoch: 5, partitionEpoch: 10 }));
  const empty = p(NO_LEADER, [], { elr: [1], lastKnownElr: [2] });
  assert.equal(electAndShrink(empty, new Set([3]), false, ON), null, 'no ELR member live: stays offline');
  assert.deepEqual(electAndShrink(empty, new Set([3]), true, ON), p(3, [3], { leaderEpoch: 5, partitionEpoch: 10 }), 'unclean: 3 leads, ELR forgotten');
  assert.deepEqual(electAndShrink(empty, new Set([1, 3]), true, ON), p(1, [1], { leaderEpoch: 5, partitionEpoch: 10, lastKnownElr: [2] }), 'an ELR member is preferred over an unclean election');
});

test('with the feature off a stored ELR stays until the partition changes, which clears it; its member may still lead', () => {
  const stale = p(1, [1], { elr: [3], lastKnownElr: [2] });
  assert.equal(electAndShrink(stale, new Set([1, 2, 3]), false, ELR_OFF), null, 'nothing else changes: nothing written');
  assert.deepEqual(electAndShrink(stale, new Set([2, 3]), false, ELR_OFF), p(NO_LEADER, [1], { leaderEpoch: 5, partitionEpoch: 10 }), 'leader lost: the ELR fields go with the change');
  const emptied = p(NO_LEADER, [], { elr: [2], lastKnownElr: [1] });
  assert.deepEqual(electAndShrink(emptied, new Set([2, 3]), false, ELR_OFF), p(2, [2], { leaderEpoch: 5, partitionEpoch: 10 }), 'an ISR emptied under ELR: its ELR member leads');
  assert.equal(electAndShrink(p(1, [1], { elr: [3] }), new Set([1, 2, 3]), false, ON), null, 'below min ISR the ELR stays');
});

test('ElectLeaders: with the ISR empty an ELR member leads cleanly (UNCLEAN and PREFERRED); unclean clears the ELR', () => {
  const empty = p(NO_LEADER, [], { elr: [2], lastKnownElr: [1] });
  const all = () => true;
  assert.deepEqual(decideElection(empty, ElectionType.UNCLEAN, all), { errorCode: ErrorCode.NONE, change: { leader: 2, isr: [2], elr: [], lastKnownElr: [1] } });
  assert.deepEqual(decideElection(empty, ElectionType.PREFERRED, all), { errorCode: ErrorCode.NONE, change: { leader: 2, isr: [2], elr: [], lastKnownElr: [1] } });
  const unclean = decideElection(empty, ElectionType.UNCLEAN, (id) => id !== 2);
  assert.deepEqual(unclean, { errorCode: ErrorCode.NONE, change: { leader: 1, isr: [1], elr: [], lastKnownElr: [] } });
  assert.deepEqual(applyElection(empty, unclean.change!), p(1, [1], { leaderEpoch: 5, partitionEpoch: 10 }));
  assert.deepEqual(decideElection(empty, ElectionType.PREFERRED, (id) => id !== 2).errorCode, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
  assert.deepEqual(decideElection(p(NO_LEADER, [], { elr: [2] }), ElectionType.UNCLEAN, () => false).errorCode, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
});

test('AlterPartition: a shrink below the topic\'s min ISR puts the leaving replica in the ELR; an expansion takes it out', () => {
  const minIsr2 = entry(keys.topicConfigs('t'), { 'min.insync.replicas': '2' }, 22);
  const base = p(1, [1, 2]);
  const shrink = planAlterPartition(image(base, [minIsr2]), { topic: 't', partition: 0, brokerId: 1, brokerEpoch: 10, leaderEpoch: 4, partitionEpoch: 9, newIsr: [1] });
  assert.equal(shrink.errorCode, ErrorCode.NONE);
  const op = shrink.ops[0]!;
  assert.ok(op.type === 'put');
  assert.deepEqual(JSON.parse(op.value), p(1, [1], { partitionEpoch: 10, elr: [2] }));
  const shrunk = p(1, [1], { partitionEpoch: 10, elr: [2] });
  const expand = planAlterPartition(image(shrunk, [minIsr2]), { topic: 't', partition: 0, brokerId: 1, brokerEpoch: 10, leaderEpoch: 4, partitionEpoch: 10, newIsr: [1, 2] });
  const op2 = expand.ops[0]!;
  assert.ok(op2.type === 'put');
  assert.deepEqual(JSON.parse(op2.value), p(1, [1, 2], { partitionEpoch: 11 }));
  // min ISR 1 (the default): ISR [1] is not below it, nobody joins.
  const noElr = planAlterPartition(image(base), { topic: 't', partition: 0, brokerId: 1, brokerEpoch: 10, leaderEpoch: 4, partitionEpoch: 9, newIsr: [1] });
  const op3 = noElr.ops[0]!;
  assert.ok(op3.type === 'put');
  assert.deepEqual(JSON.parse(op3.value), p(1, [1], { partitionEpoch: 10 }));
});

test('the settings: the feature level, and min.insync.replicas of the topic, else the cluster, else static, capped at the replicas', () => {
  const off = entry(keys.features, { levels: { 'eligible.leader.replicas.version': 0 } }, 5);
  assert.equal(elrEnabled(image(p(1, [1])).features), true, 'a new cluster finalizes 1');
  assert.equal(elrEnabled(image(p(1, [1]), [off]).features), false);
  assert.deepEqual(elrSettingsFor(image(p(1, [1]), [off]), 't', 2, 3), ELR_OFF);
  assert.equal(topicEffectiveMinIsr(image(p(1, [1])), 't', 2, 3), 2);
  assert.equal(topicEffectiveMinIsr(image(p(1, [1]), [entry(keys.brokerConfigs(''), { 'min.insync.replicas': '3' }, 6)]), 't', 2, 3), 3);
  assert.equal(topicEffectiveMinIsr(image(p(1, [1]), [entry(keys.brokerConfigs(''), { 'min.insync.replicas': '3' }, 6), entry(keys.topicConfigs('t'), { 'min.insync.replicas': '5' }, 22)]), 't', 2, 3), 3, 'capped at 3 replicas');
});

test('the controller plans the ELR with the topic\'s min ISR; with the feature at 0 a stored one is left until a change', () => {
  const ctl = entry(keys.controller, { nodeId: 1 }, 13);
  const written = (img: MetadataImage) => planControllerWrites(img, { uncleanLeaderElection: false, minInsyncReplicas: 2 }).flatMap((t) => t.ops).map((o) => (o.type === 'put' ? JSON.parse(o.value) : o));
  // Broker 3 is gone from the registrations: it leaves the ISR [1, 3] for the ELR (min ISR 2).
  const img = new MetadataImage(keys);
  img.load([
    ctl,
    entry(keys.broker(1), { nodeId: 1, host: 'h', port: 1, rack: null, dirId: 'a' }, 10),
    entry(keys.broker(2), { nodeId: 2, host: 'h', port: 2, rack: null, dirId: 'b' }, 11),
    entry(keys.topic('t'), { id: 'AAAAAAAAAAAAAAAAAAAAAQ', internal: false, partitions: 1, initialPartitions: 1, replicationFactor: 3 }, 20),
    entry(keys.partition('t', 0), p(1, [1, 3]), 21),
    entry(keys.bootstrapFeatures, { levels: {} }, 2),
  ], 30);
  assert.deepEqual(written(img), [p(1, [1], { partitionEpoch: 10, elr: [3] })]);
  const off = entry(keys.features, { levels: { 'eligible.leader.replicas.version': 0 } }, 5);
  assert.deepEqual(written(image(p(1, [1, 2, 3], { elr: [3] }), [ctl, off])), []);
});

test('eligible.leader.replicas.version 1 depends on metadata.version 4.0-IV1 (23), as Kafka\'s Feature.validateVersion says', () => {
  const at = (mv: number, elr: number) => ({ levels: new Map([['metadata.version', mv], ['eligible.leader.replicas.version', elr]]), epoch: 1n });
  assert.deepEqual(planFeatureUpdates(at(22, 0), [{ feature: 'eligible.leader.replicas.version', level: 1, upgradeType: UpgradeType.Upgrade }], 1), {
    errorCode: ErrorCode.INVALID_UPDATE_VERSION,
    message: 'Invalid update version 1 for feature eligible.leader.replicas.version. eligible.leader.replicas.version could not be set to 1 because it depends on metadata.version=23 (4.0-IV1)',
  });
  const ok = planFeatureUpdates(at(23, 0), [{ feature: 'eligible.leader.replicas.version', level: 1, upgradeType: UpgradeType.Upgrade }], 1);
  assert.ok(!isFeatureUpdateError(ok));
  assert.equal(ok.get('eligible.leader.replicas.version'), 1);
  const off = planFeatureUpdates(at(29, 1), [{ feature: 'eligible.leader.replicas.version', level: 0, upgradeType: UpgradeType.SafeDowngrade }], 1);
  assert.ok(!isFeatureUpdateError(off));
  assert.equal(off.get('eligible.leader.replicas.version'), 0);
});

test('a min.insync.replicas change clears the ELR fields of the topic\'s partitions (all topics for a cluster or broker config)', () => {
  assert.equal(minIsrChanged({ 'min.insync.replicas': '2' }, { 'min.insync.replicas': '3' }), true);
  assert.equal(minIsrChanged(undefined, { 'min.insync.replicas': '2' }), true);
  assert.equal(minIsrChanged({ 'min.insync.replicas': '2' }, {}), true);
  assert.equal(minIsrChanged({ 'min.insync.replicas': '2', 'retention.ms': '1' }, { 'min.insync.replicas': '2' }), false);
  const img = image(p(1, [1], { elr: [2], lastKnownElr: [3] }));
  const clears = planElrClears(img, ['t'], null);
  assert.equal(clears.length, 1);
  assert.deepEqual(clears[0]!.compare, { key: keys.partition('t', 0), target: 'modRevision', op: '==', value: 25 });
  const op = clears[0]!.op!;
  assert.ok(op.type === 'put');
  assert.deepEqual(JSON.parse(op.value), p(1, [1], { partitionEpoch: 10 }));
  assert.deepEqual(planElrClears(img, null, null).length, 1, 'every topic');
  assert.deepEqual(planElrClears(img, ['other'], null), []);
  assert.deepEqual(planElrClears(image(p(1, [1])), ['t'], null), [], 'nothing to clear');
});
