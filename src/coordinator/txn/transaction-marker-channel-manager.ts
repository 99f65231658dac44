/**
 * Gets a decided transaction's markers written and then completes it (Kafka's
 * TransactionMarkerChannelManager with its TransactionMarkerRequestCompletionHandler):
 *
 * 1. EndTxn (or a timeout, or a load finding PrepareCommit/PrepareAbort) hands over the
 *    transaction with its prepared completion (CompleteCommit/CompleteAbort, pending);
 * 2. the marker goes to every partition through the TxnMarkerWriter; a partition whose marker
 *    is written leaves the transaction, one whose topic is gone is skipped, and the others are
 *    tried again after `markerRetryBackoffMs`, with Kafka's error handling (a fenced producer
 *    epoch or coordinator stops the sending);
 * 3. once no partition is left, the completion is appended to `__transaction_state`, and
 *    appended again after `markerRetryBackoffMs` for as long as the append fails while this
 *    broker still coordinates the transaction.
 *
 * Everything stops when the coordinator epoch moves on (the partition was unloaded or loaded
 * again): the new load sends the markers again.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { DeadlineTimer } from '../group/timer.js';
import type { TopicPartition } from './topic-partitions.js';
import type { TransactionMetadata, TxnTransitMetadata } from './transaction-metadata.js';
import type { TxnMarkerEntry, TxnMarkerPartitionResult, TxnMarkerWriter } from './transaction-marker-writer.js';
import type { TransactionStateManager } from './transaction-state-manager.js';
import { stateName, type TransactionResult } from './transaction-state.js';

class PendingCompleteTxn {
  readonly transactionalId: string;
  readonly coordinatorEpoch: number;
  readonly txnMetadata: TransactionMetadata;
  readonly newMetadata: TxnTransitMetadata;
  constructor(transactionalId: string, coordinatorEpoch: number, txnMetadata: TransactionMetadata, newMetadata: TxnTransitMetadata) {
    this.transactionalId = transactionalId;
    this.coordinatorEpoch = coordinatorEpoch;
    this.txnMetadata = txnMetadata;
    this.newMetadata = newMetadata;
  }
}

/** Errors after which a partition's marker is tried again. */
const RETRIABLE = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

export class TransactionMarkerChannelManager {
  private readonly txnStateManager: TransactionStateManager;
  private readonly writer: TxnMarkerWriter;
  private readonly timer: DeadlineTimer;
  private readonly logger: Logger;
  private readonly retryBackoffMs: number;
  private readonly transactionsWithPendingMarkers = new Map<string, PendingCompleteTxn>();
  /** Completions whose append is being retried. */
  private readonly retryingAppends = new Map<string, PendingCompleteTxn>();

  constructor(txnStateManager: TransactionStateManager, writer: TxnMarkerWriter, timer: DeadlineTimer, retryBackoffMs: number, logger: Logger) {
    this.txnStateManager = txnStateManager;
    this.writer = writer;
    this.timer = timer;
    this.retryBackoffMs = retryBackoffMs;
    this.logger = logger;
  }

  /** Transactions whose markers are still being written. */
  get numTxnsWithPendingMarkers(): number {
    return this.transactionsWithPendingMarkers.size;
  }

  addTxnMarkersToSend(coordinatorEpoch: number, result: TransactionResult, txnMetadata: TransactionMetadata, newMetadata: TxnTransitMetadata): void {
    const transactionalId = txnMetadata.transactionalId;
    const pending = new PendingCompleteTxn(transactionalId, coordinatorEpoch, txnMetadata, newMetadata);
    if (this.transactionsWithPendingMarkers.has(transactionalId)) this.logger.info({ transactionalId }, 'replaced a pending transaction completion while adding markers to send');
    this.transactionsWithPendingMarkers.set(transactionalId, pending);
    this.sendMarkers(pending, txnMetadata.producerId, txnMetadata.producerEpoch, result, [...txnMetadata.topicPartitions]);
    this.maybeWriteTxnCompletion(transactionalId);
  }

  /** The transactions of `partition` of __transaction_state are no longer ours: stop their markers and completions. */
  removeMarkersForTxnTopicPartition(partition: number): void {
    for (const map of [this.transactionsWithPendingMarkers, this.retryingAppends]) {
      for (const [transactionalId] of map) {
        if (this.txnStateManager.partitionFor(transactionalId) !== partition) continue;
        map.delete(transactionalId);
        this.timer.cancel(markersKey(transactionalId));
        this.timer.cancel(completionKey(transactionalId));
      }
    }
  }

  shutdown(): void {
    for (const id of this.transactionsWithPendingMarkers.keys()) this.timer.cancel(markersKey(id));
    for (const id of this.retryingAppends.keys()) this.timer.cancel(completionKey(id));
    this.transactionsWithPendingMarkers.clear();
    this.retryingAppends.clear();
  }

  private removeMarkersForTxn(pending: PendingCompleteTxn): void {
    if (this.transactionsWithPendingMarkers.get(pending.transactionalId) === pending) this.transactionsWithPendingMarkers.delete(pending.transactionalId);
    this.timer.cancel(markersKey(pending.transactionalId));
  }

  /** Kafka's addTxnMarkersToBrokerQueue: partitions that no longer exist are skipped, the rest written. */
  private sendMarkers(pending: PendingCompleteTxn, producerId: number, producerEpoch: number, result: TransactionResult, partitions: TopicPartition[]): void {
    const existing: TopicPartition[] = [];
    const missing: TopicPartition[] = [];
    for (const tp of partitions) (this.writer.hasPartition(tp.topic, tp.partition) ? existing : missing).push(tp);
    if (missing.length > 0) {
      const lookup = this.txnStateManager.getTransactionState(pending.transactionalId);
      if (lookup.errorCode !== ErrorCode.NONE || lookup.metadata === undefined || lookup.coordinatorEpoch !== pending.coordinatorEpoch) {
        this.logger.info({ transactionalId: pending.transactionalId, error: lookup.errorCode }, 'the coordinator changed since preparing to send markers; cancel sending them');
        this.removeMarkersForTxn(pending);
        return;
      }
      this.logger.info({ transactionalId: pending.transactionalId, partitions: missing }, 'no leader for these partitions of a transaction: they are likely deleted, their markers are skipped');
      for (const tp of missing) lookup.metadata.removePartition(tp.topic, tp.partition);
    }
    if (existing.length === 0) {
      this.maybeWriteTxnCompletion(pending.transactionalId);
      return;
    }
    const entry: TxnMarkerEntry = {
      transactionalId: pending.transactionalId,
      producerId,
      producerEpoch,
      coordinatorEpoch: pending.coordinatorEpoch,
      result,
      transactionVersion: pending.newMetadata.clientTransactionVersion,
      partitions: existing,
    };
    let written: Promise<readonly TxnMarkerPartitionResult[]>;
    try {
      written = this.writer.writeMarkers(entry);
    } catch (err) {
      written = Promise.reject(err);
    }
    written.then(
      (results) => this.onMarkersWritten(pending, entry, results),
      (err: unknown) => {
        this.logger.info({ err, transactionalId: pending.transactionalId }, 'writing transaction markers failed; retrying');
        this.onMarkersWritten(pending, entry, null);
      },
    );
  }

  /** Kafka's TransactionMarkerRequestCompletionHandler, for one transaction's entry; null results: retry everything. */
  private onMarkersWritten(pending: PendingCompleteTxn, entry: TxnMarkerEntry, results: readonly TxnMarkerPartitionResult[] | null): void {
    const transactionalId = pending.transactionalId;
    if (this.transactionsWithPendingMarkers.get(transactionalId) !== pending) return;
    const lookup = this.txnStateManager.getTransactionState(transactionalId);
    if (lookup.errorCode !== ErrorCode.NONE || lookup.metadata === undefined || lookup.coordinatorEpoch !== entry.coordinatorEpoch) {
      this.logger.info({ transactionalId, error: lookup.errorCode }, 'no longer the coordinator of this transaction at its epoch; cancel sending its markers');
      this.removeMarkersForTxn(pending);
      return;
    }
    const metadata = lookup.metadata;
    const retry: TopicPartition[] = [];
    if (results === null) {
      retry.push(...entry.partitions);
    } else {
      const errors = new Map<string, number>();
      for (const r of results) errors.set(`${r.partition}:${r.topic}`, r.errorCode);
      for (const tp of entry.partitions) {
        const error = errors.get(`${tp.partition}:${tp.topic}`);
        if (error === ErrorCode.NONE) {
          metadata.removePartition(tp.topic, tp.partition);
        } else if (error === ErrorCode.INVALID_PRODUCER_EPOCH || error === ErrorCode.TRANSACTION_COORDINATOR_FENCED) {
          // The producer or the coordinator moved on: this transaction is no longer ours to finish.
          this.logger.info({ transactionalId, topic: tp.topic, partition: tp.partition, error }, 'transaction marker permanently failed; cancel sending the others');
          this.removeMarkersForTxn(pending);
          return;
        } else if (error === ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT || error === ErrorCode.UNSUPPORTED_VERSION) {
          // The producer could not have written there: nothing to mark.
          metadata.removePartition(tp.topic, tp.partition);
        } else {
          if (error !== undefined && !RETRIABLE.has(error)) this.logger.error({ transactionalId, topic: tp.topic, partition: tp.partition, error }, 'unexpected error writing a transaction marker; retrying');
          retry.push(tp);
        }
      }
    }
    if (retry.length === 0) {
      this.maybeWriteTxnCompletion(transactionalId);
      return;
    }
    this.timer.schedule(markersKey(transactionalId), this.retryBackoffMs, () => {
      if (this.transactionsWithPendingMarkers.get(transactionalId) === pending) this.sendMarkers(pending, entry.producerId, entry.producerEpoch, entry.result, retry);
    });
  }

  private maybeWriteTxnCompletion(transactionalId: string): void {
    const pending = this.transactionsWithPendingMarkers.get(transactionalId);
    if (pending === undefined || pending.txnMetadata.topicPartitions.size > 0) return;
    this.transactionsWithPendingMarkers.delete(transactionalId);
    this.writeTxnCompletion(pending);
  }

  private writeTxnCompletion(pending: PendingCompleteTxn): void {
    const lookup = this.txnStateManager.getTransactionState(pending.transactionalId);
    if (lookup.errorCode !== ErrorCode.NONE || lookup.metadata === undefined || lookup.coordinatorEpoch !== pending.coordinatorEpoch) {
      this.logger.info({ transactionalId: pending.transactionalId, error: lookup.errorCode }, 'markers written, but the coordinator changed; the transaction is completed by whoever holds it now');
      return;
    }
    void this.tryAppendToLog(pending);
  }

  /**
   * Appends the completion. Kafka retries on COORDINATOR_NOT_AVAILABLE and treats any other
   * error but NOT_COORDINATOR and COORDINATOR_LOAD_IN_PROGRESS as fatal; here those are
   * retried too, so a transaction is never left waiting on a completion nobody writes.
   */
  private async tryAppendToLog(pending: PendingCompleteTxn): Promise<void> {
    const id = pending.transactionalId;
    const gaveUp = (e: number) => e === ErrorCode.NOT_COORDINATOR || e === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    let error: number;
    try {
      error = await this.txnStateManager.appendTransactionToLog(id, pending.coordinatorEpoch, pending.newMetadata, (e) => !gaveUp(e));
    } catch (err) {
      this.logger.error({ err, transactionalId: id }, 'completing a transaction failed');
      return;
    }
    if (error === ErrorCode.NONE) {
      this.retryingAppends.delete(id);
      this.logger.debug({ transactionalId: id, state: stateName(pending.newMetadata.txnState) }, 'completed transaction');
      return;
    }
    if (gaveUp(error)) {
      this.retryingAppends.delete(id);
      this.logger.info({ transactionalId: id, error }, 'no longer the coordinator of this transaction; skip writing its completion');
      return;
    }
    this.logger.info({ transactionalId: id, error }, 'appending a transaction completion failed; retrying');
    this.retryingAppends.set(id, pending);
    this.timer.schedule(completionKey(id), this.retryBackoffMs, () => {
      if (this.retryingAppends.get(id) === pending) void this.tryAppendToLog(pending);
    });
  }
}

function markersKey(transactionalId: string): string {
  return `txn-markers:${transactionalId}`;
}

function completionKey(transactionalId: string): string {
  return `txn-complete:${transactionalId}`;
}
