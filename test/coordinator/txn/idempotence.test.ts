import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkProducerBatch,
  decrementSequence,
  firstOffsetOf,
  firstSequenceOf,
  incrementSequence,
  inSequence,
  INT32_MAX,
  ProducerCheck,
  ProducerCheckResult,
} from '../../../src/storage/producer-check.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { NodeFs } from '../../../src/storage/fs/storage-fs.js';
import { silentLogger } from '../../../src/storage/logger.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import {
  isProducerExpired,
  NUM_BATCHES_TO_RETAIN,
  ProducerStateManager,
  recentBatches,
  removeExpiredProducers,
  type ProducerStateEntry,
} from '../../../src/storage/producer-state.js';

function entry(epoch: number, batches: Array<[firstSeq: number, lastSeq: number, firstOffset: number]>, extra: Partial<ProducerStateEntry> = {}): ProducerStateEntry {
  const list = batches.map(([f, l, o]) => {
    const delta = l >= f ? l - f : INT32_MAX - f + l + 1;
    return { lastSequence: l, lastOffset: o + delta, offsetDelta: delta, timestamp: 1000 };
  });
  const last = list[list.length - 1];
  return {
    producerId: 7,
    producerEpoch: epoch,
    lastSequence: last?.lastSequence ?? -1,
    lastOffset: last?.lastOffset ?? -1,
    offsetDelta: last?.offsetDelta ?? 0,
    timestamp: 1000,
    coordinatorEpoch: -1,
    currentTxnFirstOffset: -1,
    batches: list,
    ...extra,
  };
}

const out = new ProducerCheckResult();
function check(e: ProducerStateEntry | undefined, epoch: number, first: number, last: number): ProducerCheck {
  return checkProducerBatch(out, e, 7, epoch, first, last, 100, 't', 0);
}

test('sequence arithmetic wraps at Int32.MAX_VALUE as Kafka does', () => {
  assert.equal(incrementSequence(5, 3), 8);
  assert.equal(incrementSequence(INT32_MAX, 1), 0);
  assert.equal(incrementSequence(INT32_MAX - 1, 4), 2);
  assert.equal(decrementSequence(2, 4), INT32_MAX - 1);
  assert.equal(decrementSequence(8, 3), 5);
  assert.ok(inSequence(4, 5));
  assert.ok(inSequence(INT32_MAX, 0));
  assert.ok(!inSequence(4, 6));
  assert.ok(!inSequence(4, 4));
  assert.ok(inSequence(-1, 0), 'no last sequence: 0 follows');
  const b = { lastSequence: 2, lastOffset: 50, offsetDelta: 4, timestamp: 0 };
  assert.equal(firstSequenceOf(b), INT32_MAX - 1);
  assert.equal(firstOffsetOf(b), 46);
});

test('an unknown producer may start at any sequence and epoch (no UNKNOWN_PRODUCER_ID in Kafka 4.0)', () => {
  assert.equal(check(undefined, 0, 0, 4), ProducerCheck.Append);
  assert.equal(check(undefined, 3, 42, 50), ProducerCheck.Append);
});

test('in-order batches append; a gap or a repeat of an older range is OUT_OF_ORDER_SEQUENCE_NUMBER', () => {
  const e = entry(0, [[0, 4, 0], [5, 9, 5]]);
  assert.equal(check(e, 0, 10, 12), ProducerCheck.Append);
  assert.equal(check(e, 0, 11, 12), ProducerCheck.Reject);
  assert.equal(out.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.match(out.reason, /Out of order sequence number for producer 7 at offset 100 in partition t-0: 11 \(incoming seq\. number\), 9 \(current end sequence number\)/);
  // Overlapping but not identical to a cached batch: not a duplicate.
  assert.equal(check(e, 0, 5, 8), ProducerCheck.Reject);
  assert.equal(out.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('an exact repeat of one of the last batches is a duplicate carrying the original offsets', () => {
  const e = entry(2, [[0, 4, 10], [5, 9, 20], [10, 10, 30]]);
  assert.equal(check(e, 2, 5, 9), ProducerCheck.Duplicate);
  assert.equal(firstOffsetOf(out.duplicateOf!), 20);
  assert.equal(out.duplicateOf!.lastOffset, 24);
  assert.equal(check(e, 2, 10, 10), ProducerCheck.Duplicate);
  assert.equal(firstOffsetOf(out.duplicateOf!), 30);
  // Same range under another epoch is no duplicate.
  assert.equal(check(e, 3, 5, 9), ProducerCheck.Reject);
  assert.equal(out.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'a new epoch must start at 0');
});

test('an older epoch is INVALID_PRODUCER_EPOCH; a newer one must start at sequence 0', () => {
  const e = entry(5, [[0, 9, 0]]);
  assert.equal(check(e, 4, 10, 10), ProducerCheck.Reject);
  assert.equal(out.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.match(out.reason, /Epoch of producer 7 at offset 100 in t-0 is 4, which is smaller than the last seen epoch 5/);
  assert.equal(check(e, 6, 0, 3), ProducerCheck.Append);
  assert.equal(check(e, 6, 1, 3), ProducerCheck.Reject);
  assert.equal(out.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('sequences wrap from Int32.MAX_VALUE to 0 within an epoch', () => {
  const e = entry(0, [[INT32_MAX - 4, INT32_MAX, 0]]);
  assert.equal(check(e, 0, 0, 4), ProducerCheck.Append);
  const wrapped = entry(0, [[INT32_MAX - 1, 1, 0]]);
  assert.equal(check(wrapped, 0, INT32_MAX - 1, 1), ProducerCheck.Duplicate);
  assert.equal(check(wrapped, 0, 2, 2), ProducerCheck.Append);
});

test('an entry without data batches (snapshot with lastOffset -1) accepts only sequence 0 in its epoch', () => {
  const e = entry(1, [], { batches: undefined, lastOffset: -1, lastSequence: -1 });
  assert.equal(check(e, 1, 0, 0), ProducerCheck.Append);
  assert.equal(check(e, 1, 3, 3), ProducerCheck.Reject);
});

test('a snapshot entry stands for its last batch, so a retry of it is still a duplicate', () => {
  const e = entry(0, [], { batches: undefined, lastSequence: 9, lastOffset: 14, offsetDelta: 4 });
  assert.deepEqual(recentBatches(e), [{ lastSequence: 9, lastOffset: 14, offsetDelta: 4, timestamp: 1000 }]);
  assert.equal(check(e, 0, 5, 9), ProducerCheck.Duplicate);
  assert.equal(firstOffsetOf(out.duplicateOf!), 10);
  assert.equal(check(e, 0, 10, 12), ProducerCheck.Append);
});

test('expiry: idle longer than producer.id.expiration.ms and not in a transaction', () => {
  const idle = entry(0, [[0, 0, 0]], { timestamp: 1000 });
  const inTxn = entry(0, [[0, 0, 0]], { producerId: 8, timestamp: 1000, currentTxnFirstOffset: 0 });
  assert.ok(isProducerExpired(idle, 2000, 1000));
  assert.ok(!isProducerExpired(idle, 1999, 1000));
  assert.ok(!isProducerExpired(inTxn, 10_000, 1000));
  const map = new Map([[7, idle], [8, inTxn]]);
  assert.equal(removeExpiredProducers(map, 5000, 1000), 1);
  assert.deepEqual([...map.keys()], [8]);
});

function appendedBatch(baseOffset: number, epoch: number, seq: number, count: number): Buffer {
  const recs = Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`r${i}`) }));
  return encodeBatchSync(recs, { baseOffset, producerId: 7, producerEpoch: epoch, baseSequence: seq, defaultTimestamp: 5000 });
}

test('ProducerStateManager keeps the last 5 batches of the current epoch; a new epoch starts over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-psm-'));
  try {
    const psm = new ProducerStateManager(new NodeFs(), dir, silentLogger);
    let offset = 0;
    for (let i = 0; i < 7; i++) {
      psm.update(appendedBatch(offset, 0, i * 2, 2), 0);
      offset += 2;
    }
    const e = psm.producers.get(7)!;
    assert.equal(recentBatches(e).length, NUM_BATCHES_TO_RETAIN);
    assert.deepEqual(recentBatches(e).map(firstSequenceOf), [4, 6, 8, 10, 12]);
    assert.deepEqual(recentBatches(e).map(firstOffsetOf), [4, 6, 8, 10, 12]);
    assert.equal(e.lastSequence, 13);
    psm.update(appendedBatch(offset, 1, 0, 3), 0);
    assert.deepEqual(recentBatches(psm.producers.get(7)!).map(firstSequenceOf), [0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('after an unclean restart the log replayed past the last snapshot rebuilds the whole window', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-psm-'));
  try {
    const partitionDir = join(dir, 't-0');
    const log = PartitionLog.open({ dir: partitionDir, logger: silentLogger });
    for (let i = 0; i < 4; i++) log.append(appendedBatch(0, 0, i * 3, 3));
    log.closeWithoutFlush(); // crash: no snapshot at the end
    const reopened = PartitionLog.open({ dir: partitionDir, logger: silentLogger, hadCleanShutdown: false });
    const e = reopened.producerState.producers.get(7)!;
    assert.deepEqual(recentBatches(e).map(firstSequenceOf), [0, 3, 6, 9]);
    assert.equal(check(e, 0, 3, 5), ProducerCheck.Duplicate);
    assert.equal(firstOffsetOf(out.duplicateOf!), 3);
    reopened.closeWithoutFlush();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
