// The share-group state persister on __share_group_state partition logs: created on first use
// as Kafka creates it, written in Kafka's record formats, read back after a restart (state
// survives the process), reloaded when the partition's leader epoch changes, NOT_COORDINATOR
// for partitions led elsewhere, and a failed append answered with the coordinator's error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import * as ShareSnapshotKey from '../../../src/protocol/generated/internal/share-snapshot-key.js';
import { decodeBatchSync } from '../../../src/protocol/records/decode.js';
import { ManualClock } from '../../../src/storage/clock.js';
import { RecordState } from '../../../src/coordinator/share/record-state.js';
import { defaultShareCoordinatorConfig } from '../../../src/coordinator/share/share-config.js';
import { SHARE_GROUP_STATE_TOPIC } from '../../../src/coordinator/share/share-state-records.js';
import { ShareStateTopic } from '../../../src/coordinator/share/share-state-topic.js';
import { DiskHost } from './share-state-host.js';

const KEY = { groupId: 'queue', topicId: 'f'.repeat(32), partition: 0 };

const config = defaultShareCoordinatorConfig({ stateTopicNumPartitions: 3, snapshotUpdateRecordsPerSnapshot: 2 });

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-share-state-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const state = (startOffset: number, batches: Array<[number, number, RecordState, number]>) => ({
  stateEpoch: 0, startOffset, deliveryCompleteCount: 0,
  batches: batches.map(([firstOffset, lastOffset, deliveryState, deliveryCount]) => ({ firstOffset, lastOffset, deliveryState, deliveryCount })),
});

test('state written to __share_group_state is read back by a new coordinator on the same logs', async () => {
  await withDir(async (dir) => {
    const clock = new ManualClock(7_000_000);
    const host = new DiskHost(dir);
    const first = new ShareStateTopic(host, config, clock);
    assert.deepEqual(await first.read(KEY, 3), { errorCode: ErrorCode.NONE, state: null });
    assert.equal(host.partitions, 3);
    assert.deepEqual(host.configs, { 'cleanup.policy': 'delete', 'compression.type': 'producer', 'min.insync.replicas': '1', 'segment.bytes': '104857600', 'retention.ms': '-1' });
    assert.equal(await first.initialize(KEY, 1, 100), ErrorCode.NONE);
    // The state epoch the initialization set fences writes of the older one.
    assert.equal(await first.write(KEY, 3, state(100, [[100, 109, RecordState.Available, 1]])), ErrorCode.FENCED_STATE_EPOCH);
    assert.equal(await first.write(KEY, 3, { ...state(100, [[100, 109, RecordState.Available, 1]]), stateEpoch: 1 }), ErrorCode.NONE);
    assert.equal(await first.write(KEY, 3, { ...state(103, [[103, 104, RecordState.Archived, 2]]), stateEpoch: 1 }), ErrorCode.NONE);
    // Three more writes: updates, then a new snapshot (two updates per snapshot).
    for (const so of [104, 105, 106]) assert.equal(await first.write(KEY, 3, { ...state(so, []), stateEpoch: 1 }), ErrorCode.NONE);

    // On disk: Kafka's key format, type 0 = ShareSnapshot first.
    const partition = first.partitionFor(KEY);
    const log = host.getLog(SHARE_GROUP_STATE_TOPIC, partition)!;
    const records = log.read(0, 1 << 20).records;
    const batch = decodeBatchSync(records, 0, records.readInt32BE(8) + 12);
    const key = batch.records[0]!.key!;
    assert.equal(key.readInt16BE(0), 0);
    assert.equal(ShareSnapshotKey.decode(key, 2, 0).groupId, 'queue');

    const expected = { errorCode: ErrorCode.NONE, state: { stateEpoch: 1, startOffset: 106, deliveryCompleteCount: 0, batches: [{ firstOffset: 106, lastOffset: 109, deliveryState: RecordState.Available, deliveryCount: 1 }] } };
    assert.deepEqual(await first.read(KEY, 3), expected);
    await host.close();
    // A restarted broker: a new persister on the reopened logs.
    const second = new ShareStateTopic(host, config, clock);
    assert.deepEqual(await second.read(KEY, 3), expected);
    assert.equal(await second.delete(KEY), ErrorCode.NONE);
    await host.close();
    assert.deepEqual(await new ShareStateTopic(host, config, clock).read(KEY, 3), { errorCode: ErrorCode.NONE, state: null });
    await host.close();
  });
});

test('a leader epoch change reloads the partition; another leader\'s writes are seen and older leaders fenced', async () => {
  await withDir(async (dir) => {
    const clock = new ManualClock(1);
    const host = new DiskHost(dir);
    const a = new ShareStateTopic(host, config, clock);
    assert.equal(await a.write(KEY, 3, state(0, [[0, 4, RecordState.Available, 1]])), ErrorCode.NONE);
    // Another broker led the partition at epoch 4 and wrote; this one leads again at epoch 5.
    host.leaderEpoch = 4;
    const b = new ShareStateTopic(host, config, clock);
    assert.equal(await b.write(KEY, 4, state(3, [])), ErrorCode.NONE);
    host.leaderEpoch = 5;
    assert.equal((await a.read(KEY, 4)).state!.startOffset, 3);
    assert.equal(await a.write(KEY, 3, state(4, [])), ErrorCode.FENCED_LEADER_EPOCH);
    await host.close();
  });
});

test('a partition led elsewhere answers NOT_COORDINATOR; a refused append answers its coordinator error and reloads', async () => {
  await withDir(async (dir) => {
    const clock = new ManualClock(1);
    const host = new DiskHost(dir);
    const p = new ShareStateTopic(host, config, clock);
    assert.equal(await p.write(KEY, 1, state(0, [[0, 1, RecordState.Available, 1]])), ErrorCode.NONE);
    host.failNextAppend = ErrorCode.NOT_ENOUGH_REPLICAS;
    assert.equal(await p.write(KEY, 1, state(2, [])), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    // Reloaded from the log: the refused write never happened.
    assert.equal((await p.read(KEY, 1)).state!.startOffset, 0);
    host.leader = 2;
    assert.equal(await p.write(KEY, 1, state(2, [])), ErrorCode.NOT_COORDINATOR);
    assert.equal((await p.read(KEY, 1)).errorCode, ErrorCode.NOT_COORDINATOR);
    await host.close();
  });
});
