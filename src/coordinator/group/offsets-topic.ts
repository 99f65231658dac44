/**
 * The internal topic __consumer_offsets as the coordinator's log: which partition holds a
 * group (Kafka's `Utils.abs(groupId.hashCode()) % partitions`, with Java's String.hashCode),
 * creating the topic on first use (compacted, `offsets.topic.num.partitions` partitions),
 * appending an operation's records as one batch through the partition's leader as an acks=-1
 * produce (committed once the ISR has it, within `offsets.commit.timeout.ms`), and reading a
 * partition back when this broker becomes its leader.
 * TxnOffsetCommit's records go in a transactional batch of their producer; the transaction's
 * end marker on the same partition commits or drops them (Kafka's OffsetMetadataManager).
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ControlRecordType, controlRecordType, parseControlRecordKey } from '../../protocol/records/control.js';
import { InternalTopicCreator, readPartition, type CoordinatorTopicHost } from '../coordinator-topic.js';
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

/** What the offsets topic needs from the broker that hosts it (the coordinators' shared host). */
export type OffsetsTopicHost = CoordinatorTopicHost;

/** Read size while loading; one batch larger than this is still read whole. */
const LOAD_READ_BYTES = 1 << 20;

export class OffsetsTopic implements RecordSink {
  private readonly host: OffsetsTopicHost;
  private readonly config: GroupConfig;
  private readonly clock: Clock;
  private readonly creator: InternalTopicCreator;
  /** Partition → the latest append still waiting for its fsync. */
  private readonly unflushed = new Map<number, Promise<void>>();

  constructor(host: OffsetsTopicHost, config: GroupConfig, clock: Clock) {
    this.host = host;
    this.config = config;
    this.clock = clock;
    this.creator = new InternalTopicCreator(host, OFFSETS_TOPIC, config.offsetsTopicNumPartitions, config.offsetsTopicReplicationFactor, () => ({
      'cleanup.policy': 'compact',
      'compression.type': 'producer',
      'segment.bytes': String(config.offsetsTopicSegmentBytes),
    }));
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
    return this.creator.ensure();
  }

  /** The partitions this broker has become the leader of, with their leader epochs (the coordinator epochs). */
  ownedPartitions(): OwnedOffsetsPartition[] {
    return this.host.ledPartitions(OFFSETS_TOPIC).map((p) => ({ partition: p.partition, coordinatorEpoch: p.leaderEpoch }));
  }

  append(groupId: string, records: readonly CoordinatorRecord[]): Promise<void> | null {
    return this.appendBatch(groupId, records, null, null);
  }

  /** TxnOffsetCommit: the records as a transactional batch of the producer (no sequence, as Kafka's coordinator writes it). */
  appendTransactional(groupId: string, records: readonly CoordinatorRecord[], producerId: number, producerEpoch: number, verificationGuard: number | null = null): Promise<void> | null {
    return this.appendBatch(groupId, records, { producerId, producerEpoch }, verificationGuard);
  }

  private appendBatch(groupId: string, records: readonly CoordinatorRecord[], producer: { producerId: number; producerEpoch: number } | null, verificationGuard: number | null): Promise<void> | null {
    if (records.length === 0) return null;
    const topic = this.host.topic(OFFSETS_TOPIC);
    if (topic === undefined) throw new CoordinatorWriteError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${OFFSETS_TOPIC} does not exist`);
    const partition = partitionFor(groupId, topic.partitions.length);
    // As a produce with acks=-1: committed once the partition's ISR has it.
    const batch = encodeRecordBatch(records, this.clock.now(), producer);
    const done = this.host.appendAsCoordinator(OFFSETS_TOPIC, partition, batch, this.config.offsetCommitTimeoutMs, verificationGuard);
    if (done === null) return null;
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
   * Reads `partition` from its log start to its end and hands each record to `replay`, in log
   * order, with the producer id of its batch (-1 outside transactions); a transaction marker
   * goes to `onMarker` with its partition. A record that cannot be read is logged and skipped.
   */
  async loadPartition(partition: number, replay: ReplayRecord, onMarker: ReplayMarker): Promise<number> {
    const log = this.host.getLog(OFFSETS_TOPIC, partition);
    if (log === undefined || log.isOffline) {
      this.host.logger.warn({ partition }, `attempted to load ${OFFSETS_TOPIC}-${partition}, but found no log`);
      return 0;
    }
    return this.readPartition(log, replay, onMarker);
  }

  private async readPartition(log: PartitionLog, replay: ReplayRecord, onMarker: ReplayMarker): Promise<number> {
    let count = 0;
    await readPartition(log, LOAD_READ_BYTES, this.host.logger, OFFSETS_TOPIC, everyBatch, (r, batch) => {
      try {
        if (batch.isControl) {
          const type = controlRecordType(parseControlRecordKey(r.key).type);
          if (type === ControlRecordType.Commit || type === ControlRecordType.Abort) onMarker(log.partition, batch.producerId, type === ControlRecordType.Commit);
          return;
        }
        const record = decodeRecord(r.key, r.value, r.offset);
        if (record !== null) {
          replay(record, batch.isTransactional ? batch.producerId : -1);
          count++;
        }
      } catch (err) {
        this.host.logger.error({ err, partition: log.partition, offset: r.offset }, `skipping unreadable record of ${OFFSETS_TOPIC}`);
      }
    });
    return count;
  }
}

/** A partition of __consumer_offsets this broker leads, with its leader epoch (the coordinator epoch of its groups). */
export interface OwnedOffsetsPartition {
  partition: number;
  coordinatorEpoch: number;
}

/** A record read back, with its batch's producer id when the batch is transactional (else -1). */
export type ReplayRecord = (r: CoordinatorRecord, producerId: number) => void;
/** A transaction marker read back: the producer's pending offsets on `partition` are committed or dropped. */
export type ReplayMarker = (partition: number, producerId: number, commit: boolean) => void;

function everyBatch(): boolean {
  return true;
}
