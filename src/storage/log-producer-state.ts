/**
 * The producer state as one partition log uses it (what Kafka's UnifiedLog does around its
 * ProducerStateManager): the idempotent producer's checks of a client batch, the partition
 * side of transactions (the first unstable offset, open transactions and KIP-890
 * verification, end-transaction markers with their epoch checks and the `.txnindex` entry of
 * an abort, the aborted transactions read_committed reads return), and the producer
 * snapshots that follow the segments through rolls, deletions, truncations and close.
 * PartitionLog appends and reads; this keeps its producer state in step.
 */
import { BATCH_LENGTH_OFFSET, LOG_OVERHEAD } from './batch.js';
import type { LocalLog } from './local-log.js';
import { rebuildProducerState } from './log-loader.js';
import type { LogSegment } from './log-segment.js';
import { checkCoordinatorVerification, checkTxnMarker, TRANSACTION_VERSION_2, validateClientProducerState } from './producer-check.js';
import type { BatchMetadata, ProducerStateEntry, ProducerStateManager } from './producer-state.js';
import type { AbortedTxn, CompletedTxn } from './transaction-index.js';
import { markerBatch, type TxnMarker } from './txn-marker.js';
import { VERIFICATION_SENTINEL } from './verification-state.js';

export class LogProducerState {
  private readonly producerState: ProducerStateManager;
  private readonly local: LocalLog;

  constructor(producerState: ProducerStateManager, local: LocalLog) {
    this.producerState = producerState;
    this.local = local;
  }

  /**
   * The idempotent producer's checks of a client batch (producer-check.ts
   * validateClientProducerState, Kafka's analyzeAndValidateProducerState): the batch already
   * in the log when this is a retry of it, else null; throws INVALID_PRODUCER_EPOCH,
   * OUT_OF_ORDER_SEQUENCE_NUMBER, or INVALID_TXN_STATE when the KIP-890 `verificationGuard`
   * (null: verified synchronously) no longer holds.
   */
  checkClientBatch(records: Buffer, verificationGuard: number | null): BatchMetadata | null {
    const ps = this.producerState;
    const local = this.local;
    const verifications = verificationGuard === null ? null : ps.verifications;
    return validateClientProducerState(records, ps.producers, local.logEndOffset, local.topic, local.partition, verifications, verificationGuard ?? VERIFICATION_SENTINEL);
  }

  /** A coordinator's batch verified asynchronously: throws when its guard no longer holds. */
  checkCoordinatorBatch(records: Buffer, verificationGuard: number): void {
    checkCoordinatorVerification(records, this.producerState, verificationGuard);
  }

  /** The producers this partition knows (DescribeProducers), read-only. */
  activeProducers(): IterableIterator<Readonly<ProducerStateEntry>> {
    return this.producerState.producers.values();
  }

  /**
   * The first offset of the earliest transaction still undecided, or decided by a marker the
   * high watermark has not passed; never below the log start offset. -1 when there is none
   * (Kafka's UnifiedLog.firstUnstableOffset).
   */
  firstUnstableOffset(logStartOffset: number): number {
    const first = this.producerState.firstUnstableOffset();
    return first < 0 ? -1 : Math.max(first, logStartOffset);
  }

  /**
   * True when `producerId` has a transaction open on this partition at `producerEpoch`
   * (Kafka's UnifiedLog.hasOngoingTransaction): what KIP-890 produce verification asks
   * before sending a first transactional batch to the coordinator.
   */
  hasOngoingTransaction(producerId: number, producerEpoch: number): boolean {
    const e = this.producerState.producers.get(producerId);
    return e !== undefined && e.currentTxnFirstOffset >= 0 && e.producerEpoch === producerEpoch;
  }

  /**
   * True when `marker` is in this log already, so that writing it again would be refused. A
   * coordinator that loads a transaction left in PrepareCommit/PrepareAbort sends every marker
   * again; under transaction version 2 a second marker of the same epoch is refused
   * (INVALID_PRODUCER_EPOCH), which would stop the completion. The producer's epoch equal to
   * the marker's, with no transaction open, can only come from that marker: the coordinator
   * bumped the epoch at EndTxn and refuses the new epoch's partitions until the transaction is
   * complete. Under version 0 an equal epoch is accepted again, so this is false.
   */
  hasTxnMarker(marker: TxnMarker): boolean {
    if (marker.transactionVersion < TRANSACTION_VERSION_2) return false;
    const e = this.producerState.producers.get(marker.producerId);
    return e !== undefined && e.producerEpoch === marker.producerEpoch && e.currentTxnFirstOffset < 0;
  }

  /**
   * Starts a KIP-890 verification of the producer's first transactional batch here (Kafka's
   * UnifiedLog.maybeStartTransactionVerification): the sentinel when a transaction of the
   * epoch is open already, else the guard to hand back to `appendAsLeader`, which refuses the
   * batch if a marker or a newer epoch took the guard away meanwhile (verification-state.ts).
   */
  maybeStartTransactionVerification(producerId: number, sequence: number, producerEpoch: number): number {
    if (this.hasOngoingTransaction(producerId, producerEpoch)) return VERIFICATION_SENTINEL;
    return this.producerState.verifications.maybeCreate(producerId, sequence, producerEpoch, this.local.clock.now());
  }

  /** The producer's verification guard, the sentinel when none is under way. */
  verificationGuard(producerId: number): number {
    return this.producerState.verifications.guardOf(producerId);
  }

  /**
   * The control batch of `marker`, stamped with the clock's time, once its epochs pass
   * (producer-check.ts `checkTxnMarker`): a stale producer epoch throws INVALID_PRODUCER_EPOCH
   * (under transaction version 2 an epoch not above the producer's), an older coordinator
   * epoch TRANSACTION_COORDINATOR_FENCED.
   */
  markerBatch(marker: TxnMarker): Buffer {
    const local = this.local;
    checkTxnMarker(
      this.producerState.producers.get(marker.producerId),
      marker.producerId,
      marker.producerEpoch,
      marker.coordinatorEpoch,
      marker.transactionVersion,
      local.logEndOffset,
      local.topic,
      local.partition,
    );
    return markerBatch(marker, local.clock.now());
  }

  /**
   * `records`, whole batches, were appended to `segment`: each updates its producer's state,
   * and a marker completes its transaction.
   */
  appended(segment: LogSegment, records: Buffer): void {
    for (let at = 0; at < records.length; at += LOG_OVERHEAD + records.readInt32BE(at + BATCH_LENGTH_OFFSET)) {
      const txn = this.producerState.update(records, at);
      if (txn !== null) this.complete(segment, txn);
    }
  }

  /**
   * A marker in `segment` completed `txn`: an abort gets its index entry with the last stable
   * offset as of its completion, then the transaction leaves the ongoing ones (Kafka's
   * order: the index first, so a failed write leaves the LSO where it was).
   */
  private complete(segment: LogSegment, txn: CompletedTxn): void {
    try {
      segment.updateTxnIndex(txn, this.producerState.lastStableOffsetOf(txn));
    } catch (e) {
      this.local.fail('updating the transaction index of', e);
    }
    this.producerState.completeTxn(txn);
  }

  /**
   * The aborted transactions overlapping [startOffset, upperBoundOffset) (Kafka's
   * UnifiedLog.collectAbortedTransactions), from the transaction indexes.
   */
  collectAbortedTransactions(startOffset: number, upperBoundOffset: number): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    this.local.checkOnline();
    this.local.collectAbortedTransactions(startOffset, upperBoundOffset, out);
    return out;
  }

  // ---- producer snapshots --------------------------------------------------------------

  /** The snapshot a roll to `newOffset` keeps, written but not fsynced: its file. */
  snapshotForRoll(newOffset: number): string {
    const ps = this.producerState;
    ps.mapEndOffset = newOffset;
    const file = ps.takeSnapshot();
    ps.mapEndOffset = this.local.logEndOffset;
    return file;
  }

  /** Segments left the log: their snapshots go with them. */
  segmentsRemoved(list: readonly LogSegment[]): void {
    for (const s of list) this.producerState.deleteSnapshot(s.baseOffset);
  }

  /** The cleaner swapped segments: the snapshots of old ones that no new one replaces go. */
  segmentsReplaced(newSegments: readonly LogSegment[], oldSegments: readonly LogSegment[]): void {
    const newBases = new Set(newSegments.map((s) => s.baseOffset));
    for (const s of oldSegments) if (!newBases.has(s.baseOffset)) this.producerState.deleteSnapshot(s.baseOffset);
  }

  /** The log was cut at its end offset: the state is rebuilt from the snapshots and batches left. */
  truncated(logStartOffset: number, highWatermark: number): void {
    const end = this.local.logEndOffset;
    this.producerState.deleteSnapshotsAbove(end);
    rebuildProducerState(this.producerState, this.local, logStartOffset, false);
    this.producerState.onHighWatermarkUpdated(Math.min(highWatermark, end));
  }

  /** At close: a snapshot at the log end offset, fsynced, unless there is one already. */
  async snapshotAtEnd(): Promise<void> {
    const ps = this.producerState;
    const end = this.local.logEndOffset;
    if (ps.snapshotOffsets().at(-1) === end || end <= 0) return;
    ps.mapEndOffset = end;
    await ps.flushSnapshot(ps.takeSnapshot());
  }
}
