/** What users of the Producer (producer.ts) pass and get back. */

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ProducerOptions {
  /** 0: no answer; 1: the leader's append; -1 (all): the in-sync replicas' (default -1, as Kafka's). */
  acks?: 0 | 1 | -1;
  compression?: CompressionName;
  /** How long a batch may wait for more records (Kafka 4.0's default `linger.ms` is 5). */
  lingerMs?: number;
  /** Bytes per partition batch (Kafka's `batch.size`, default 16384). */
  batchSize?: number;
  /** Produce requests awaiting an answer per broker (default 5). */
  maxInFlightPerBroker?: number;
  /** How long the broker and this client wait for a produce answer (default 30000). */
  requestTimeoutMs?: number;
  /** Assign a producer id and sequence numbers so retries never duplicate (needs acks=-1). */
  idempotent?: boolean;
  /** Cap on the bytes of a produce request (Kafka's `max.request.size`, default 1048576). */
  maxRequestSize?: number;
  /** Bytes of records buffered before `waitForBuffer()` holds callers back (default 32 MiB). */
  bufferMemory?: number;
  /** How long a record may take from send to acknowledgement, retries included (default 120000). */
  deliveryTimeoutMs?: number;
  /** Pause before a retry (default 100). */
  retryBackoffMs?: number;
  /** How long to wait for a topic's metadata (default 60000, Kafka's `max.block.ms`). */
  maxBlockMs?: number;
}

export interface ProducerRecord {
  topic: string;
  partition?: number;
  key?: Buffer | null;
  value: Buffer | null;
  headers?: { key: string; value: Buffer | null }[];
  /** Create time in ms; now when absent. */
  timestamp?: bigint;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset; -1n under acks=0. */
  offset: bigint;
}

/** Called once per record: with its metadata, or the error that failed it. */
export type SendCallback = (err: Error | null, metadata: RecordMetadata | null) => void;
