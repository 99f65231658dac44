/**
 * What the group and transaction coordinators share about their internal topics
 * (__consumer_offsets, __transaction_state) on the broker's partition logs: the host they get
 * them from, creating the topic once on first use, appending a batch and committing it, and
 * reading a partition back from its log start at load.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/generated/errors.js';
import { LAST_OFFSET_DELTA_OFFSET } from '../protocol/records/batch-header.js';
import { decodeBatch } from '../protocol/records/decode.js';
import { batchBaseOffset } from '../protocol/records/header.js';
import { BatchCursor } from '../protocol/records/iterator.js';
import type { DecodedBatch } from '../protocol/records/decode.js';
import type { DecodedRecord } from '../protocol/records/record.js';
import { isStorageError } from '../storage/errors.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { CoordinatorWriteError } from './group/sink.js';

/**
 * What a coordinator's topic needs from the broker that hosts it. The broker implements it
 * (src/broker/group-coordinator-host.ts), so the coordinators do not depend on the broker.
 */
export interface CoordinatorTopicHost {
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
    const rf = Math.max(1, Math.min(this.replicationFactor, this.host.brokerCount()));
    const r = await this.host.createInternalTopic(this.name, this.partitions, rf, this.configs(rf));
    if (r.ok) {
      this.host.logger.info({ partitions: r.partitions, replicationFactor: rf }, `created ${this.name}`);
    } else if (this.host.topic(this.name) === undefined) {
      throw new CoordinatorWriteError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `cannot create ${this.name}: ${r.message}`);
    }
  }
}

/**
 * Appends one batch to a coordinator topic's partition and commits it (a single replica: the
 * record is committed once it is in the log). Null when it is durable already; else the
 * flush the flush policy asked for. Storage failures become CoordinatorWriteErrors.
 */
export function appendAndCommit(log: PartitionLog, batch: Buffer, leaderEpoch: number, topic: string): Promise<void> | null {
  let durable: Promise<void> | null;
  try {
    durable = log.append(batch, { leaderEpoch }).durable;
  } catch (err) {
    if (isStorageError(err)) throw new CoordinatorWriteError(err.errorCode >= 0 ? err.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR, err.message, { cause: err });
    throw err;
  }
  log.maybeIncrementHighWatermark(log.logEndOffset);
  if (durable === null) return null;
  return durable.catch((err: unknown) => {
    throw new CoordinatorWriteError(ErrorCode.KAFKA_STORAGE_ERROR, `flushing ${topic}-${log.partition} failed`, { cause: err });
  });
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
