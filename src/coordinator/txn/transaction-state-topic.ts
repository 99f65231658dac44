/**
 * `__transaction_state` on the broker's partition logs (a TransactionStateLog): created on
 * first use as Kafka creates it (compacted, uncompressed, transaction.state.log.* settings),
 * each write one uncompressed batch appended by the partition's leader as an acks=-1 produce
 * (committed once the ISR has it, at least transaction.state.log.min.isr replicas) before the
 * coordinator applies it, and every partition read back from its log start when the
 * coordinator loads it.
 *
 * It needs from its broker what the group coordinator's offsets topic needs
 * (TransactionStateTopicHost has the members of OffsetsTopicHost, so one host serves both).
 */
import { ATTRIBUTES_OFFSET, CONTROL_MASK } from '../../protocol/records/batch-header.js';
import { InternalTopicCreator, readPartition, type CoordinatorTopicHost } from '../coordinator-topic.js';
import type { TransactionConfig } from './transaction-config.js';
import { encodeTxnLogBatch, TRANSACTION_STATE_TOPIC, type TxnLogRecord } from './transaction-log.js';
import type { OwnedTxnPartition, TransactionStateLog } from './transaction-state-log.js';

/** What the transaction log needs from its broker: the coordinators' shared host. */
export type TransactionStateTopicHost = CoordinatorTopicHost;

export class TransactionStateTopic implements TransactionStateLog {
  private readonly host: TransactionStateTopicHost;
  private readonly config: TransactionConfig;
  private readonly creator: InternalTopicCreator;

  constructor(host: TransactionStateTopicHost, config: TransactionConfig) {
    this.host = host;
    this.config = config;
    // Kafka's transactionTopicConfigs: compacted, uncompressed, no unclean election.
    this.creator = new InternalTopicCreator(host, TRANSACTION_STATE_TOPIC, config.transactionLogNumPartitions, config.transactionLogReplicationFactor, (rf) => ({
      'cleanup.policy': 'compact',
      'compression.type': 'uncompressed',
      'unclean.leader.election.enable': 'false',
      'min.insync.replicas': String(Math.min(config.transactionLogMinInsyncReplicas, rf)),
      'segment.bytes': String(config.transactionLogSegmentBytes),
    }));
  }

  numPartitions(): number {
    return this.host.topic(TRANSACTION_STATE_TOPIC)?.partitions.length ?? this.config.transactionLogNumPartitions;
  }

  ensure(): Promise<void> | null {
    return this.creator.ensure();
  }

  ownedPartitions(): OwnedTxnPartition[] {
    return this.host.ledPartitions(TRANSACTION_STATE_TOPIC).map((p) => ({ partition: p.partition, coordinatorEpoch: p.leaderEpoch }));
  }

  /** Appended as the partition's leader with acks=-1; the host refuses it when this broker does not lead the partition. */
  async append(partition: number, records: readonly TxnLogRecord[], timestamp: number): Promise<void> {
    await this.host.appendAsCoordinator(TRANSACTION_STATE_TOPIC, partition, encodeTxnLogBatch(records, timestamp), this.config.requestTimeoutMs);
  }

  /** Reads the partition from its log start; control batches are skipped, an unreadable batch is logged and skipped. */
  async load(partition: number, replay: (r: TxnLogRecord) => void): Promise<void> {
    const log = this.host.getLog(TRANSACTION_STATE_TOPIC, partition);
    if (log === undefined || log.isOffline) {
      this.host.logger.warn({ partition }, `attempted to load ${TRANSACTION_STATE_TOPIC}-${partition}, but found no log`);
      return;
    }
    await readPartition(log, this.config.transactionLogLoadBufferSize, this.host.logger, TRANSACTION_STATE_TOPIC, isDataBatch, (r) => {
      if (r.key === null) {
        this.host.logger.error({ partition, offset: r.offset }, `skipping a record without a key in ${TRANSACTION_STATE_TOPIC}`);
        return;
      }
      replay({ key: r.key, value: r.value });
    });
  }
}

function isDataBatch(records: Buffer, at: number): boolean {
  return (records.readInt16BE(at + ATTRIBUTES_OFFSET) & CONTROL_MASK) === 0;
}
