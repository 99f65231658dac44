// The log batches a share-partition acquires from: offset ranges, control batches never
// delivered, and under read_committed the batches of aborted transactions skipped until their
// abort marker (a later transaction of the same producer is delivered).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { ControlRecordType, encodeControlRecordKey } from '../../../src/protocol/records/control.js';
import { logBatchRanges } from '../../../src/coordinator/share/log-batch-ranges.js';

function data(baseOffset: number, n: number, producerId = -1, transactional = false): Buffer {
  const records = Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`v${i}`), offsetDelta: i }));
  return encodeBatchSync(records, { baseOffset, producerId, producerEpoch: producerId < 0 ? -1 : 0, baseSequence: producerId < 0 ? -1 : 0, transactional, defaultTimestamp: 1 });
}

function marker(offset: number, producerId: number, type: ControlRecordType): Buffer {
  return encodeBatchSync([{ key: encodeControlRecordKey(type), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { baseOffset: offset, producerId, producerEpoch: 0, transactional: true, control: true, defaultTimestamp: 1 });
}

test('offset ranges; control batches skipped; aborted transactions skipped only when read_committed', () => {
  const log = Buffer.concat([
    data(0, 3),
    data(3, 2, 7, true), // aborted
    data(5, 2, 8, true), // committed
    marker(7, 7, ControlRecordType.Abort),
    marker(8, 8, ControlRecordType.Commit),
    data(9, 2, 7, true), // the producer's next transaction, committed
  ]);
  const aborted = [{ producerId: 7, firstOffset: 3, lastOffset: 7, lastStableOffset: 8 }];
  assert.deepEqual(logBatchRanges(log, aborted), [
    { baseOffset: 0, lastOffset: 2, skip: false },
    { baseOffset: 3, lastOffset: 4, skip: true },
    { baseOffset: 5, lastOffset: 6, skip: false },
    { baseOffset: 7, lastOffset: 7, skip: true },
    { baseOffset: 8, lastOffset: 8, skip: true },
    { baseOffset: 9, lastOffset: 10, skip: false },
  ]);
  assert.deepEqual(logBatchRanges(log, null).map((b) => b.skip), [false, false, false, true, true, false]);
});
