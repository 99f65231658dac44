/**
 * `__transaction_state` on the broker's partition logs (a TransactionStateLog): created on
 * first use as Kafka creates it (compacted, uncompressed, transaction.state.log.* settings),
 * each write one uncompressed batch committed before the coordinator applies it (the high
 * watermark; an fsync first when the flush policy wants one), and every partition read back
 * from its log start when the coordinator loads it.
 *
 * It needs from its broker what the group coordinator's offsets topic needs
 * (TransactionStateTopicHost has the members of OffsetsTopicHost, so one host serves both).
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ATTRIBUTES_OFFSET, CONTROL_MASK } from '../../protocol/records/batch-header.js';
import { appendAndCommit, InternalTopicCreator, readPartition, type CoordinatorTopicHost } from '../coordinator-topic.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { CoordinatorWriteError } from '../group/sink.js';
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
    const out: OwnedTxnPartition[] = [];
    for (const p of this.host.topic(TRANSACTION_STATE_TOPIC)?.partitions ?? []) {
      if (p.leader === this.host.nodeId) out.push({ partition: p.partition, coordinatorEpoch: p.leaderEpoch });
    }
    return out;
  }

  private logFor(partition: number): { log: PartitionLog; leaderEpoch: number } {
    const meta = this.host.topic(TRANSACTION_STATE_TOPIC)?.partitions[partition];
    if (meta === undefined) throw new CoordinatorWriteError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${TRANSACTION_STATE_TOPIC}-${partition} does not exist`);
    if (meta.leader !== this.host.nodeId) throw new CoordinatorWriteError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `this broker does not lead ${TRANSACTION_STATE_TOPIC}-${partition}`);
    const log = this.host.getLog(TRANSACTION_STATE_TOPIC, partition);
    if (log === undefined || log.isOffline || log.isClosed) {
      throw new CoordinatorWriteError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${TRANSACTION_STATE_TOPIC}-${partition} is not available`);
    }
    return { log, leaderEpoch: meta.leaderEpoch };
  }

  async append(partition: number, records: readonly TxnLogRecord[], timestamp: number): Promise<void> {
    const { log, leaderEpoch } = this.logFor(partition);
    await appendAndCommit(log, encodeTxnLogBatch(records, timestamp), leaderEpoch, TRANSACTION_STATE_TOPIC);
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
