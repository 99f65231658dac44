/**
 * The internal topic __consumer_offsets as the coordinator's log: which partition holds a
 * group (Kafka's `Utils.abs(groupId.hashCode()) % partitions`, with Java's String.hashCode),
 * creating the topic on first use (compacted, `offsets.topic.num.partitions` partitions),
 * appending an operation's records as one batch and committing it (the high watermark; an
 * fsync first when the flush policy wants one), and reading everything back at start-up.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { CONTROL_MASK, ATTRIBUTES_OFFSET, LAST_OFFSET_DELTA_OFFSET, PRODUCER_ID_OFFSET } from '../../protocol/records/batch-header.js';
import { decodeBatch } from '../../protocol/records/decode.js';
import { batchBaseOffset, readInt64Number } from '../../protocol/records/header.js';
import { BatchCursor } from '../../protocol/records/iterator.js';
import { isStorageError } from '../../storage/errors.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import type { Clock } from '../../storage/clock.js';
import type { GroupConfig } from './config.js';
import { decodeRecord, encodeRecordBatch, type CoordinatorRecord } from './records.js';
import { CoordinatorWriteError, type RecordSink } from './sink.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** Java's String.hashCode: over UTF-16 code units, wrapping at 32 bits. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The partition of __consumer_offsets that holds `groupId` (Kafka's Utils.abs maps MIN_VALUE to 0). */
export function partitionFor(groupId: string, numPartitions: number): number {
  const h = javaStringHashCode(groupId);
  return (h === -2147483648 ? 0 : Math.abs(h)) % numPartitions;
}

/**
 * What the offsets topic needs from the broker that hosts it. The broker implements it
 * (src/broker/group-coordinator-host.ts), so the coordinator does not depend on the broker.
 */
export interface OffsetsTopicHost {
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

/** Read size while loading; one batch larger than this is still read whole. */
const LOAD_READ_BYTES = 1 << 20;

export class OffsetsTopic implements RecordSink {
  private readonly host: OffsetsTopicHost;
  private readonly config: GroupConfig;
  private readonly clock: Clock;
  private creating: Promise<void> | null = null;
  /** Partition → the latest append still waiting for its fsync. */
  private readonly unflushed = new Map<number, Promise<void>>();

  constructor(host: OffsetsTopicHost, config: GroupConfig, clock: Clock) {
    this.host = host;
    this.config = config;
    this.clock = clock;
  }

  /** The topic's partition count once it exists, `offsets.topic.num.partitions` before. */
  get numPartitions(): number {
    return this.host.topic(OFFSETS_TOPIC)?.partitions.length ?? this.config.offsetsTopicNumPartitions;
  }

  partitionFor(groupId: string): number {
    return partitionFor(groupId, this.numPartitions);
  }

  /**
   * Creates the topic if it does not exist yet, as Kafka does on first use: compacted,
   * compression as produced, `offsets.topic.segment.bytes` segments, and as many replicas as
   * `offsets.topic.replication.factor` asks for and there are brokers. Null when it exists.
   */
  ensure(): Promise<void> | null {
    if (this.host.topic(OFFSETS_TOPIC) !== undefined) return null;
    this.creating ??= this.create().finally(() => {
      this.creating = null;
    });
    return this.creating;
  }

  private async create(): Promise<void> {
    const rf = Math.max(1, Math.min(this.config.offsetsTopicReplicationFactor, this.host.brokerCount()));
    const r = await this.host.createInternalTopic(OFFSETS_TOPIC, this.config.offsetsTopicNumPartitions, rf, {
      'cleanup.policy': 'compact',
      'compression.type': 'producer',
      'segment.bytes': String(this.config.offsetsTopicSegmentBytes),
    });
    if (r.ok) {
      this.host.logger.info({ partitions: r.partitions, replicationFactor: rf }, `created ${OFFSETS_TOPIC}`);
    } else if (this.host.topic(OFFSETS_TOPIC) === undefined) {
      throw new CoordinatorWriteError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `cannot create ${OFFSETS_TOPIC}: ${r.message}`);
    }
  }

  private logFor(groupId: string): { log: PartitionLog; partition: number; leaderEpoch: number } {
    const topic = this.host.topic(OFFSETS_TOPIC);
    if (topic === undefined) throw new CoordinatorWriteError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${OFFSETS_TOPIC} does not exist`);
    const partition = partitionFor(groupId, topic.partitions.length);
    const meta = topic.partitions[partition];
    if (meta === undefined || meta.leader !== this.host.nodeId) {
      throw new CoordinatorWriteError(ErrorCode.NOT_COORDINATOR, `this broker does not lead ${OFFSETS_TOPIC}-${partition}`);
    }
    const log = this.host.getLog(OFFSETS_TOPIC, partition);
    if (log === undefined || log.isOffline || log.isClosed) {
      throw new CoordinatorWriteError(ErrorCode.NOT_COORDINATOR, `${OFFSETS_TOPIC}-${partition} is not available`);
    }
    return { log, partition, leaderEpoch: meta.leaderEpoch };
  }

  append(groupId: string, records: readonly CoordinatorRecord[]): Promise<void> | null {
    if (records.length === 0) return null;
    const { log, partition, leaderEpoch } = this.logFor(groupId);
    const batch = encodeRecordBatch(records, this.clock.now());
    let durable: Promise<void> | null;
    try {
      durable = log.append(batch, { leaderEpoch }).durable;
    } catch (err) {
      if (isStorageError(err)) throw new CoordinatorWriteError(err.errorCode >= 0 ? err.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR, err.message, { cause: err });
      throw err;
    }
    // A single replica: the record is committed once it is in the log.
    log.maybeIncrementHighWatermark(log.logEndOffset);
    if (durable === null) return null;
    const done = durable.catch((err: unknown) => {
      throw new CoordinatorWriteError(ErrorCode.KAFKA_STORAGE_ERROR, `flushing ${OFFSETS_TOPIC}-${partition} failed`, { cause: err });
    });
    this.unflushed.set(partition, done);
    const forget = () => {
      if (this.unflushed.get(partition) === done) this.unflushed.delete(partition);
    };
    done.then(forget, forget);
    return done;
  }

  pending(groupId: string): Promise<void> | null {
    if (this.unflushed.size === 0) return null;
    return this.unflushed.get(this.partitionFor(groupId)) ?? null;
  }

  /**
   * Reads every partition from its log start to its end and hands each record to `replay`,
   * in log order. Control batches are skipped, and so are transactional ones: there are no
   * transactional offset commits yet. A record that cannot be read is logged and skipped.
   */
  async load(replay: (r: CoordinatorRecord) => void): Promise<number> {
    const topic = this.host.topic(OFFSETS_TOPIC);
    if (topic === undefined) return 0;
    let count = 0;
    for (const p of topic.partitions) {
      const log = this.host.getLog(OFFSETS_TOPIC, p.partition);
      if (log === undefined || log.isOffline) continue;
      count += await this.loadPartition(log, replay);
    }
    return count;
  }

  private async loadPartition(log: PartitionLog, replay: (r: CoordinatorRecord) => void): Promise<number> {
    const cursor = new BatchCursor(Buffer.alloc(0));
    let offset = log.logStartOffset;
    const end = log.logEndOffset;
    let count = 0;
    while (offset < end) {
      const { records } = log.read(offset, LOAD_READ_BYTES, { isolation: 'logEnd', minOneMessage: true });
      if (records.length === 0) break;
      cursor.reset(records);
      let advanced = false;
      while (cursor.next()) {
        const at = cursor.offset;
        const next = batchBaseOffset(records, at) + records.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET) + 1;
        const attributes = records.readInt16BE(at + ATTRIBUTES_OFFSET);
        const transactional = readInt64Number(records, at + PRODUCER_ID_OFFSET) >= 0;
        if ((attributes & CONTROL_MASK) === 0 && !transactional) {
          let batch;
          try {
            batch = await decodeBatch(records, at, at + cursor.size);
          } catch (err) {
            this.host.logger.error({ err, partition: log.partition, offset: batchBaseOffset(records, at) }, `skipping unreadable batch of ${OFFSETS_TOPIC}`);
            batch = null;
          }
          for (const r of batch?.records ?? []) {
            if (r.offset < offset) continue;
            try {
              const record = decodeRecord(r.key, r.value, r.offset);
              if (record !== null) {
                replay(record);
                count++;
              }
            } catch (err) {
              this.host.logger.error({ err, partition: log.partition, offset: r.offset }, `skipping unreadable record of ${OFFSETS_TOPIC}`);
            }
          }
        }
        if (next > offset) {
          offset = next;
          advanced = true;
        }
      }
      if (!advanced) break;
    }
    return count;
  }
}
