// Test support for transactions in storage tests: transactional and idempotent batches built
// with the project's record encoder, and markers appended as a coordinator would. No tests here.
import { encodeBatchSync } from '../../src/protocol/records/encode.js';
import type { LogAppendInfo, PartitionLog } from '../../src/storage/partition-log.js';
import { simpleBatch } from './helpers.js';

/**
 * The test clock's time (ManualClock's start). Records carry it, as markers do (they take the
 * log's clock): records far older than their marker would roll a segment by `segment.ms`.
 */
export const NOW = 1_700_000_000_000;

/** A plain (non-idempotent) batch of `n` records stamped NOW. */
export function plainBatch(n: number, prefix = 'p'): Buffer {
  return simpleBatch(n, prefix, 0, NOW);
}

export interface TxnBatchOptions {
  /** First sequence of the batch (default 0). */
  sequence?: number;
  /** false: an idempotent, non-transactional batch. */
  transactional?: boolean;
  timestamp?: number;
}

/** A batch of `n` records `prefix-i` from producer `producerId` at `epoch`. */
export function producerBatch(producerId: number, epoch: number, n: number, prefix: string, opts: TxnBatchOptions = {}): Buffer {
  const ts = opts.timestamp ?? NOW;
  const records = [];
  for (let i = 0; i < n; i++) records.push({ key: Buffer.from(`${prefix}-k${i}`), value: Buffer.from(`${prefix}-${i}`), timestamp: ts + i });
  return encodeBatchSync(records, {
    producerId,
    producerEpoch: epoch,
    baseSequence: opts.sequence ?? 0,
    transactional: opts.transactional ?? true,
    defaultTimestamp: ts,
  });
}

/**
 * Appends a client batch as the leader and moves the high watermark to the log end, as the
 * produce path does on a single node.
 */
export function produce(log: PartitionLog, batch: Buffer, advanceHw = true): LogAppendInfo {
  const info = log.appendAsLeader(batch, 0);
  if (advanceHw) log.maybeIncrementHighWatermark(log.logEndOffset);
  return info;
}

export interface MarkerOptions {
  coordinatorEpoch?: number;
  transactionVersion?: number;
  advanceHw?: boolean;
}

/** Writes a COMMIT (`commit`) or ABORT marker as the leader, then moves the high watermark unless told not to. */
export function endTxn(log: PartitionLog, producerId: number, epoch: number, commit: boolean, opts: MarkerOptions = {}): LogAppendInfo {
  const info = log.appendTxnMarker(
    { producerId, producerEpoch: epoch, commit, coordinatorEpoch: opts.coordinatorEpoch ?? 0, transactionVersion: opts.transactionVersion ?? 1 },
    0,
  );
  if (opts.advanceHw !== false) log.maybeIncrementHighWatermark(log.logEndOffset);
  return info;
}
