/**
 * The producer's bookkeeping: a batch being filled or in flight, what it knows of a topic
 * (leaders, per-partition queues, sequences), and of a broker connection (requests in
 * flight). The logic that moves them is in record-accumulator.ts (appending, readiness,
 * completion) and sender.ts (requests, retries, metadata).
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import { CompressionType } from '../protocol/compression/compression-type.js';
import type { RecordInput } from '../protocol/records/record.js';
import type { BrokerConnection } from './connection.js';
import type { CompressionName, ProducerRecord, SendCallback } from './producer-types.js';

export const CODECS: Record<CompressionName, CompressionType> = {
  none: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};

/** Per-record bytes on top of key, value and headers (length, attributes, deltas, counts). */
export const RECORD_OVERHEAD = 21;
export const BATCH_OVERHEAD = 61;

/** Errors after which the partition's leader is looked up again before the retry. */
export const METADATA_ERRORS = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.KAFKA_STORAGE_ERROR,
]);

export class ProducerBatch {
  readonly topic: TopicState;
  readonly partition: number;
  readonly records: RecordInput[] = [];
  readonly callbacks: SendCallback[] = [];
  bytes = BATCH_OVERHEAD;
  readonly createdAt: number;
  /** Closed to appends: full, or drained into a request. */
  sealed = false;
  encoded: Buffer | undefined = undefined;
  baseSequence = -1;
  attempts = 0;
  /** Not sent again before this time (retry backoff). */
  retryAt = 0;

  constructor(topic: TopicState, partition: number, now: number) {
    this.topic = topic;
    this.partition = partition;
    this.createdAt = now;
  }
}

export class TopicState {
  readonly name: string;
  numPartitions = 0;
  /** Leader node of each partition, -1 while it has none. */
  leaders: number[] = [];
  /** Per partition: batches in order; only the last may still take records. */
  queues: ProducerBatch[][] = [];
  /** Records that arrived before the topic's metadata. */
  waiting: { record: ProducerRecord; callback: SendCallback }[] = [];
  /** Set while a metadata lookup runs. */
  loading: Promise<void> | undefined = undefined;
  /** Why the last lookup failed. */
  error: Error | undefined = undefined;
  /** Next sequence number per partition (idempotent producers). */
  sequences: number[] = [];

  constructor(name: string) {
    this.name = name;
  }

  get known(): boolean {
    return this.numPartitions > 0;
  }
}

export class NodeState {
  readonly id: number;
  conn: BrokerConnection | undefined = undefined;
  connecting: Promise<void> | undefined = undefined;
  inFlight = 0;
  /** The last request still waiting for its encoding or for the ones before it; later ones queue behind. */
  ordered: Promise<void> | undefined = undefined;

  constructor(id: number) {
    this.id = id;
  }
}
