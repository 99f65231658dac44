/**
 * The transaction coordinator's settings, by Kafka's broker config names (Kafka's
 * TransactionConfig, from TransactionStateManagerConfig and TransactionLogConfig), read once
 * at start-up.
 */
import { TransactionVersion } from './transaction-state.js';

export interface TransactionConfig {
  /** transactional.id.expiration.ms: an idle id (Empty or Complete*) is forgotten after this. */
  transactionalIdExpirationMs: number;
  /** transaction.max.timeout.ms: the largest transaction.timeout.ms a producer may ask for. */
  transactionMaxTimeoutMs: number;
  /** transaction.state.log.num.partitions, used until __transaction_state exists. */
  transactionLogNumPartitions: number;
  /** transaction.state.log.replication.factor (capped at the brokers there are). */
  transactionLogReplicationFactor: number;
  /** transaction.state.log.segment.bytes. */
  transactionLogSegmentBytes: number;
  /** transaction.state.log.load.buffer.size: read size while loading. */
  transactionLogLoadBufferSize: number;
  /** transaction.state.log.min.isr. */
  transactionLogMinInsyncReplicas: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms. */
  abortTimedOutTransactionsIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms. */
  removeExpiredTransactionalIdsIntervalMs: number;
  /**
   * The finalized transaction.version feature level (Kafka 4.x finalizes 2 on a new cluster),
   * read at each use as Kafka's TransactionStateManager reads the metadata cache's features.
   */
  readonly transactionVersionLevel: TransactionVersion;
  /** request.timeout.ms: how long a __transaction_state write waits for the ISR of its partition. */
  requestTimeoutMs: number;
  /** How long a failed marker write or completion append waits before it is tried again. */
  markerRetryBackoffMs: number;
}

/** Typed access to settings by Kafka's names (the broker's config implements it). */
export interface TransactionConfigValues {
  int(name: string): number;
}

/** Kafka's retry.backoff.ms default, which its inter-broker marker channel waits between attempts. */
export const MARKER_RETRY_BACKOFF_MS = 100;

/** The settings, with the transaction version read from `transactionVersionLevel` at each use (an UpdateFeatures changes it). */
export function transactionConfigFrom(config: TransactionConfigValues, transactionVersionLevel: () => TransactionVersion): TransactionConfig {
  return {
    transactionalIdExpirationMs: config.int('transactional.id.expiration.ms'),
    transactionMaxTimeoutMs: config.int('transaction.max.timeout.ms'),
    transactionLogNumPartitions: config.int('transaction.state.log.num.partitions'),
    transactionLogReplicationFactor: config.int('transaction.state.log.replication.factor'),
    transactionLogSegmentBytes: config.int('transaction.state.log.segment.bytes'),
    transactionLogLoadBufferSize: config.int('transaction.state.log.load.buffer.size'),
    transactionLogMinInsyncReplicas: config.int('transaction.state.log.min.isr'),
    abortTimedOutTransactionsIntervalMs: config.int('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
    removeExpiredTransactionalIdsIntervalMs: config.int('transaction.remove.expired.transaction.cleanup.interval.ms'),
    get transactionVersionLevel() {
      return transactionVersionLevel();
    },
    requestTimeoutMs: config.int('request.timeout.ms'),
    markerRetryBackoffMs: MARKER_RETRY_BACKOFF_MS,
  };
}

/** Kafka's defaults, for tests that build a coordinator without a broker. */
export function defaultTransactionConfig(overrides: Partial<TransactionConfig> = {}): TransactionConfig {
  return {
    transactionalIdExpirationMs: 604_800_000,
    transactionMaxTimeoutMs: 900_000,
    transactionLogNumPartitions: 50,
    transactionLogReplicationFactor: 3,
    transactionLogSegmentBytes: 104_857_600,
    transactionLogLoadBufferSize: 5_242_880,
    transactionLogMinInsyncReplicas: 2,
    abortTimedOutTransactionsIntervalMs: 10_000,
    removeExpiredTransactionalIdsIntervalMs: 3_600_000,
    transactionVersionLevel: TransactionVersion.TV2,
    requestTimeoutMs: 30_000,
    markerRetryBackoffMs: MARKER_RETRY_BACKOFF_MS,
    ...overrides,
  };
}
