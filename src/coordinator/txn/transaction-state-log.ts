/**
 * Where the transaction coordinator's records go and come back from: the partitions of
 * `__transaction_state` (transaction-state-topic.ts writes them to the broker's logs), or a
 * list in unit tests. The coordinator encodes and decodes the records itself
 * (transaction-log.ts), so whatever implements this moves bytes only.
 */
import type { TxnLogRecord } from './transaction-log.js';

/** A partition this broker leads, with its leader epoch: the coordinator epoch of its transactions. */
export interface OwnedTxnPartition {
  partition: number;
  coordinatorEpoch: number;
}

export interface TransactionStateLog {
  /** The topic's partition count once it exists, transaction.state.log.num.partitions before. */
  numPartitions(): number;
  /** Creates the topic if it does not exist yet (Kafka does so on the first FindCoordinator); null when it exists. */
  ensure(): Promise<void> | null;
  /** The partitions this broker leads now. */
  ownedPartitions(): OwnedTxnPartition[];
  /**
   * Appends `records` as one batch to `partition`; resolves once they are committed. Rejects
   * with a CoordinatorWriteError carrying the append's error code (NOT_LEADER_OR_FOLLOWER,
   * NOT_ENOUGH_REPLICAS, KAFKA_STORAGE_ERROR, ...), which the coordinator maps as Kafka does.
   */
  append(partition: number, records: readonly TxnLogRecord[], timestamp: number): Promise<void>;
  /** Hands every record of `partition`, from its log start to its end, to `replay`, in order. */
  load(partition: number, replay: (r: TxnLogRecord) => void): Promise<void>;
}
