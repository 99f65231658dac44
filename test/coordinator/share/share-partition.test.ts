// SharePartition (KIP-932): acquisition of available records under locks, delivery counts and
// the delivery-count limit, acknowledgements (accept, release, reject, gap, renew), lock
// expiry, the share-partition start offset moving past finished records, the in-flight limit,
// both acquire modes and the persisted form of the state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { AcknowledgeType, RecordState, ShareAcquireMode } from '../../../src/coordinator/share/record-state.js';
import { DeadLetterReason, SharePartition, type LogBatchRange, type SharePartitionConfig } from '../../../src/coordinator/share/share-partition.js';

const LOCK = 30_000;
const T0 = 1_000_000;

function config(over: Partial<SharePartitionConfig> = {}): SharePartitionConfig {
  return { recordLockDurationMs: LOCK, deliveryCountLimit: 5, maxInFlightRecords: 2000, renewAcknowledgeEnabled: true, deadLetterQueue: false, ...over };
}

/** A share-partition starting at `start` with nothing in flight. */
function partition(start = 0, over: Partial<SharePartitionConfig> = {}): SharePartition {
  const sp = new SharePartition('g', 'a'.repeat(32), 0, config(over));
  sp.load({ stateEpoch: 0, startOffset: start, deliveryCompleteCount: 0, batches: [] });
  return sp;
}

/** Log batches of `size` records each from `from`, `n` of them. */
function batches(from: number, size: number, n: number): LogBatchRange[] {
  const out: LogBatchRange[] = [];
  for (let k = 0; k < n; k++) out.push({ baseOffset: from + k * size, lastOffset: from + (k + 1) * size - 1, skip: false });
  return out;
}

const accept = (first: number, last: number) => ({ firstOffset: first, lastOffset: last, acknowledgeTypes: [AcknowledgeType.Accept] });

test('members acquire disjoint records; the acquired are locked to their member', () => {
  const sp = partition();
  const a = sp.acquire('m1', 0, batches(0, 5, 4), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  assert.deepEqual(a, [{ firstOffset: 0, lastOffset: 9, deliveryCount: 1 }]);
  assert.equal(sp.nextFetchOffset(), 10);
  const b = sp.acquire('m2', sp.nextFetchOffset(), batches(10, 5, 2), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  assert.deepEqual(b, [{ firstOffset: 10, lastOffset: 19, deliveryCount: 1 }]);
  assert.equal(sp.ownerOf(3), 'm1');
  assert.equal(sp.ownerOf(13), 'm2');
  // Nothing available in flight: another member finds nothing in what was already acquired.
  assert.deepEqual(sp.acquire('m3', 0, batches(0, 5, 4), 10, 10, ShareAcquireMode.BatchOptimized, T0), []);
  // A member cannot acknowledge another's records.
  assert.equal(sp.acknowledge('m2', [accept(0, 9)], T0), ErrorCode.INVALID_RECORD_STATE);
  assert.equal(sp.acknowledge('m1', [accept(0, 9)], T0), ErrorCode.NONE);
  assert.equal(sp.startOffset, 10);
  assert.equal(sp.inFlightCount, 10);
});

test('batch-optimized mode finishes the log batch that reaches max records; record-limit mode stops at it', () => {
  const loose = partition();
  assert.deepEqual(loose.acquire('m', 0, batches(0, 5, 3), 6, 2, ShareAcquireMode.BatchOptimized, T0), [
    { firstOffset: 0, lastOffset: 4, deliveryCount: 1 },
    { firstOffset: 5, lastOffset: 9, deliveryCount: 1 },
  ]);
  assert.equal(loose.endOffset, 10);
  const strict = partition();
  assert.deepEqual(strict.acquire('m', 0, batches(0, 5, 3), 6, 2, ShareAcquireMode.RecordLimit, T0), [{ firstOffset: 0, lastOffset: 5, deliveryCount: 1 }]);
  assert.equal(strict.endOffset, 6);
  // The rest of the split batch is acquired by the next fetch.
  assert.deepEqual(strict.acquire('m2', strict.nextFetchOffset(), [{ baseOffset: 5, lastOffset: 9, skip: false }], 100, 100, ShareAcquireMode.RecordLimit, T0), [
    { firstOffset: 6, lastOffset: 9, deliveryCount: 1 },
  ]);
});

test('release makes records available again with a higher delivery count; the limit archives them', () => {
  const sp = partition(0, { deliveryCountLimit: 3 });
  for (let delivery = 1; delivery <= 3; delivery++) {
    const got = sp.acquire('m', sp.nextFetchOffset(), batches(0, 4, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
    assert.deepEqual(got, [{ firstOffset: 0, lastOffset: 3, deliveryCount: delivery }]);
    assert.equal(sp.acknowledge('m', [{ firstOffset: 0, lastOffset: 3, acknowledgeTypes: [AcknowledgeType.Release] }], T0), ErrorCode.NONE);
  }
  // The third release reached the limit: archived, and the start offset moved past them.
  assert.equal(sp.stateOf(0), RecordState.Archived);
  assert.equal(sp.startOffset, 4);
  assert.deepEqual(sp.acquire('m', 0, batches(0, 4, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0), []);
});

test('rejected records are archived and never delivered again; per-offset types mix', () => {
  const sp = partition();
  sp.acquire('m', 0, batches(0, 4, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  const types = [AcknowledgeType.Accept, AcknowledgeType.Reject, AcknowledgeType.Release, AcknowledgeType.Gap];
  assert.equal(sp.acknowledge('m', [{ firstOffset: 0, lastOffset: 3, acknowledgeTypes: types }], T0), ErrorCode.NONE);
  assert.equal(sp.startOffset, 2);
  assert.equal(sp.stateOf(1), RecordState.Archived);
  assert.equal(sp.stateOf(2), RecordState.Available);
  assert.equal(sp.stateOf(3), RecordState.Archived);
  // Only the released offset comes back.
  assert.deepEqual(sp.acquire('m2', sp.nextFetchOffset(), batches(0, 4, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0), [{ firstOffset: 2, lastOffset: 2, deliveryCount: 2 }]);
});

test('an expired lock returns the records to available; the late acknowledgement fails', () => {
  const sp = partition();
  sp.acquire('m1', 0, batches(0, 5, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  assert.equal(sp.nextLockDeadline(), T0 + LOCK);
  assert.equal(sp.expireLocks(T0 + LOCK - 1), 0);
  assert.equal(sp.expireLocks(T0 + LOCK), 5);
  assert.equal(sp.nextLockDeadline(), Number.POSITIVE_INFINITY);
  assert.equal(sp.acknowledge('m1', [accept(0, 4)], T0 + LOCK), ErrorCode.INVALID_RECORD_STATE);
  assert.deepEqual(sp.acquire('m2', sp.nextFetchOffset(), batches(0, 5, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0 + LOCK), [{ firstOffset: 0, lastOffset: 4, deliveryCount: 2 }]);
});

test('renew restarts the lock and keeps the records acquired; it is refused when disabled', () => {
  const sp = partition();
  sp.acquire('m', 0, batches(0, 2, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  const renew = { firstOffset: 0, lastOffset: 1, acknowledgeTypes: [AcknowledgeType.Renew] };
  assert.equal(sp.acknowledge('m', [renew], T0 + 20_000), ErrorCode.NONE);
  assert.equal(sp.expireLocks(T0 + LOCK), 0);
  assert.equal(sp.stateOf(0), RecordState.Acquired);
  assert.equal(sp.expireLocks(T0 + 20_000 + LOCK), 2);
  const off = partition(0, { renewAcknowledgeEnabled: false });
  off.acquire('m', 0, batches(0, 2, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  assert.equal(off.acknowledge('m', [renew], T0), ErrorCode.INVALID_REQUEST);
});

test('malformed acknowledgements are refused whole and change nothing', () => {
  const sp = partition();
  sp.acquire('m', 0, batches(0, 10, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  assert.equal(sp.acknowledge('m', [{ firstOffset: 3, lastOffset: 2, acknowledgeTypes: [1] }], T0), ErrorCode.INVALID_REQUEST);
  assert.equal(sp.acknowledge('m', [accept(0, 4), accept(4, 6)], T0), ErrorCode.INVALID_REQUEST);
  assert.equal(sp.acknowledge('m', [{ firstOffset: 0, lastOffset: 2, acknowledgeTypes: [1, 1] }], T0), ErrorCode.INVALID_REQUEST);
  assert.equal(sp.acknowledge('m', [{ firstOffset: 0, lastOffset: 0, acknowledgeTypes: [9] }], T0), ErrorCode.INVALID_REQUEST);
  // The second range is not acquired: the first one is not applied either.
  assert.equal(sp.acknowledge('m', [accept(0, 4), accept(8, 12)], T0), ErrorCode.INVALID_RECORD_STATE);
  assert.equal(sp.startOffset, 0);
  assert.equal(sp.stateOf(0), RecordState.Acquired);
});

test('the in-flight limit stops new acquisitions until the start offset moves', () => {
  const sp = partition(0, { maxInFlightRecords: 10 });
  assert.equal(sp.acquire('m1', 0, batches(0, 5, 4), 100, 100, ShareAcquireMode.BatchOptimized, T0).length, 1);
  assert.equal(sp.endOffset, 10);
  assert.equal(sp.canAcquire(), false);
  assert.deepEqual(sp.acquire('m2', sp.nextFetchOffset(), batches(10, 5, 2), 100, 100, ShareAcquireMode.BatchOptimized, T0), []);
  assert.equal(sp.acknowledge('m1', [accept(0, 4)], T0), ErrorCode.NONE);
  assert.equal(sp.canAcquire(), true);
  assert.deepEqual(sp.acquire('m2', sp.nextFetchOffset(), batches(10, 5, 2), 100, 100, ShareAcquireMode.BatchOptimized, T0), [{ firstOffset: 10, lastOffset: 14, deliveryCount: 1 }]);
});

test('acquired runs are cut at log batch boundaries every batch size records', () => {
  const sp = partition();
  const got = sp.acquire('m', 0, batches(0, 3, 4), 100, 5, ShareAcquireMode.BatchOptimized, T0);
  assert.deepEqual(got, [{ firstOffset: 0, lastOffset: 5, deliveryCount: 1 }, { firstOffset: 6, lastOffset: 11, deliveryCount: 1 }]);
});

test('offsets missing from the log and skipped batches are archived, never acquired', () => {
  const sp = partition();
  const read: LogBatchRange[] = [
    { baseOffset: 2, lastOffset: 4, skip: false },
    { baseOffset: 5, lastOffset: 5, skip: true },
    { baseOffset: 8, lastOffset: 9, skip: false },
  ];
  assert.deepEqual(sp.acquire('m', 0, read, 100, 100, ShareAcquireMode.BatchOptimized, T0), [
    { firstOffset: 2, lastOffset: 4, deliveryCount: 1 },
    { firstOffset: 8, lastOffset: 9, deliveryCount: 1 },
  ]);
  assert.equal(sp.startOffset, 2);
  for (const o of [5, 6, 7]) assert.equal(sp.stateOf(o), RecordState.Archived);
  assert.equal(sp.acknowledge('m', [accept(2, 4)], T0), ErrorCode.NONE);
  assert.equal(sp.startOffset, 8);
});

test('a member leaving releases what it holds', () => {
  const sp = partition();
  sp.acquire('m1', 0, batches(0, 5, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  sp.acquire('m2', 5, batches(5, 5, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  assert.equal(sp.releaseMember('m1'), 5);
  assert.equal(sp.stateOf(0), RecordState.Available);
  assert.equal(sp.stateOf(5), RecordState.Acquired);
  assert.equal(sp.nextFetchOffset(), 0);
});

test('the log start offset moving up archives what it passes', () => {
  const sp = partition();
  sp.acquire('m', 0, batches(0, 10, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  sp.updateLogStartOffset(4);
  assert.equal(sp.startOffset, 4);
  sp.updateLogStartOffset(50);
  assert.equal(sp.startOffset, 50);
  assert.equal(sp.inFlightCount, 0);
});

test('persisted state round-trips: acquired records come back available with their count', () => {
  const sp = partition(100);
  sp.acquire('m', 100, batches(100, 10, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  sp.acknowledge('m', [
    { firstOffset: 100, lastOffset: 101, acknowledgeTypes: [AcknowledgeType.Accept] },
    { firstOffset: 103, lastOffset: 104, acknowledgeTypes: [AcknowledgeType.Reject] },
    { firstOffset: 105, lastOffset: 105, acknowledgeTypes: [AcknowledgeType.Release] },
  ], T0);
  const state = sp.persistedState();
  assert.equal(state.startOffset, 102);
  assert.equal(state.deliveryCompleteCount, 2);
  assert.deepEqual(state.batches, [
    { firstOffset: 102, lastOffset: 102, deliveryState: RecordState.Available, deliveryCount: 1 },
    { firstOffset: 103, lastOffset: 104, deliveryState: RecordState.Archived, deliveryCount: 1 },
    { firstOffset: 105, lastOffset: 109, deliveryState: RecordState.Available, deliveryCount: 1 },
  ]);
  const back = new SharePartition('g', 'a'.repeat(32), 0, config());
  back.load(state);
  assert.equal(back.startOffset, 102);
  assert.equal(back.nextFetchOffset(), 102);
  assert.deepEqual(back.acquire('m2', 102, batches(100, 10, 1), 100, 100, ShareAcquireMode.BatchOptimized, T0), [
    { firstOffset: 102, lastOffset: 102, deliveryCount: 2 },
    { firstOffset: 105, lastOffset: 109, deliveryCount: 2 },
  ]);
});

test('the window grows and compacts over many acquisitions without losing state', () => {
  const sp = partition(0, { maxInFlightRecords: 300 });
  let next = 0;
  for (let round = 0; round < 50; round++) {
    const got = sp.acquire('m', sp.nextFetchOffset(), batches(next, 50, 2), 100, 100, ShareAcquireMode.BatchOptimized, T0);
    assert.deepEqual(got, [{ firstOffset: next, lastOffset: next + 99, deliveryCount: 1 }]);
    assert.equal(sp.acknowledge('m', [accept(next, next + 99)], T0), ErrorCode.NONE);
    next += 100;
    assert.equal(sp.startOffset, next);
  }
});

test('with a DLQ, a reject and an exhausted release go ARCHIVING, then ARCHIVED once written (KIP-1191)', () => {
  const sp = partition(0, { deadLetterQueue: true, deliveryCountLimit: 2 });
  sp.acquire('m1', 0, batches(0, 4, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  const reject = { firstOffset: 0, lastOffset: 1, acknowledgeTypes: [AcknowledgeType.Reject] };
  const release = { firstOffset: 2, lastOffset: 3, acknowledgeTypes: [AcknowledgeType.Release] };
  assert.equal(sp.acknowledge('m1', [reject, release], T0), ErrorCode.NONE);
  assert.equal(sp.stateOf(0), RecordState.Archiving);
  assert.equal(sp.stateOf(2), RecordState.Available);
  // ARCHIVING is neither deliverable nor done: the start offset waits for it.
  assert.equal(sp.startOffset, 0);
  assert.equal(sp.nextFetchOffset(), 2);
  assert.deepEqual(sp.takeDeadLetters(), [{ firstOffset: 0, lastOffset: 1, deliveryCount: 1, reason: DeadLetterReason.Rejected }]);
  assert.deepEqual(sp.takeDeadLetters(), [], 'each run is handed out once');
  // Offsets 2-3 come back a second time and run out of deliveries (limit 2) when released again.
  sp.acquire('m1', 2, batches(2, 2, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  assert.equal(sp.releaseMember('m1'), 2);
  assert.equal(sp.stateOf(3), RecordState.Archiving);
  assert.deepEqual(sp.takeDeadLetters(), [{ firstOffset: 2, lastOffset: 3, deliveryCount: 2, reason: DeadLetterReason.DeliveryCountExceeded }]);
  assert.deepEqual(sp.persisterBatches(), [{ firstOffset: 0, lastOffset: 1, deliveryState: RecordState.Archiving, deliveryCount: 1 }, { firstOffset: 2, lastOffset: 3, deliveryState: RecordState.Archiving, deliveryCount: 2 }]);
  assert.equal(sp.deadLettered(0, 1), true);
  assert.equal(sp.startOffset, 2);
  assert.equal(sp.deadLettered(0, 1), false, 'already archived');
  assert.equal(sp.deadLettered(2, 3), true);
  assert.equal(sp.startOffset, 4);
});

test('a lock that expires on the last delivery dead-letters; without a DLQ it archives at once', () => {
  const sp = partition(0, { deadLetterQueue: true, deliveryCountLimit: 1 });
  sp.acquire('m1', 0, batches(0, 3, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  assert.equal(sp.expireLocks(T0 + LOCK), 3);
  assert.deepEqual(sp.takeDeadLetters(), [{ firstOffset: 0, lastOffset: 2, deliveryCount: 1, reason: DeadLetterReason.DeliveryCountExceeded }]);
  const plain = partition(0, { deliveryCountLimit: 1 });
  plain.acquire('m1', 0, batches(0, 3, 1), 10, 10, ShareAcquireMode.BatchOptimized, T0);
  plain.acknowledge('m1', [{ firstOffset: 0, lastOffset: 0, acknowledgeTypes: [AcknowledgeType.Reject] }], T0);
  assert.equal(plain.expireLocks(T0 + LOCK), 2);
  assert.deepEqual(plain.takeDeadLetters(), []);
  assert.equal(plain.startOffset, 3);
});

test('records loaded ARCHIVING go to the DLQ again, the reason told by the delivery count', () => {
  const sp = new SharePartition('g', 'a'.repeat(32), 0, config({ deadLetterQueue: true, deliveryCountLimit: 3 }));
  sp.load({
    stateEpoch: 0, startOffset: 10, deliveryCompleteCount: 0,
    batches: [
      { firstOffset: 10, lastOffset: 11, deliveryState: RecordState.Archiving, deliveryCount: 1 },
      { firstOffset: 12, lastOffset: 12, deliveryState: RecordState.Acknowledged, deliveryCount: 1 },
      { firstOffset: 13, lastOffset: 14, deliveryState: RecordState.Archiving, deliveryCount: 3 },
    ],
  });
  assert.deepEqual(sp.takeDeadLetters(), [
    { firstOffset: 10, lastOffset: 11, deliveryCount: 1, reason: DeadLetterReason.Rejected },
    { firstOffset: 13, lastOffset: 14, deliveryCount: 3, reason: DeadLetterReason.DeliveryCountExceeded },
  ]);
  sp.deadLettered(10, 11);
  sp.deadLettered(13, 14);
  assert.equal(sp.startOffset, 15);
});
