/**
 * How the coordinator gets a transaction's markers written: it hands a TxnMarkerEntry (Kafka's
 * WriteTxnMarkers entry: producer id and epoch, coordinator epoch, commit or abort, and the
 * partitions) to a TxnMarkerWriter, which writes an end-transaction control batch to each
 * partition (on a leader elsewhere: a WriteTxnMarkers request) and says, per partition, how it
 * went. The broker implements it; the coordinator retries what failed
 * (transaction-marker-channel-manager.ts).
 */
import type { TopicPartition } from './topic-partitions.js';
import type { TransactionResult, TransactionVersion } from './transaction-state.js';

export interface TxnMarkerEntry {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly result: TransactionResult;
  /** The transaction version the transaction ran with (partitions check TV2 markers' epochs strictly). */
  readonly transactionVersion: TransactionVersion;
  readonly partitions: readonly TopicPartition[];
}

export interface TxnMarkerPartitionResult {
  topic: string;
  partition: number;
  /** NONE when the marker is written; otherwise the error of its WriteTxnMarkers partition. */
  errorCode: number;
}

export interface TxnMarkerWriter {
  /**
   * False when the partition no longer exists (its topic was deleted, or it has no leader the
   * metadata knows): its marker is skipped, as Kafka skips partitions whose leader it cannot
   * find. Asked before every attempt.
   */
  hasPartition(topic: string, partition: number): boolean;
  /**
   * Writes the marker to each partition of `entry`. Resolves with a result for each partition
   * (a partition left out is tried again); a rejection means nothing is known to be written,
   * and every partition is tried again.
   */
  writeMarkers(entry: TxnMarkerEntry): Promise<readonly TxnMarkerPartitionResult[]>;
}
