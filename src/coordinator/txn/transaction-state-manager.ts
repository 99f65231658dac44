/**
 * The transaction coordinator's state (Kafka's TransactionStateManager): the metadata of every
 * transactional id, by the `__transaction_state` partition that holds it (Java's
 * `abs(transactionalId.hashCode()) % partitions`), each partition with the coordinator epoch it
 * was loaded at. A partition is loaded when this broker comes to lead it (its records replayed
 * in order, the last one per id winning, tombstones removing) and unloaded when it stops;
 * requests for its ids answer COORDINATOR_LOAD_IN_PROGRESS meanwhile, and NOT_COORDINATOR for
 * partitions not led here.
 *
 * Every change is appended to the log first and applied (`completeTransitionTo`) only once it
 * is committed, and only if the partition is still held at the same coordinator epoch.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { ListTransactionsResponse, TransactionState as ListedTransaction } from '../../protocol/generated/list-transactions-response.js';
import type { Clock } from '../../storage/clock.js';
import { partitionFor } from '../group/offsets-topic.js';
import { CoordinatorWriteError } from '../group/sink.js';
import type { TransactionConfig } from './transaction-config.js';
import { keyToBytes, readTxnRecordKey, readTxnRecordValue, TRANSACTION_STATE_TOPIC, valueToBytes, type TxnLogRecord } from './transaction-log.js';
import type { TransactionMetadata, TxnTransitMetadata } from './transaction-metadata.js';
import type { TransactionStateLog } from './transaction-state-log.js';
import { compileTransactionalIdPattern } from './list-transactions.js';
import {
  isExpirationAllowed,
  stateFromName,
  stateName,
  TransactionResult,
  TransactionState,
  type TransactionVersion,
} from './transaction-state.js';

/** What a look-up of a transactional id finds: an error, or the partition's coordinator epoch and the id's metadata (if any). */
export interface TxnStateLookup {
  errorCode: number;
  coordinatorEpoch: number;
  metadata: TransactionMetadata | undefined;
}

/** The transactions of one loaded partition. */
export class TxnMetadataCacheEntry {
  readonly coordinatorEpoch: number;
  readonly metadataPerTransactionalId: Map<string, TransactionMetadata>;
  constructor(coordinatorEpoch: number, metadata: Map<string, TransactionMetadata>) {
    this.coordinatorEpoch = coordinatorEpoch;
    this.metadataPerTransactionalId = metadata;
  }
}

export interface TransactionalIdAndProducerIdEpoch {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

/** Called for each transaction a load finds in PrepareCommit or PrepareAbort: its markers must be (re)written. */
export type SendTxnMarkers = (coordinatorEpoch: number, result: TransactionResult, metadata: TransactionMetadata, transit: TxnTransitMetadata) => void;

/** Kafka's mapping of an append error to the error a transaction request answers. */
export function appendErrorToTxnError(code: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return code;
  }
}

/** Tombstones per batch when expiring ids (Kafka fills batches up to max.message.bytes). */
const TOMBSTONES_PER_BATCH = 1000;

export class TransactionStateManager {
  readonly config: TransactionConfig;
  private readonly log: TransactionStateLog;
  private readonly clock: Clock;
  private readonly logger: Logger;
  /** Partition → the coordinator epoch it is being loaded at. */
  private readonly loadingPartitions = new Map<number, number>();
  readonly transactionMetadataCache = new Map<number, TxnMetadataCacheEntry>();
  private transactionTopicPartitionCount = 0;
  private shuttingDown = false;

  constructor(config: TransactionConfig, log: TransactionStateLog, clock: Clock, logger: Logger) {
    this.config = config;
    this.log = log;
    this.clock = clock;
    this.logger = logger;
  }

  startup(): void {
    this.shuttingDown = false;
    this.transactionTopicPartitionCount = this.log.numPartitions();
  }

  shutdown(): void {
    this.shuttingDown = true;
    this.loadingPartitions.clear();
    this.transactionMetadataCache.clear();
  }

  get transactionVersionLevel(): TransactionVersion {
    return this.config.transactionVersionLevel;
  }

  get isLoading(): boolean {
    return this.loadingPartitions.size > 0;
  }

  partitionFor(transactionalId: string): number {
    return partitionFor(transactionalId, this.transactionTopicPartitionCount > 0 ? this.transactionTopicPartitionCount : this.log.numPartitions());
  }

  validateTransactionTimeoutMs(txnTimeoutMs: number): boolean {
    return txnTimeoutMs <= this.config.transactionMaxTimeoutMs && txnTimeoutMs > 0;
  }

  getTransactionState(transactionalId: string): TxnStateLookup {
    return this.getAndMaybeAddTransactionState(transactionalId, null);
  }

  /** Adds `metadata` unless its id has metadata already; either way the id's metadata comes back. */
  putTransactionStateIfNotExists(metadata: TransactionMetadata): TxnStateLookup {
    return this.getAndMaybeAddTransactionState(metadata.transactionalId, metadata);
  }

  private getAndMaybeAddTransactionState(transactionalId: string, created: TransactionMetadata | null): TxnStateLookup {
    const partition = this.partitionFor(transactionalId);
    if (this.loadingPartitions.has(partition)) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, coordinatorEpoch: -1, metadata: undefined };
    const entry = this.transactionMetadataCache.get(partition);
    if (entry === undefined) return { errorCode: ErrorCode.NOT_COORDINATOR, coordinatorEpoch: -1, metadata: undefined };
    let metadata = entry.metadataPerTransactionalId.get(transactionalId);
    if (metadata === undefined && created !== null) {
      entry.metadataPerTransactionalId.set(transactionalId, created);
      metadata = created;
    }
    return { errorCode: ErrorCode.NONE, coordinatorEpoch: entry.coordinatorEpoch, metadata };
  }

  /** Ongoing transactions past their timeout with no transition under way (best effort, as Kafka's). */
  timedOutTransactions(): TransactionalIdAndProducerIdEpoch[] {
    const now = this.clock.now();
    const out: TransactionalIdAndProducerIdEpoch[] = [];
    for (const entry of this.transactionMetadataCache.values()) {
      for (const [transactionalId, m] of entry.metadataPerTransactionalId) {
        if (m.pendingTransitionInProgress || m.state !== TransactionState.Ongoing) continue;
        if (m.txnStartTimestamp + m.txnTimeoutMs < now) out.push({ transactionalId, producerId: m.producerId, producerEpoch: m.producerEpoch });
      }
    }
    return out;
  }

  /**
   * ListTransactions: every id but the Dead, filtered by producer id, state name (names Kafka
   * does not know come back in unknownStateFilters) and, with a duration >= 0, only
   * transactions running for longer than it.
   */
  listTransactionStates(filterProducerIds: ReadonlySet<number>, filterStateNames: readonly string[], filterDurationMs: number, filterIdPattern: string | null = null): ListTransactionsResponse {
    const response: ListTransactionsResponse = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters: [], transactionStates: [] };
    if (this.loadingPartitions.size > 0) {
      response.errorCode = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      return response;
    }
    const pattern = compileTransactionalIdPattern(filterIdPattern);
    if (pattern === undefined) {
      response.errorCode = ErrorCode.INVALID_REGULAR_EXPRESSION;
      return response;
    }
    const filterStates = new Set<TransactionState>();
    for (const name of filterStateNames) {
      const s = stateFromName(name);
      if (s === undefined) response.unknownStateFilters.push(name);
      else filterStates.add(s);
    }
    const now = this.clock.now();
    const states: ListedTransaction[] = response.transactionStates;
    for (const entry of this.transactionMetadataCache.values()) {
      for (const m of entry.metadataPerTransactionalId.values()) {
        if (m.state === TransactionState.Dead) continue;
        if (filterProducerIds.size > 0 && !filterProducerIds.has(m.producerId)) continue;
        if (filterStateNames.length > 0 && !filterStates.has(m.state)) continue;
        if (filterDurationMs >= 0 && now - m.txnStartTimestamp <= filterDurationMs) continue;
        if (pattern !== null && !pattern.test(m.transactionalId)) continue;
        states.push({ transactionalId: m.transactionalId, producerId: BigInt(m.producerId), transactionState: stateName(m.state) });
      }
    }
    return response;
  }

  // ---- loading ----------------------------------------------------------------------------------

  /**
   * This broker leads `partition` at `coordinatorEpoch`: reads it back and caches its
   * transactions; those left in PrepareCommit or PrepareAbort get their markers sent again.
   * A later load or an unload of the same partition makes this one give up.
   */
  async loadTransactionsForTxnTopicPartition(partition: number, coordinatorEpoch: number, sendTxnMarkers: SendTxnMarkers): Promise<number> {
    this.loadingPartitions.set(partition, coordinatorEpoch);
    const started = this.clock.now();
    if (this.transactionTopicPartitionCount === 0) this.transactionTopicPartitionCount = this.log.numPartitions();
    const loaded = new Map<string, TransactionMetadata>();
    const stillLoading = () => !this.shuttingDown && this.loadingPartitions.get(partition) === coordinatorEpoch;
    try {
      await this.log.load(partition, (r) => {
        if (stillLoading()) this.replay(partition, r, loaded);
      });
    } catch (err) {
      this.logger.error({ err, partition }, `error loading transactions from ${TRANSACTION_STATE_TOPIC}-${partition}`);
    }
    if (!stillLoading()) return 0;
    const previous = this.transactionMetadataCache.get(partition);
    if (previous !== undefined) this.logger.warn({ partition, coordinatorEpoch }, `unloaded transaction metadata of ${TRANSACTION_STATE_TOPIC}-${partition} as part of loading it again`);
    this.transactionMetadataCache.set(partition, new TxnMetadataCacheEntry(coordinatorEpoch, loaded));
    const pending: Array<[TransactionResult, TransactionMetadata, TxnTransitMetadata]> = [];
    const now = this.clock.now();
    for (const m of loaded.values()) {
      if (m.state === TransactionState.PrepareAbort) pending.push([TransactionResult.Abort, m, m.prepareComplete(now)]);
      else if (m.state === TransactionState.PrepareCommit) pending.push([TransactionResult.Commit, m, m.prepareComplete(now)]);
    }
    // Loaded first, so that the completions the markers lead to are not refused as loading.
    this.loadingPartitions.delete(partition);
    for (const [result, m, transit] of pending) {
      this.logger.info({ transactionalId: m.transactionalId, partition }, 'sending transaction markers after loading');
      sendTxnMarkers(coordinatorEpoch, result, m, transit);
    }
    this.logger.info({ partition, coordinatorEpoch, transactions: loaded.size, ms: this.clock.now() - started }, `loaded ${TRANSACTION_STATE_TOPIC}-${partition}`);
    return loaded.size;
  }

  private replay(partition: number, r: TxnLogRecord, loaded: Map<string, TransactionMetadata>): void {
    let transactionalId: string | null;
    try {
      transactionalId = readTxnRecordKey(r.key);
    } catch (err) {
      this.logger.error({ err, partition }, `skipping a record of ${TRANSACTION_STATE_TOPIC}-${partition} with an unreadable key`);
      return;
    }
    if (transactionalId === null) {
      this.logger.warn({ partition, keyVersion: r.key.readInt16BE(0) }, `unknown message key version while loading ${TRANSACTION_STATE_TOPIC}-${partition}; ignoring it`);
      return;
    }
    try {
      const m = readTxnRecordValue(transactionalId, r.value);
      if (m === null) loaded.delete(transactionalId);
      else loaded.set(transactionalId, m);
    } catch (err) {
      this.logger.error({ err, partition, transactionalId }, `skipping an unreadable value of ${TRANSACTION_STATE_TOPIC}-${partition}`);
    }
  }

  /**
   * The epoch `partition` is loaded or being loaded at, whichever is newer; -1 when neither
   * (an election at that epoch again has nothing to do).
   */
  heldEpoch(partition: number): number {
    return Math.max(this.loadingPartitions.get(partition) ?? -1, this.transactionMetadataCache.get(partition)?.coordinatorEpoch ?? -1);
  }

  /**
   * This broker no longer leads `partition` (its new leader epoch, when known): forget its
   * transactions, and stop a load under way, unless they are of a newer epoch.
   */
  removeTransactionsForTxnTopicPartition(partition: number, coordinatorEpoch?: number): void {
    const loading = this.loadingPartitions.get(partition);
    if (loading !== undefined && (coordinatorEpoch === undefined || loading <= coordinatorEpoch)) this.loadingPartitions.delete(partition);
    const entry = this.transactionMetadataCache.get(partition);
    if (entry === undefined || (coordinatorEpoch !== undefined && entry.coordinatorEpoch > coordinatorEpoch)) return;
    this.transactionMetadataCache.delete(partition);
    this.logger.info({ partition, coordinatorEpoch }, `unloaded transaction metadata of ${TRANSACTION_STATE_TOPIC}-${partition}`);
  }

  // ---- writing ----------------------------------------------------------------------------------

  /**
   * Writes `newMetadata` (a prepared transition of `transactionalId`) and, once it is committed,
   * applies it. Resolves with NONE or the error the request answers. On an error the pending
   * state is cleared, unless `retryOnError` says the caller will try the same write again.
   */
  async appendTransactionToLog(transactionalId: string, coordinatorEpoch: number, newMetadata: TxnTransitMetadata, retryOnError: (error: number) => boolean = () => false): Promise<number> {
    const before = this.getTransactionState(transactionalId);
    if (before.errorCode !== ErrorCode.NONE) return before.errorCode;
    if (before.metadata === undefined || before.coordinatorEpoch !== coordinatorEpoch) return ErrorCode.NOT_COORDINATOR;
    const record: TxnLogRecord = { key: keyToBytes(transactionalId), value: valueToBytes(newMetadata, this.transactionVersionLevel) };
    let error: number = ErrorCode.NONE;
    try {
      await this.log.append(this.partitionFor(transactionalId), [record], this.clock.now());
    } catch (err) {
      if (err instanceof CoordinatorWriteError) {
        error = appendErrorToTxnError(err.errorCode);
      } else {
        this.logger.error({ err, transactionalId }, `appending to ${TRANSACTION_STATE_TOPIC} failed`);
        error = ErrorCode.UNKNOWN_SERVER_ERROR;
      }
    }
    const after = this.getTransactionState(transactionalId);
    if (error === ErrorCode.NONE) {
      if (after.errorCode !== ErrorCode.NONE) return after.errorCode;
      if (after.metadata === undefined || after.coordinatorEpoch !== coordinatorEpoch) return ErrorCode.NOT_COORDINATOR;
      after.metadata.completeTransitionTo(newMetadata);
      return ErrorCode.NONE;
    }
    if (after.errorCode === ErrorCode.NONE && after.metadata !== undefined && after.coordinatorEpoch === coordinatorEpoch && !retryOnError(error)) {
      after.metadata.pendingState = null;
    }
    this.logger.info({ transactionalId, error, to: stateName(newMetadata.txnState) }, 'appending a transaction state transition failed');
    return error;
  }

  // ---- expiration -------------------------------------------------------------------------------

  /**
   * transactional.id.expiration.ms: ids left Empty, CompleteCommit or CompleteAbort for that
   * long get a tombstone and are forgotten once it is written. Returns how many were removed.
   */
  async removeExpiredTransactionalIds(): Promise<number> {
    const now = this.clock.now();
    const writes: Array<Promise<number>> = [];
    for (const [partition, entry] of this.transactionMetadataCache) {
      let expired: Array<[TransactionMetadata, TxnTransitMetadata]> = [];
      for (const m of entry.metadataPerTransactionalId.values()) {
        if (m.pendingState !== null || !this.shouldExpire(m, now)) continue;
        expired.push([m, m.prepareDead()]);
        if (expired.length === TOMBSTONES_PER_BATCH) {
          writes.push(this.writeTombstones(partition, entry, expired));
          expired = [];
        }
      }
      if (expired.length > 0) writes.push(this.writeTombstones(partition, entry, expired));
    }
    let removed = 0;
    for (const n of await Promise.all(writes)) removed += n;
    return removed;
  }

  private shouldExpire(m: TransactionMetadata, now: number): boolean {
    return isExpirationAllowed(m.state) && m.txnLastUpdateTimestamp <= now - this.config.transactionalIdExpirationMs;
  }

  private async writeTombstones(partition: number, entry: TxnMetadataCacheEntry, expired: Array<[TransactionMetadata, TxnTransitMetadata]>): Promise<number> {
    const records = expired.map(([m]) => ({ key: keyToBytes(m.transactionalId), value: null }));
    let error: number = ErrorCode.NONE;
    try {
      await this.log.append(partition, records, this.clock.now());
    } catch (err) {
      error = err instanceof CoordinatorWriteError ? err.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    let removed = 0;
    const current = this.transactionMetadataCache.get(partition);
    for (const [m, transit] of expired) {
      if (error === ErrorCode.NONE && current === entry && m.pendingState === TransactionState.Dead && m.producerEpoch === transit.producerEpoch) {
        entry.metadataPerTransactionalId.delete(m.transactionalId);
        removed++;
      } else {
        this.logger.warn({ transactionalId: m.transactionalId, error }, 'failed to remove an expired transactional id');
        m.pendingState = null;
      }
    }
    if (removed > 0) this.logger.info({ partition, removed }, 'removed expired transactional ids');
    return removed;
  }
}
