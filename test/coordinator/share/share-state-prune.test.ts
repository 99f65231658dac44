// Pruning __share_group_state (Kafka's ShareCoordinatorService prune job): after many writes
// the partition's log start offset moves up to the oldest snapshot a share-partition still
// needs, the state read back from the pruned log by a new coordinator is the same, an
// uncommitted snapshot does not let pruning pass the committed one, a cold share-partition
// gets a fresh snapshot so that it no longer holds the others' records back, and a deleted one
// holds nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ManualClock } from '../../../src/storage/clock.js';
import { RecordState, type PersistedShareState } from '../../../src/coordinator/share/record-state.js';
import { defaultShareCoordinatorConfig } from '../../../src/coordinator/share/share-config.js';
import { SHARE_GROUP_STATE_TOPIC } from '../../../src/coordinator/share/share-state-records.js';
import { ShareStateTopic } from '../../../src/coordinator/share/share-state-topic.js';
import { DiskHost } from './share-state-host.js';

const HOT = { groupId: 'queue', topicId: 'a'.repeat(32), partition: 0 };
const COLD = { groupId: 'queue', topicId: 'b'.repeat(32), partition: 0 };
// One partition, so that both share-partitions' records share a log; a snapshot every third write.
const config = defaultShareCoordinatorConfig({ stateTopicNumPartitions: 1, snapshotUpdateRecordsPerSnapshot: 2, coldPartitionSnapshotIntervalMs: 60_000 });

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-share-prune-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The state after acknowledging up to `startOffset`: the next ten records in flight, one of them archived. */
const state = (startOffset: number): PersistedShareState => ({
  stateEpoch: 0, startOffset, deliveryCompleteCount: 1,
  batches: [
    { firstOffset: startOffset, lastOffset: startOffset + 4, deliveryState: RecordState.Acquired, deliveryCount: 1 },
    { firstOffset: startOffset + 5, lastOffset: startOffset + 5, deliveryState: RecordState.Archived, deliveryCount: 2 },
  ],
});

test('pruning moves the log start offset up to the needed snapshot; the state reads back the same', async () => {
  await withDir(async (dir) => {
    const clock = new ManualClock(1_000);
    const host = new DiskHost(dir);
    const p = new ShareStateTopic(host, config, clock);
    for (let i = 0; i < 40; i++) assert.equal(await p.write(HOT, 1, state(i * 10)), ErrorCode.NONE);
    const log = host.getLog(SHARE_GROUP_STATE_TOPIC, 0)!;
    assert.equal(log.logEndOffset, 40);
    assert.equal(p.prune(), 1);
    // Writes 0, 3, 6, ... 39 were snapshots: the last at 39 is all the state needs.
    assert.equal(log.logStartOffset, 39);
    assert.equal(p.prune(), 0, 'nothing more to prune');
    const expected = await p.read(HOT, 1);
    assert.equal(expected.state!.startOffset, 390);
    await host.close();
    const again = new ShareStateTopic(host, config, clock);
    assert.deepEqual(await again.read(HOT, 1), expected);
    // Writes go on from the pruned log: updates on the loaded snapshot, then the next snapshot.
    for (let i = 40; i < 45; i++) assert.equal(await again.write(HOT, 1, state(i * 10)), ErrorCode.NONE);
    assert.equal(again.prune(), 1);
    assert.equal(host.getLog(SHARE_GROUP_STATE_TOPIC, 0)!.logStartOffset, 42);
    const later = await again.read(HOT, 1);
    await host.close();
    assert.deepEqual(await new ShareStateTopic(host, config, clock).read(HOT, 1), later);
    assert.equal(later.state!.startOffset, 440);
    await host.close();
  });
});

test('a snapshot not yet committed does not let pruning pass the committed one', async () => {
  await withDir(async (dir) => {
    const host = new DiskHost(dir);
    const p = new ShareStateTopic(host, config, new ManualClock(1));
    for (let i = 0; i < 4; i++) await p.write(HOT, 1, state(i));
    // Snapshots at 0 and 3; the next one (at 6) is appended while the ISR lags (this host answers once on disk).
    host.holdHighWatermark = true;
    for (let i = 4; i < 7; i++) await p.write(HOT, 1, state(i));
    const log = host.getLog(SHARE_GROUP_STATE_TOPIC, 0)!;
    assert.equal(log.logEndOffset, 7);
    assert.equal(log.highWatermark, 4);
    assert.equal(p.prune(), 1);
    assert.equal(log.logStartOffset, 3);
    log.maybeIncrementHighWatermark(log.logEndOffset);
    assert.equal(p.prune(), 1);
    assert.equal(log.logStartOffset, 6);
    await host.close();
  });
});

test('a cold share-partition gets a fresh snapshot and stops holding pruning back; a deleted one holds nothing', async () => {
  await withDir(async (dir) => {
    const clock = new ManualClock(1_000);
    const host = new DiskHost(dir);
    const p = new ShareStateTopic(host, config, clock);
    assert.equal(await p.write(COLD, 1, state(500)), ErrorCode.NONE);
    assert.equal(await p.snapshotColdPartitions(), 0, 'the first run marks where the log stands');
    for (let i = 0; i < 12; i++) assert.equal(await p.write(HOT, 1, state(i)), ErrorCode.NONE);
    const log = host.getLog(SHARE_GROUP_STATE_TOPIC, 0)!;
    p.prune();
    assert.equal(log.logStartOffset, 0, 'the cold share-partition\'s only snapshot is the first record');
    clock.advance(60_000);
    assert.equal(await p.snapshotColdPartitions(), 1);
    assert.equal(await p.snapshotColdPartitions(), 0, 'nothing written since: nothing to refresh');
    p.prune();
    // HOT's last snapshot is at 10 (writes at 1, 4, 7, 10), COLD's fresh one at 13.
    assert.equal(log.logStartOffset, 10);
    const hot = await p.read(HOT, 1);
    const cold = await p.read(COLD, 1);
    assert.equal(cold.state!.startOffset, 500);
    await host.close();
    const again = new ShareStateTopic(host, config, clock);
    assert.deepEqual(await again.read(HOT, 1), hot);
    assert.deepEqual(await again.read(COLD, 1), cold);
    // Deleted, HOT holds nothing back: only COLD's snapshot is needed.
    assert.equal(await again.delete(HOT), ErrorCode.NONE);
    again.prune();
    assert.equal(host.getLog(SHARE_GROUP_STATE_TOPIC, 0)!.logStartOffset, 13);
    await host.close();
    const third = new ShareStateTopic(host, config, clock);
    assert.deepEqual(await third.read(COLD, 1), cold);
    assert.equal((await third.read(HOT, 1)).state, null);
    await host.close();
  });
});
