/**
 * A Kafka producer over the internal client, in Kafka's three parts: this facade checks the
 * options and takes records; the RecordAccumulator (record-accumulator.ts) partitions them as
 * Java's producer does and gathers them into one batch per partition until `batchSize` bytes
 * or `lingerMs`; the Sender (sender.ts) sends each partition's batches to its leader in
 * pipelined produce requests (up to `maxInFlightPerBroker` per connection), retries what is
 * retriable until `deliveryTimeoutMs` and fails the rest with a KafkaResponseError.
 */
import type { KafkaClient } from './client.js';
import { CODECS } from './producer-state.js';
import type { ProducerOptions, ProducerRecord, RecordMetadata, SendCallback } from './producer-types.js';
import { RecordAccumulator } from './record-accumulator.js';
import { Sender } from './sender.js';

export class Producer {
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;

  constructor(client: KafkaClient, options: ProducerOptions = {}) {
    const acks = options.acks ?? -1;
    if (acks !== 0 && acks !== 1 && acks !== -1) throw new Error(`acks must be 0, 1 or -1 (all), got ${String(options.acks)}`);
    const codec = CODECS[options.compression ?? 'none'];
    if (codec === undefined) throw new Error(`unknown compression ${String(options.compression)}: none, gzip, snappy, lz4 or zstd`);
    const lingerMs = Math.max(0, options.lingerMs ?? 5);
    const batchSize = Math.max(1, options.batchSize ?? 16384);
    const idempotent = options.idempotent ?? false;
    if (idempotent && acks !== -1) throw new Error('an idempotent producer needs acks=all (-1)');
    this.accumulator = new RecordAccumulator(lingerMs, batchSize, options.bufferMemory ?? 32 * 1024 * 1024);
    this.sender = new Sender(client, this.accumulator, {
      acks,
      codec,
      maxInFlight: Math.max(1, Math.min(options.maxInFlightPerBroker ?? 5, idempotent ? 5 : Infinity)),
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      idempotent,
      maxRequestSize: options.maxRequestSize ?? 1_048_576,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 120_000,
      retryBackoffMs: options.retryBackoffMs ?? 100,
      maxBlockMs: options.maxBlockMs ?? 60_000,
    });
  }

  /** Sends a record; resolves once the broker has it (acks=1/all) or it is written (acks=0). */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    return new Promise((resolve, reject) => {
      this.sendCallback(record, (err, md) => (err !== null ? reject(err) : resolve(md!)));
    });
  }

  /** `send` without a promise: `callback` runs once with the outcome (for high rates). */
  sendCallback(record: ProducerRecord, callback: SendCallback): void {
    if (this.accumulator.closed) {
      callback(new Error('the producer is closed'), null);
      return;
    }
    const fatal = this.sender.fatal;
    if (fatal !== undefined) {
      callback(fatal, null);
      return;
    }
    this.accumulator.track();
    const topic = this.accumulator.topicState(record.topic);
    if (!topic.known) {
      topic.waiting.push({ record, callback });
      this.sender.loadTopic(topic);
      return;
    }
    const now = Date.now();
    this.sender.afterAppend(this.accumulator.append(topic, record, callback, now), now);
  }

  /**
   * The partition count of `topic`, looked up (and the topic auto-created where the broker
   * does so) as for a first send; as Java's `partitionsFor`.
   */
  async partitionsFor(topic: string): Promise<number> {
    const t = this.accumulator.topicState(topic);
    if (!t.known) {
      this.sender.loadTopic(t);
      await t.loading;
      if (!t.known) throw t.error ?? new Error(`topic ${topic} has no partitions`);
    }
    return t.numPartitions;
  }

  /** Produce requests sent and not yet answered (or, under acks=0, not yet written), all brokers. */
  get inFlightRequests(): number {
    return this.sender.inFlightRequests;
  }

  /** The most produce requests that were in flight at once so far. */
  get maxInFlightRequests(): number {
    return this.sender.maxInFlightRequests;
  }

  /** Bytes of records buffered and not yet acknowledged. */
  get bufferedBytes(): number {
    return this.accumulator.bufferedBytes;
  }

  /** Resolves at once while less than `bufferMemory` is buffered, else once it drops below. */
  waitForBuffer(): Promise<void> {
    return this.accumulator.waitForBuffer();
  }

  /** Sends everything buffered now and resolves when every record sent so far is complete. */
  async flush(): Promise<void> {
    if (this.accumulator.idle) return;
    const idle = this.accumulator.beginFlush();
    try {
      this.sender.drainAll();
      await idle;
    } finally {
      this.accumulator.endFlush();
    }
  }

  /** Flushes, then refuses further records. The client stays open (its owner closes it). */
  async close(): Promise<void> {
    await this.flush();
    this.accumulator.close();
    this.sender.close();
  }
}
