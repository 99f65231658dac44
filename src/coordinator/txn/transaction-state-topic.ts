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
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ATTRIBUTES_OFFSET, CONTROL_MASK, LAST_OFFSET_DELTA_OFFSET } from '../../protocol/records/batch-header.js';
import { decodeBatch } from '../../protocol/records/decode.js';
import { batchBaseOffset } from '../../protocol/records/header.js';
import { BatchCursor } from '../../protocol/records/iterator.js';
import { isStorageError } from '../../storage/errors.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { CoordinatorWriteError } from '../group/sink.js';
import type { TransactionConfig } from './transaction-config.js';
import { encodeTxnLogBatch, TRANSACTION_STATE_TOPIC, type TxnLogRecord } from './transaction-log.js';
import type { OwnedTxnPartition, TransactionStateLog } from './transaction-state-log.js';

export interface TransactionStateTopicHost {
  readonly nodeId: number;
  readonly logger: Logger;
  /** The topic's partitions with their leaders, or undefined when it does not exist. */
  topic(name: string): { partitions: readonly { partition: number; leader: number; leaderEpoch: number }[] } | undefined;
  brokerCount(): number;
  getLog(topic: string, partition: number): PartitionLog | undefined;
  /** Creates an internal topic; the message says why not when it could not. */
  createInternalTopic(name: string, partitions: number, replicationFactor: number, configs: Record<string, string>):
    Promise<{ ok: true; partitions: number } | { ok: false; message: string }>;
}

export class TransactionStateTopic implements TransactionStateLog {
  private readonly host: TransactionStateTopicHost;
  private readonly config: TransactionConfig;
  private creating: Promise<void> | null = null;

  constructor(host: TransactionStateTopicHost, config: TransactionConfig) {
    this.host = host;
    this.config = config;
  }

  numPartitions(): number {
    return this.host.topic(TRANSACTION_STATE_TOPIC)?.partitions.length ?? this.config.transactionLogNumPartitions;
  }

  ensure(): Promise<void> | null {
    if (this.host.topic(TRANSACTION_STATE_TOPIC) !== undefined) return null;
    this.creating ??= this.create().finally(() => {
      this.creating = null;
    });
    return this.creating;
  }

  /** Kafka's transactionTopicConfigs: compacted, uncompressed, no unclean election. */
  private async create(): Promise<void> {
    const rf = Math.max(1, Math.min(this.config.transactionLogReplicationFactor, this.host.brokerCount()));
    const r = await this.host.createInternalTopic(TRANSACTION_STATE_TOPIC, this.config.transactionLogNumPartitions, rf, {
      'cleanup.policy': 'compact',
      'compression.type': 'uncompressed',
      'unclean.leader.election.enable': 'false',
      'min.insync.replicas': String(Math.min(this.config.transactionLogMinInsyncReplicas, rf)),
      'segment.bytes': String(this.config.transactionLogSegmentBytes),
    });
    if (r.ok) {
      this.host.logger.info({ partitions: r.partitions, replicationFactor: rf }, `created ${TRANSACTION_STATE_TOPIC}`);
    } else if (this.host.topic(TRANSACTION_STATE_TOPIC) === undefined) {
      throw new CoordinatorWriteError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `cannot create ${TRANSACTION_STATE_TOPIC}: ${r.message}`);
    }
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
    let durable: Promise<void> | null;
    try {
      durable = log.append(encodeTxnLogBatch(records, timestamp), { leaderEpoch }).durable;
    } catch (err) {
      if (isStorageError(err)) throw new CoordinatorWriteError(err.errorCode >= 0 ? err.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR, err.message, { cause: err });
      throw err;
    }
    // A single replica: the record is committed once it is in the log.
    log.maybeIncrementHighWatermark(log.logEndOffset);
    if (durable === null) return;
    try {
      await durable;
    } catch (err) {
      throw new CoordinatorWriteError(ErrorCode.KAFKA_STORAGE_ERROR, `flushing ${TRANSACTION_STATE_TOPIC}-${partition} failed`, { cause: err });
    }
  }

  /** Reads the partition from its log start; control batches are skipped, an unreadable batch is logged and skipped. */
  async load(partition: number, replay: (r: TxnLogRecord) => void): Promise<void> {
    const log = this.host.getLog(TRANSACTION_STATE_TOPIC, partition);
    if (log === undefined || log.isOffline) {
      this.host.logger.warn({ partition }, `attempted to load ${TRANSACTION_STATE_TOPIC}-${partition}, but found no log`);
      return;
    }
    const cursor = new BatchCursor(Buffer.alloc(0));
    let offset = log.logStartOffset;
    const end = log.logEndOffset;
    const readBytes = this.config.transactionLogLoadBufferSize;
    while (offset < end) {
      const { records } = log.read(offset, readBytes, { isolation: 'logEnd', minOneMessage: true });
      if (records.length === 0) break;
      cursor.reset(records);
      let advanced = false;
      while (cursor.next()) {
        const at = cursor.offset;
        const next = batchBaseOffset(records, at) + records.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET) + 1;
        if ((records.readInt16BE(at + ATTRIBUTES_OFFSET) & CONTROL_MASK) === 0) {
          let batch;
          try {
            batch = await decodeBatch(records, at, at + cursor.size);
          } catch (err) {
            this.host.logger.error({ err, partition, offset: batchBaseOffset(records, at) }, `skipping unreadable batch of ${TRANSACTION_STATE_TOPIC}`);
            batch = null;
          }
          for (const r of batch?.records ?? []) {
            if (r.offset < offset) continue;
            if (r.key === null) {
              this.host.logger.error({ partition, offset: r.offset }, `skipping a record without a key in ${TRANSACTION_STATE_TOPIC}`);
              continue;
            }
            replay({ key: r.key, value: r.value });
          }
        }
        if (next > offset) {
          offset = next;
          advanced = true;
        }
      }
      if (!advanced) break;
    }
  }
}
