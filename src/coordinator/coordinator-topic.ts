/**
 * What the group and transaction coordinators share about their internal topics
 * (__consumer_offsets, __transaction_state) on the broker's partition logs: the host they get
 * them from, creating the topic once on first use (its replication factor lowered, with a
 * warning, to the live brokers), and reading a partition back from its log start at load.
 * Appends go through the host as acks=-1 produces of the partition's leader.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/generated/errors.js';
import { LAST_OFFSET_DELTA_OFFSET } from '../protocol/records/batch-header.js';
import { decodeBatch } from '../protocol/records/decode.js';
import { batchBaseOffset } from '../protocol/records/header.js';
import { BatchCursor } from '../protocol/records/iterator.js';
import type { DecodedBatch } from '../protocol/records/decode.js';
import type { DecodedRecord } from '../protocol/records/record.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { CoordinatorWriteError } from './group/sink.js';

/** A partition of a coordinator's topic as the metadata gives it. */
export interface CoordinatorPartitionInfo {
  partition: number;
  leader: number;
  leaderEpoch: number;
}

/**
 * What a coordinator's topic needs from the broker that hosts it. The broker implements it
 * (src/broker/group-coordinator-host.ts), so the coordinators do not depend on the broker.
 */
export interface CoordinatorTopicHost {
  readonly nodeId: number;
  readonly logger: Logger;
  /** The topic's partitions with their leaders, or undefined when it does not exist. */
  topic(name: string): { partitions: readonly CoordinatorPartitionInfo[] } | undefined;
  /**
   * The partitions of the topic this broker has become the leader of (in a cluster, once its
   * replica manager made it leader): the ones its coordinator loads at start-up and after
   * creating the topic. Later changes come as elections and resignations.
   */
  ledPartitions(name: string): CoordinatorPartitionInfo[];
  /** Live brokers (those that can hold a replica of a new topic). */
  brokerCount(): number;
  getLog(topic: string, partition: number): PartitionLog | undefined;
  /** Creates an internal topic; the message says why not when it could not. */
  createInternalTopic(name: string, partitions: number, replicationFactor: number, configs: Record<string, string>):
    Promise<{ ok: true; partitions: number } | { ok: false; message: string }>;
  /**
   * Appends a coordinator's batch to `partition` as its leader, as a produce with acks=-1
   * (Kafka's coordinators write with requiredAcks -1): refused before the append with a
   * CoordinatorWriteError carrying the produce error (NOT_LEADER_OR_FOLLOWER,
   * NOT_ENOUGH_REPLICAS, KAFKA_STORAGE_ERROR, ...), thrown synchronously; once appended, null
   * when it is committed already, else a promise that settles when the ISR has it (and the
   * flush policy's fsync is done), rejecting with NOT_ENOUGH_REPLICAS_AFTER_APPEND,
   * REQUEST_TIMED_OUT or NOT_LEADER_OR_FOLLOWER after `timeoutMs` or a leader change.
   * `verificationGuard`: a transactional write verified by a transaction coordinator on
   * another broker brings the guard its verification took (refused with INVALID_TXN_STATE
   * when a marker spent it meanwhile).
   */
  appendAsCoordinator(topic: string, partition: number, batch: Buffer, timeoutMs: number, verificationGuard?: number | null): Promise<void> | null;
}

/**
 * Creates an internal topic on first use, as Kafka does, once however many callers ask at the
 * same time: `partitions` partitions, as many replicas as `replicationFactor` asks for and
 * there are brokers, and the configs `configs` gives for that replication factor.
 */
export class InternalTopicCreator {
  private creating: Promise<void> | null = null;

  constructor(
    private readonly host: CoordinatorTopicHost,
    readonly name: string,
    private readonly partitions: number,
    private readonly replicationFactor: number,
    private readonly configs: (replicationFactor: number) => Record<string, string>,
  ) {}

  /** Null when the topic exists; else the creation under way. */
  ensure(): Promise<void> | null {
    if (this.host.topic(this.name) !== undefined) return null;
    this.creating ??= this.create().finally(() => {
      this.creating = null;
    });
    return this.creating;
  }

  private async create(): Promise<void> {
    const brokers = this.host.brokerCount();
    const rf = Math.max(1, Math.min(this.replicationFactor, brokers));
    // Kafka refuses a replication factor above the live brokers; for development clusters it
    // lowers it instead, with this warning.
    if (rf < this.replicationFactor) {
      this.host.logger.warn({ configured: this.replicationFactor, liveBrokers: brokers, replicationFactor: rf }, `${this.name}: fewer live brokers than the configured replication factor; creating it with ${rf}`);
    }
    const r = await this.host.createInternalTopic(this.name, this.partitions, rf, this.configs(rf));
    if (r.ok) {
      this.host.logger.info({ partitions: r.partitions, replicationFactor: rf }, `created ${this.name}`);
    } else if (this.host.topic(this.name) === undefined) {
      throw new CoordinatorWriteError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `cannot create ${this.name}: ${r.message}`);
    }
  }
}

/**
 * Reads a coordinator topic's partition from its log start to its end, `readBytes` at a time
 * (one larger batch is still read whole), and hands each record of the batches `wanted`
 * accepts to `onRecord` with its batch (producer id, control and transactional flags), in log
 * order. An unreadable batch is logged and skipped.
 */
export async function readPartition(
  log: PartitionLog,
  readBytes: number,
  logger: Logger,
  topic: string,
  wanted: (records: Buffer, at: number) => boolean,
  onRecord: (r: DecodedRecord, batch: DecodedBatch) => void,
): Promise<void> {
  const cursor = new BatchCursor(Buffer.alloc(0));
  let offset = log.logStartOffset;
  const end = log.logEndOffset;
  while (offset < end) {
    const { records } = log.read(offset, readBytes, { isolation: 'logEnd', minOneMessage: true });
    if (records.length === 0) break;
    cursor.reset(records);
    let advanced = false;
    while (cursor.next()) {
      const at = cursor.offset;
      const next = batchBaseOffset(records, at) + records.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET) + 1;
      if (wanted(records, at)) {
        let batch;
        try {
          batch = await decodeBatch(records, at, at + cursor.size);
        } catch (err) {
          logger.error({ err, partition: log.partition, offset: batchBaseOffset(records, at) }, `skipping unreadable batch of ${topic}`);
          batch = null;
        }
        if (batch !== null) {
          for (const r of batch.records) {
            if (r.offset >= offset) onRecord(r, batch);
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
}
