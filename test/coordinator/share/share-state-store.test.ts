// The share coordinator's store (Kafka's ShareCoordinatorShard with its
// PersisterStateBatchCombiner): writes become a ShareSnapshot first and every N updates,
// ShareUpdates otherwise; replaying them merges newer batches over older ones and drops what
// lies before the start offset; stale leader and state epochs are fenced; the records
// round-trip through Kafka's formats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { RecordState, type PersisterStateBatch } from '../../../src/coordinator/share/record-state.js';
import {
  coordinatorKey, decodeShareStateRecord, encodeShareStateRecord, ShareRecordType, type ShareStateRecord,
} from '../../../src/coordinator/share/share-state-records.js';
import { combineBatches, ShareStateStore } from '../../../src/coordinator/share/share-state-store.js';

const KEY = { groupId: 'g', topicId: '0123456789abcdef0123456789abcdef', partition: 3 };
const b = (firstOffset: number, lastOffset: number, deliveryState: RecordState, deliveryCount: number): PersisterStateBatch => ({ firstOffset, lastOffset, deliveryState, deliveryCount });

/** Writes through the store and replays what it wrote, as the persister does. */
function write(store: ShareStateStore, leaderEpoch: number, startOffset: number, batches: PersisterStateBatch[], stateEpoch = 0): ShareStateRecord[] {
  const w = store.write(KEY, leaderEpoch, { stateEpoch, startOffset, deliveryCompleteCount: -1, batches }, 1000);
  assert.equal(w.errorCode, ErrorCode.NONE);
  // Through the wire format, as a reload would see them.
  const back = w.records.map((r) => {
    const input = encodeShareStateRecord(r);
    return decodeShareStateRecord(Buffer.from(input.key!), input.value === null || input.value === undefined ? null : Buffer.from(input.value))!;
  });
  for (const r of back) store.replay(r);
  return back;
}

test('newer batches override older ones where they overlap; the start offset prunes', () => {
  const older = [b(10, 19, RecordState.Available, 1), b(20, 29, RecordState.Acknowledged, 1)];
  const newer = [b(15, 22, RecordState.Archived, 2)];
  assert.deepEqual(combineBatches(older, newer, 12), [
    b(12, 14, RecordState.Available, 1),
    b(15, 22, RecordState.Archived, 2),
    b(23, 29, RecordState.Acknowledged, 1),
  ]);
  // Joined when equal neighbours meet.
  assert.deepEqual(combineBatches([b(0, 4, RecordState.Available, 1)], [b(5, 9, RecordState.Available, 1)], 0), [b(0, 9, RecordState.Available, 1)]);
});

test('the first write is a snapshot, then updates until the snapshot interval, then a new snapshot', () => {
  const store = new ShareStateStore(2);
  assert.equal(write(store, 1, 0, [b(0, 9, RecordState.Available, 1)])[0]!.type, ShareRecordType.Snapshot);
  assert.equal(write(store, 1, 5, [b(5, 6, RecordState.Acknowledged, 1)])[0]!.type, ShareRecordType.Update);
  assert.equal(write(store, 1, -1, [b(8, 8, RecordState.Archived, 1)])[0]!.type, ShareRecordType.Update);
  const snap = write(store, 1, 7, [])[0]!;
  assert.equal(snap.type, ShareRecordType.Snapshot);
  assert.equal(snap.value!.snapshotEpoch, 1);
  assert.deepEqual(store.read(KEY, 1).state, {
    stateEpoch: 0, startOffset: 7, deliveryCompleteCount: -1,
    batches: [b(7, 7, RecordState.Available, 1), b(8, 8, RecordState.Archived, 1), b(9, 9, RecordState.Available, 1)],
  });
});

test('an older leader epoch or state epoch is fenced; reads by an older leader too', () => {
  const store = new ShareStateStore(500);
  write(store, 5, 0, [], 2);
  assert.equal(store.write(KEY, 4, { stateEpoch: 2, startOffset: 1, deliveryCompleteCount: 0, batches: [] }, 0).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
  assert.equal(store.write(KEY, 5, { stateEpoch: 1, startOffset: 1, deliveryCompleteCount: 0, batches: [] }, 0).errorCode, ErrorCode.FENCED_STATE_EPOCH);
  assert.equal(store.read(KEY, 4).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
  assert.equal(store.read(KEY, 6).errorCode, ErrorCode.NONE);
  assert.equal(store.initialize(KEY, 1, 0, 0).errorCode, ErrorCode.FENCED_STATE_EPOCH);
});

test('initialize resets the state; delete tombstones both keys; stray updates are dropped', () => {
  const store = new ShareStateStore(500);
  write(store, 1, 0, [b(0, 3, RecordState.Available, 2)]);
  const init = store.initialize(KEY, 1, 100, 0);
  for (const r of init.records) store.replay(r);
  assert.deepEqual(store.read(KEY, 1).state, { stateEpoch: 1, startOffset: 100, deliveryCompleteCount: 0, batches: [] });
  // An update of the replaced snapshot epoch changes nothing.
  store.replay({ type: ShareRecordType.Update, key: KEY, value: { snapshotEpoch: 0, leaderEpoch: 1, startOffset: 5, deliveryCompleteCount: 0, batches: [] } });
  assert.equal(store.read(KEY, 1).state!.startOffset, 100);
  const del = store.delete(KEY);
  assert.deepEqual(del.records.map((r) => [r.type, r.value]), [[ShareRecordType.Snapshot, null], [ShareRecordType.Update, null]]);
  for (const r of del.records) store.replay(r);
  assert.equal(store.read(KEY, 1).state, null);
  assert.equal(store.size, 0);
});

test('the coordinator key is Kafka\'s: group, topic id as a Uuid string, partition', () => {
  // Uuid 0123456789abcdef0123456789abcdef prints as URL-safe base64 without padding.
  assert.equal(coordinatorKey(KEY), 'g:ASNFZ4mrze8BI0VniavN7w:3');
});
