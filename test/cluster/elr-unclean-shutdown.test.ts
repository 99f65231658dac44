// KIP-966's two safety rules around eligible leader replicas: a broker back from an unclean
// shutdown (its previous broker epoch, from the clean-shutdown markers, is not its last
// registration's) leaves every ELR and LastKnownELR before it can lead from one, and an
// existing cluster does not turn eligible.leader.replicas.version on by upgrading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterKeys, encodeRecord, type BrokerRecord, type PartitionRecord } from '../../src/cluster/cluster-keys.js';
import { MetadataImage } from '../../src/cluster/metadata-image.js';
import { electAndShrink, NO_LEADER } from '../../src/cluster/partition-change.js';
import { planElections, ElectionType } from '../../src/cluster/leader-election.js';
import { planAlterPartition } from '../../src/cluster/replication/alter-partition.js';
import { planControllerWrites } from '../../src/cluster/controller.js';
import { featureLevel, ELIGIBLE_LEADER_REPLICAS_VERSION } from '../../src/cluster/features.js';
import { MemoryKv } from '../../src/cluster/kv/memory-kv.js';
import { ManualClock, settle } from '../../src/cluster/kv/clock.js';
import { KvMetadataStore } from '../../src/cluster/kv-metadata-store.js';
import { LocalMetadataStore } from '../../src/cluster/local-metadata-store.js';
import { previousBrokerEpoch, writeCleanShutdownFile } from '../../src/storage/checkpoint.js';
import { NodeFs } from '../../src/storage/fs/storage-fs.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { modRevisionIs, type KvEntry, type WatchEvent } from '../../src/cluster/kv/kv.js';

const keys = new ClusterKeys();
const ON = { enabled: true, minIsr: 2 };

function entry(key: string, value: object, createRevision: number, modRevision = createRevision, lease = '0'): KvEntry {
  return { key, value: encodeRecord(value), createRevision, modRevision, version: 1, lease };
}

const broker = (id: number, extra: Partial<BrokerRecord> = {}): BrokerRecord => ({ nodeId: id, host: 'h', port: id, rack: null, dirId: `d${id}`, ...extra });

/** A new cluster (bootstrap levels present: ELR on) with brokers 1-3, broker 2 back from an unclean shutdown. */
function image(partition: PartitionRecord, opts: { bootstrap?: boolean; features?: Record<string, number> } = {}): MetadataImage {
  const img = new MetadataImage(keys);
  const entries: KvEntry[] = [
    entry(keys.broker(1), broker(1), 10, 10, '101'),
    entry(keys.broker(2), broker(2, { uncleanShutdown: true }), 11, 13, '102'),
    entry(keys.broker(3), broker(3), 12, 12, '103'),
    entry(keys.topic('t'), { id: 'AAAAAAAAAAAAAAAAAAAAAQ', internal: false, partitions: 1, initialPartitions: 1, replicationFactor: 3 }, 20),
    entry(keys.partition('t', 0), partition, 21, 25),
  ];
  if (opts.bootstrap ?? true) entries.push(entry(keys.bootstrapFeatures, { levels: {} }, 2));
  if (opts.features !== undefined) entries.push(entry(keys.features, { levels: opts.features }, 3));
  img.load(entries, 30);
  return img;
}

const part = (leader: number, isr: number[], extra: Partial<PartitionRecord> = {}): PartitionRecord => ({ replicas: [1, 2, 3], isr, leader, leaderEpoch: 4, partitionEpoch: 9, ...extra });

test('a broker back from an unclean shutdown leaves the ELR and LastKnownELR and is not elected from them', () => {
  // The ISR emptied; broker 2 is in the ELR and live again, but shut down uncleanly.
  const empty = part(NO_LEADER, [], { elr: [2, 3], lastKnownElr: [1] });
  assert.deepEqual(electAndShrink(empty, new Set([2]), false, ON, [2]), part(NO_LEADER, [], { elr: [3], lastKnownElr: [1], partitionEpoch: 10 }),
    'removed from the ELR, nobody elected (3 is not live)');
  assert.deepEqual(electAndShrink(empty, new Set([2, 3]), false, ON, [2]), part(3, [3], { lastKnownElr: [1], leaderEpoch: 5, partitionEpoch: 10 }),
    'the clean ELR member leads');
  assert.deepEqual(electAndShrink(part(NO_LEADER, [], { elr: [3], lastKnownElr: [2] }), new Set([1]), false, ON, [2]), part(NO_LEADER, [], { elr: [3], partitionEpoch: 10 }),
    'removed from the LastKnownELR');
  assert.equal(electAndShrink(part(NO_LEADER, [], { elr: [3] }), new Set([2]), false, ON, [2]), null, 'nothing of it to remove: nothing written');
  // Without the mark the same ELR member leads (the rule is the mark, not liveness).
  assert.equal(electAndShrink(empty, new Set([2]), false, ON)!.leader, 2);
});

test('the controller removes a broker with an unclean shutdown from every ELR, then clears its mark', () => {
  const held = image(part(NO_LEADER, [], { elr: [2], lastKnownElr: [3] }));
  const first = planControllerWrites(held, { minInsyncReplicas: 2, uncleanLeaderElection: false });
  assert.deepEqual(first.map((t) => t.what), ['elect leaders and shrink ISRs'], 'the mark stays while an ELR holds it');
  const written = JSON.parse(first[0]!.ops[0]!.type === 'put' ? first[0]!.ops[0]!.value : '{}') as PartitionRecord;
  assert.deepEqual(written, part(NO_LEADER, [], { lastKnownElr: [3], partitionEpoch: 10 }), 'out of the ELR, and not elected from it');
  const free = image(part(NO_LEADER, [], { lastKnownElr: [3] }));
  const second = planControllerWrites(free, { minInsyncReplicas: 2, uncleanLeaderElection: false });
  assert.equal(second.length, 1);
  assert.equal(second[0]!.what, "clear broker 2's unclean shutdown");
  assert.deepEqual(second[0]!.compares, [modRevisionIs(keys.broker(2), 13)], 'guarded by the registration as read');
  const op = second[0]!.ops[0]!;
  assert.ok(op.type === 'put');
  assert.equal(op.key, keys.broker(2));
  assert.equal(op.lease, '102', 'under the broker\'s own lease: the broker epoch stays');
  assert.deepEqual(JSON.parse(op.value), broker(2));
});

test('ElectLeaders and AlterPartition keep a broker with an unclean shutdown out of the ELR', () => {
  const empty = image(part(NO_LEADER, [], { elr: [2] }));
  for (const type of [ElectionType.PREFERRED, ElectionType.UNCLEAN]) {
    const [r] = planElections(empty, type, [{ topic: 't', partition: 0 }]);
    if (type === ElectionType.PREFERRED) assert.equal(r!.errorCode, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    else {
      // An unclean election may still pick it, outside the ELR, as with any live replica.
      assert.equal(r!.errorCode, ErrorCode.NONE);
    }
  }
  // Leader 1 shrinks the ISR [1, 2] to [1] (below min ISR 2): 2 would join the ELR, but may not.
  const img = image(part(1, [1, 2]), {});
  const plan = planAlterPartition(img, { brokerId: 1, brokerEpoch: 10, topic: 't', partition: 0, leaderEpoch: 4, partitionEpoch: 9, newIsr: [1] }, 2);
  assert.equal(plan.errorCode, ErrorCode.NONE);
  const op = plan.ops[0]!;
  assert.ok(op.type === 'put');
  assert.deepEqual(JSON.parse(op.value), part(1, [1], { partitionEpoch: 10 }));
});

test('the previous broker epoch: the epoch every log directory\'s clean-shutdown marker agrees on, else -1', () => {
  const root = mkdtempSync(join(tmpdir(), 'millrace-prev-epoch-'));
  try {
    const fs = new NodeFs();
    const a = join(root, 'a');
    const b = join(root, 'b');
    assert.equal(previousBrokerEpoch(fs, [a, b]), -1, 'no directories yet');
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    writeCleanShutdownFile(fs, a, 42);
    assert.equal(previousBrokerEpoch(fs, [a, b]), -1, 'one directory without its marker');
    writeCleanShutdownFile(fs, b, 41);
    assert.equal(previousBrokerEpoch(fs, [a, b]), -1, 'markers that disagree');
    writeCleanShutdownFile(fs, b, 42);
    assert.equal(previousBrokerEpoch(fs, [a, b]), 42);
    writeFileSync(join(b, '.kafka_cleanshutdown'), '{not json');
    assert.equal(previousBrokerEpoch(fs, [a, b]), -1, 'an unreadable marker');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('registration: a previous broker epoch other than the last registration\'s marks an unclean shutdown, which the controller clears', async () => {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const logDir = mkdtempSync(join(tmpdir(), 'millrace-unclean-'));
  // Every write to broker 1's registration, in order.
  const seen: Array<boolean | undefined> = [];
  const watch = await kv.watch(keys.broker(1), 1, {
    events: (events: readonly WatchEvent[]) => {
      for (const e of events) if (e.type === 'put') seen.push((JSON.parse(e.entry.value) as BrokerRecord).uncleanShutdown);
    },
    error: () => {},
  });
  const open = (previousBrokerEpoch: number | undefined) =>
    KvMetadataStore.open({ kv, clock, logDir, self: { nodeId: 1, host: 'localhost', port: 9001, rack: null, ...(previousBrokerEpoch === undefined ? {} : { previousBrokerEpoch }) }, sessionTtlSeconds: 3, random: () => 0 });
  try {
    const first = await open(-1);
    const epoch1 = first.brokerEpoch;
    await settle();
    assert.equal((await kv.get(keys.lastBrokerEpoch(1)))?.value, String(epoch1), 'the epoch kept past the session');
    assert.deepEqual(seen, [undefined], 'never registered before: no ELR to leave');
    await first.close();

    // A clean restart: the markers carry the last registration's epoch.
    const clean = await open(epoch1);
    const epoch2 = clean.brokerEpoch;
    await settle();
    assert.deepEqual(seen, [undefined, undefined]);
    await clean.crash();

    // Killed: no markers (-1), or markers of an older registration.
    for (const previous of [-1, epoch1]) {
      const before: number = seen.length;
      const store = await open(previous);
      await settle();
      for (let i = 0; i < 5 && seen.at(-1) === true; i++) {
        await clock.advance(100);
        await settle();
      }
      assert.equal(seen[before], true, `previous epoch ${previous}: registered as an unclean shutdown`);
      assert.equal(seen.at(-1), undefined, 'the controller cleared the mark (no ELR held the broker)');
      assert.equal(store.brokerEpoch > epoch2, true);
      await store.crash();
    }
  } finally {
    await watch.cancel();
    await kv.close();
    rmSync(logDir, { recursive: true, force: true });
  }
});

test('eligible.leader.replicas.version: a new cluster finalizes 1, an existing one without a stored level reads 0', async () => {
  const elr = (img: MetadataImage) => featureLevel(img.features, ELIGIBLE_LEADER_REPLICAS_VERSION);
  const p = part(1, [1, 2, 3]);
  assert.equal(elr(image(p)), 1, 'created with the bootstrap levels, none stored since');
  assert.equal(elr(image(p, { bootstrap: false })), 0, 'a cluster created before them');
  assert.equal(elr(image(p, { bootstrap: false, features: { 'group.version': 1 } })), 0, 'levels stored by a Millrace without ELR');
  assert.equal(elr(image(p, { features: { [ELIGIBLE_LEADER_REPLICAS_VERSION]: 1 } })), 1);
  assert.equal(featureLevel(image(p, { bootstrap: false }).features, 'group.version'), 1, 'other features keep their defaults');

  // The etcd store: a new cluster writes its bootstrap levels with its id; an existing one has none.
  for (const existing of [false, true]) {
    const clock = new ManualClock();
    const kv = new MemoryKv({ clock });
    const logDir = mkdtempSync(join(tmpdir(), 'millrace-elr-upgrade-'));
    try {
      if (existing) await kv.txn({ compares: [], success: [{ type: 'put', key: keys.clusterId, value: 'AAAAAAAAAAAAAAAAAAAAAA' }] });
      const store = await KvMetadataStore.open({ kv, clock, logDir, self: { nodeId: 1, host: 'localhost', port: 9001, rack: null }, sessionTtlSeconds: 3, random: () => 0 });
      assert.equal(featureLevel(store.finalizedFeatures(), ELIGIBLE_LEADER_REPLICAS_VERSION), existing ? 0 : 1, existing ? 'existing cluster' : 'new cluster');
      await store.close();
    } finally {
      await kv.close();
      rmSync(logDir, { recursive: true, force: true });
    }
  }

  // One broker's store: its metadata file always carries the levels now; one without them is older.
  const dir = mkdtempSync(join(tmpdir(), 'millrace-elr-local-'));
  try {
    const self = { nodeId: 1, host: 'localhost', port: 9001, rack: null };
    const fresh = LocalMetadataStore.open(dir, self);
    assert.equal(featureLevel(fresh.finalizedFeatures(), ELIGIBLE_LEADER_REPLICAS_VERSION), 1);
    await fresh.createTopic('t', 1, 1, {});
    await fresh.close();
    assert.equal(featureLevel(LocalMetadataStore.open(dir, self).finalizedFeatures(), ELIGIBLE_LEADER_REPLICAS_VERSION), 1, 'a new store keeps 1 across restarts');
    writeFileSync(join(dir, 'millrace-metadata.json'), JSON.stringify({ topics: [] }));
    assert.equal(featureLevel(LocalMetadataStore.open(dir, self).finalizedFeatures(), ELIGIBLE_LEADER_REPLICAS_VERSION), 0, 'a store saved before');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
