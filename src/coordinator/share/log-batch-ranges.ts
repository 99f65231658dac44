/**
 * What a share-partition needs of the batches read from its log: their offset ranges, and
 * which are never delivered — control batches (transaction markers), and, for a share group
 * reading read_committed (share.isolation.level), the batches of aborted transactions, found
 * as a read_committed consumer finds them: a transactional batch is aborted while its producer
 * has an aborted transaction (from the log's transaction index) begun at or before it whose
 * abort marker has not been passed yet.
 */
import { ATTRIBUTES_OFFSET, CONTROL_MASK, LAST_OFFSET_DELTA_OFFSET, PRODUCER_ID_OFFSET, TRANSACTIONAL_MASK } from '../../protocol/records/batch-header.js';
import { batchBaseOffset } from '../../protocol/records/header.js';
import { BatchCursor } from '../../protocol/records/iterator.js';
import type { AbortedTxn } from '../../storage/transaction-index.js';
import type { LogBatchRange } from './share-partition.js';

/** The batches of `records` (whole raw batches as the log returns them), in order. `aborted` is null when reading read_uncommitted. */
export function logBatchRanges(records: Buffer, aborted: readonly AbortedTxn[] | null): LogBatchRange[] {
  const out: LogBatchRange[] = [];
  const cursor = new BatchCursor(records);
  const pending = aborted === null ? [] : [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  let next = 0;
  const abortedProducers = new Set<number>();
  while (cursor.next()) {
    const at = cursor.offset;
    const baseOffset = batchBaseOffset(records, at);
    const lastOffset = baseOffset + records.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET);
    const attributes = records.readInt16BE(at + ATTRIBUTES_OFFSET);
    const control = (attributes & CONTROL_MASK) !== 0;
    let skip = control;
    if (aborted !== null) {
      const producerId = Number(records.readBigInt64BE(at + PRODUCER_ID_OFFSET));
      while (next < pending.length && pending[next]!.firstOffset <= lastOffset) abortedProducers.add(pending[next++]!.producerId);
      // The abort marker ends the producer's aborted transaction; its later batches are another one's.
      if (control) abortedProducers.delete(producerId);
      else if ((attributes & TRANSACTIONAL_MASK) !== 0 && abortedProducers.has(producerId)) skip = true;
    }
    out.push({ baseOffset, lastOffset, skip });
  }
  return out;
}
