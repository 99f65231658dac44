import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { ProduceRequest, TopicProduceData } from '../protocol/generated/produce-request.js';
import type { ProduceResponse } from '../protocol/generated/produce-response.js';
import { ZERO_UUID } from '../protocol/primitives/codec-helpers.js';
import { CompressionType } from '../protocol/compression/compression-type.js';
import { encodeBatch, encodeBatchSync } from '../protocol/records/encode.js';
import type { RecordInput } from '../protocol/records/record.js';
import type { KafkaClient } from './client.js';
import { KafkaConnectionError, KafkaResponseError } from './errors.js';
import { partitionForKey, StickyPartitioner } from './partitioner.js';
import { BATCH_OVERHEAD, CODECS, METADATA_ERRORS, NodeState, ProducerBatch, RECORD_OVERHEAD, TopicState } from './producer-state.js';

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

/**
 * A Kafka producer over the internal client. Records are partitioned as Java's producer
 * does (murmur2 of the key; sticky partitions for keyless records), gathered into one batch
 * per partition until `batchSize` bytes or `lingerMs`, and sent to each partition's leader in
 * produce requests that are pipelined: up to `maxInFlightPerBroker` per connection. Retriable
 * partition errors refresh the metadata and send the batch again (until `deliveryTimeoutMs`);
 * other errors fail the batch's records with a KafkaResponseError.
 */
export class Producer {
  private readonly client: KafkaClient;
  private readonly acks: 0 | 1 | -1;
  private readonly codec: CompressionType;
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly requestTimeoutMs: number;
  private readonly idempotent: boolean;
  private readonly maxRequestSize: number;
  private readonly bufferMemory: number;
  private readonly deliveryTimeoutMs: number;
  private readonly retryBackoffMs: number;
  private readonly maxBlockMs: number;
  private readonly sticky: StickyPartitioner;
  private readonly topics = new Map<string, TopicState>();
  private readonly nodes = new Map<number, NodeState>();
  private producerId = -1;
  private producerEpoch = -1;
  private initializing: Promise<void> | undefined = undefined;
  private drainScheduled = false;
  private lingerTimer: NodeJS.Timeout | undefined = undefined;
  private lingerDeadline = Infinity;
  private flushing = 0;
  private closed = false;
  /** Records sent and not yet completed. */
  private outstanding = 0;
  private idleWaiters: (() => void)[] = [];
  private buffered = 0;
  private bufferWaiters: (() => void)[] = [];
  private fatal: Error | undefined = undefined;
  private maxInFlightSeen = 0;

  constructor(client: KafkaClient, options: ProducerOptions = {}) {
    this.client = client;
    this.acks = options.acks ?? -1;
    if (this.acks !== 0 && this.acks !== 1 && this.acks !== -1) throw new Error(`acks must be 0, 1 or -1 (all), got ${String(options.acks)}`);
    const codec = CODECS[options.compression ?? 'none'];
    if (codec === undefined) throw new Error(`unknown compression ${String(options.compression)}: none, gzip, snappy, lz4 or zstd`);
    this.codec = codec;
    this.lingerMs = Math.max(0, options.lingerMs ?? 5);
    this.batchSize = Math.max(1, options.batchSize ?? 16384);
    this.idempotent = options.idempotent ?? false;
    if (this.idempotent && this.acks !== -1) throw new Error('an idempotent producer needs acks=all (-1)');
    this.maxInFlight = Math.max(1, Math.min(options.maxInFlightPerBroker ?? 5, this.idempotent ? 5 : Infinity));
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.maxRequestSize = options.maxRequestSize ?? 1_048_576;
    this.bufferMemory = options.bufferMemory ?? 32 * 1024 * 1024;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 120_000;
    this.retryBackoffMs = options.retryBackoffMs ?? 100;
    this.maxBlockMs = options.maxBlockMs ?? 60_000;
    this.sticky = new StickyPartitioner(this.batchSize);
  }

  /** Sends a record; resolves once the broker has it (acks=1/all) or it is written (acks=0). */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    return new Promise((resolve, reject) => {
      this.sendCallback(record, (err, md) => (err !== null ? reject(err) : resolve(md!)));
    });
  }

  /** `send` without a promise: `callback` runs once with the outcome (for high rates). */
  sendCallback(record: ProducerRecord, callback: SendCallback): void {
    if (this.closed) {
      callback(new Error('the producer is closed'), null);
      return;
    }
    if (this.fatal !== undefined) {
      callback(this.fatal, null);
      return;
    }
    this.outstanding++;
    const topic = this.topicState(record.topic);
    if (!topic.known) {
      topic.waiting.push({ record, callback });
      this.loadTopic(topic);
      return;
    }
    this.append(topic, record, callback);
  }

  /**
   * The partition count of `topic`, looked up (and the topic auto-created where the broker
   * does so) as for a first send; as Java's `partitionsFor`.
   */
  async partitionsFor(topic: string): Promise<number> {
    const t = this.topicState(topic);
    if (!t.known) {
      this.loadTopic(t);
      await t.loading;
      if (!t.known) throw t.error ?? new Error(`topic ${topic} has no partitions`);
    }
    return t.numPartitions;
  }

  /** Produce requests sent and not yet answered (or, under acks=0, not yet written), all brokers. */
  get inFlightRequests(): number {
    let n = 0;
    for (const node of this.nodes.values()) n += node.inFlight;
    return n;
  }

  /** The most produce requests that were in flight at once so far. */
  get maxInFlightRequests(): number {
    return this.maxInFlightSeen;
  }

  /** Bytes of records buffered and not yet acknowledged. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Resolves at once while less than `bufferMemory` is buffered, else once it drops below. */
  waitForBuffer(): Promise<void> {
    if (this.buffered < this.bufferMemory) return Promise.resolve();
    return new Promise((resolve) => this.bufferWaiters.push(resolve));
  }

  /** Sends everything buffered now and resolves when every record sent so far is complete. */
  async flush(): Promise<void> {
    if (this.outstanding === 0) return;
    this.flushing++;
    try {
      const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      this.drainAll();
      await idle;
    } finally {
      this.flushing--;
    }
  }

  /** Flushes, then refuses further records. The client stays open (its owner closes it). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }

  // ---- accumulating ----

  private topicState(name: string): TopicState {
    let t = this.topics.get(name);
    if (t === undefined) {
      t = new TopicState(name);
      this.topics.set(name, t);
    }
    return t;
  }

  private append(topic: TopicState, record: ProducerRecord, callback: SendCallback): void {
    let partition: number;
    const n = topic.numPartitions;
    if (record.partition !== undefined && record.partition !== null && record.partition >= 0) {
      partition = record.partition;
      if (partition >= n) {
        this.complete(callback, new KafkaResponseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          `Produce to ${topic.name}-${partition}`, `the topic has ${n} partitions`), null);
        return;
      }
    } else if (record.key !== undefined && record.key !== null) {
      partition = partitionForKey(record.key, n);
    } else {
      partition = this.sticky.partition(topic.name, n);
    }
    const size = recordSize(record);
    const queue = topic.queues[partition]!;
    let batch = queue.length === 0 ? undefined : queue[queue.length - 1];
    const now = Date.now();
    if (batch === undefined || batch.sealed || (batch.bytes + size > this.batchSize && batch.records.length > 0)) {
      if (batch !== undefined) batch.sealed = true;
      batch = new ProducerBatch(topic, partition, now);
      queue.push(batch);
      if (this.lingerMs > 0) this.armTimer(now + this.lingerMs);
    }
    const input: RecordInput = {
      key: record.key ?? null,
      value: record.value,
      timestamp: record.timestamp === undefined ? now : Number(record.timestamp),
    };
    if (record.headers !== undefined && record.headers.length > 0) input.headers = record.headers;
    batch.records.push(input);
    batch.callbacks.push(callback);
    batch.bytes += size;
    this.buffered += size;
    if (record.partition === undefined && (record.key === undefined || record.key === null)) this.sticky.update(topic.name, n, size);
    if (batch.bytes >= this.batchSize) {
      batch.sealed = true;
      this.scheduleDrain();
    } else if (this.lingerMs === 0 || this.flushing > 0) {
      this.scheduleDrain();
    }
  }

  /** One timer for linger expiry and retry backoff: it wakes at the earliest deadline. */
  private armTimer(deadline: number): void {
    if (deadline >= this.lingerDeadline) return;
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerDeadline = deadline;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.lingerDeadline = Infinity;
      this.drainAll();
    }, Math.max(0, deadline - Date.now()));
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drainAll();
    });
  }

  // ---- metadata ----

  private loadTopic(topic: TopicState): void {
    if (topic.loading !== undefined) return;
    topic.loading = this.refreshTopic(topic).then(() => {
      topic.loading = undefined;
      const waiting = topic.waiting;
      topic.waiting = [];
      for (const w of waiting) this.append(topic, w.record, w.callback);
      this.drainAll();
    }, (err: Error) => {
      topic.loading = undefined;
      topic.error = err;
      const waiting = topic.waiting;
      topic.waiting = [];
      for (const w of waiting) this.complete(w.callback, err, null);
      // Batches waiting for a leader fail too.
      this.failTopicBatches(topic, err);
    });
  }

  /** Looks the topic up (creating it when the broker auto-creates topics) until it has leaders. */
  private async refreshTopic(topic: TopicState): Promise<void> {
    const deadline = Date.now() + this.maxBlockMs;
    for (let attempt = 0; ; attempt++) {
      let error: Error;
      try {
        const conn = await this.client.any();
        const v = conn.version(ApiKey.Metadata);
        const md = await conn.request(ApiKey.Metadata, {
          topics: [{ topicId: ZERO_UUID, name: topic.name }],
          allowAutoTopicCreation: true,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        }, v);
        const t = md.topics.find((x) => x.name === topic.name);
        const code = t === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : t.errorCode;
        if (code === ErrorCode.NONE && t !== undefined && t.partitions.length > 0) {
          this.applyMetadata(topic, t.partitions);
          if (topic.leaders.every((l) => l >= 0)) return;
          error = new KafkaResponseError(ErrorCode.LEADER_NOT_AVAILABLE, `topic ${topic.name}`);
        } else {
          error = new KafkaResponseError(code === ErrorCode.NONE ? ErrorCode.LEADER_NOT_AVAILABLE : code, `topic ${topic.name}`);
          if (!(error as KafkaResponseError).retriable && code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw error;
        }
      } catch (err) {
        if (err instanceof KafkaResponseError && !err.retriable && err.code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw err;
        error = err as Error;
      }
      if (Date.now() >= deadline) {
        throw new KafkaConnectionError(`topic ${topic.name} not present in metadata after ${this.maxBlockMs} ms: ${error.message}`, { cause: error });
      }
      await sleep(Math.min(1000, 50 * 2 ** attempt));
    }
  }

  private applyMetadata(topic: TopicState, partitions: readonly { partitionIndex: number; leaderId: number }[]): void {
    const n = partitions.reduce((max, p) => Math.max(max, p.partitionIndex + 1), 0);
    const leaders = new Array<number>(n).fill(-1);
    for (const p of partitions) leaders[p.partitionIndex] = p.leaderId;
    topic.leaders = leaders;
    while (topic.queues.length < n) topic.queues.push([]);
    while (topic.sequences.length < n) topic.sequences.push(0);
    topic.numPartitions = n;
  }

  private failTopicBatches(topic: TopicState, err: Error): void {
    for (const queue of topic.queues) {
      for (const batch of queue.splice(0)) this.failBatch(batch, err);
    }
  }

  // ---- sending ----

  private node(id: number): NodeState {
    let n = this.nodes.get(id);
    if (n === undefined) {
      n = new NodeState(id);
      this.nodes.set(id, n);
    }
    return n;
  }

  private drainAll(): void {
    const now = Date.now();
    let nextDeadline = Infinity;
    const byNode = new Map<number, ProducerBatch[]>();
    for (const topic of this.topics.values()) {
      if (!topic.known || topic.loading !== undefined) continue;
      for (let p = 0; p < topic.numPartitions; p++) {
        const queue = topic.queues[p]!;
        if (queue.length === 0) continue;
        const first = queue[0]!;
        if (first.retryAt > now) {
          nextDeadline = Math.min(nextDeadline, first.retryAt);
          continue;
        }
        if (!first.sealed && this.flushing === 0 && this.lingerMs > 0 && first.createdAt + this.lingerMs > now) {
          nextDeadline = Math.min(nextDeadline, first.createdAt + this.lingerMs);
          continue;
        }
        const leader = topic.leaders[p]!;
        if (leader < 0) {
          this.loadTopic(topic);
          continue;
        }
        let list = byNode.get(leader);
        if (list === undefined) byNode.set(leader, list = []);
        list.push(first);
      }
    }
    for (const [id, ready] of byNode) this.drainNode(this.node(id), ready);
    if (nextDeadline !== Infinity) this.armTimer(nextDeadline);
  }

  /** Sends produce requests to one node while it has room in flight. */
  private drainNode(node: NodeState, ready: ProducerBatch[]): void {
    if (node.conn === undefined || node.conn.closed) {
      this.connectNode(node);
      return;
    }
    if (this.idempotent && this.producerId < 0) {
      this.initProducerId();
      return;
    }
    let i = 0;
    while (node.inFlight < this.maxInFlight && i < ready.length) {
      const batches: ProducerBatch[] = [];
      let size = 0;
      for (; i < ready.length; i++) {
        const b = ready[i]!;
        if (batches.length > 0 && size + b.bytes > this.maxRequestSize) break;
        // The batch leaves its queue's head for the request; its queue keeps order behind it.
        const queue = b.topic.queues[b.partition]!;
        if (queue[0] !== b) continue;
        queue.shift();
        b.sealed = true;
        size += b.bytes;
        batches.push(b);
      }
      if (batches.length === 0) break;
      this.sendRequest(node, batches);
      // Each partition contributes one batch per request; take the next ones if room is left.
      if (i >= ready.length && node.inFlight < this.maxInFlight) {
        ready = this.nextReady(batches);
        i = 0;
      }
    }
  }

  /** The next sendable batch of each partition that just had one taken. */
  private nextReady(taken: ProducerBatch[]): ProducerBatch[] {
    const next: ProducerBatch[] = [];
    for (const b of taken) {
      const queue = b.topic.queues[b.partition]!;
      const head = queue[0];
      if (head !== undefined && head.retryAt <= Date.now() && (head.sealed || this.flushing > 0 || this.lingerMs === 0)) next.push(head);
    }
    return next;
  }

  private connectNode(node: NodeState): void {
    if (node.connecting !== undefined) return;
    node.connecting = this.client.node(node.id).then((conn) => {
      node.conn = conn;
      node.connecting = undefined;
      this.drainAll();
    }, (err: Error) => {
      node.connecting = undefined;
      this.failNodeAfterDelay(node, err);
    });
  }

  /** A node that cannot be reached: its batches are retried until their delivery timeout. */
  private failNodeAfterDelay(node: NodeState, err: Error): void {
    const now = Date.now();
    for (const topic of this.topics.values()) {
      for (let p = 0; p < topic.numPartitions; p++) {
        if (topic.leaders[p] !== node.id) continue;
        const queue = topic.queues[p]!;
        while (queue.length > 0 && now - queue[0]!.createdAt >= this.deliveryTimeoutMs) this.failBatch(queue.shift()!, err);
        if (queue.length > 0) queue[0]!.retryAt = now + this.retryBackoffMs;
      }
      this.loadTopic(topic);
    }
    this.armTimer(now + this.retryBackoffMs);
  }

  private initProducerId(): void {
    if (this.initializing !== undefined) return;
    this.initializing = (async () => {
      const r = await this.client.retrying(async () => {
        const res = await this.client.request(ApiKey.InitProducerId, {
          transactionalId: null, transactionTimeoutMs: 2147483647, producerId: -1n, producerEpoch: -1,
        });
        if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, 'InitProducerId');
        return res;
      });
      this.producerId = Number(r.producerId);
      this.producerEpoch = r.producerEpoch;
    })().then(() => {
      this.initializing = undefined;
      this.drainAll();
    }, (err: Error) => {
      this.initializing = undefined;
      this.fatal = err;
      for (const topic of this.topics.values()) this.failTopicBatches(topic, err);
    });
  }

  private encode(b: ProducerBatch): Buffer | Promise<Buffer> {
    if (b.encoded !== undefined) return b.encoded;
    if (this.idempotent && b.baseSequence < 0) {
      b.baseSequence = b.topic.sequences[b.partition]!;
      // Sequences wrap from Integer.MAX_VALUE to 0, as Kafka's do.
      b.topic.sequences[b.partition] = (b.baseSequence + b.records.length) % 2147483648;
    }
    const options = {
      compression: this.codec,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence: b.baseSequence,
    };
    if (this.codec === CompressionType.Zstd) {
      return encodeBatch(b.records, options).then((buf) => (b.encoded = buf));
    }
    return (b.encoded = encodeBatchSync(b.records, options));
  }

  private sendRequest(node: NodeState, batches: ProducerBatch[]): void {
    node.inFlight++;
    const total = this.inFlightRequests;
    if (total > this.maxInFlightSeen) this.maxInFlightSeen = total;
    const encoded = batches.map((b) => this.encode(b));
    const async = encoded.some((e) => e instanceof Promise);
    if (!async && node.ordered === undefined) {
      this.dispatch(node, batches);
      return;
    }
    // Requests go out in the order they were made even when encodings (zstd) finish out of
    // order, or a partition's batches would land in the log out of order.
    const previous = node.ordered ?? Promise.resolve();
    const mine: Promise<void> = previous
      .then(() => (async ? Promise.all(encoded) : undefined))
      .then(() => this.dispatch(node, batches), (err: Error) => {
        node.inFlight--;
        for (const b of batches) this.failBatch(b, err);
        this.drainAll();
      })
      .then(() => {
        if (node.ordered === mine) node.ordered = undefined;
      });
    node.ordered = mine;
  }

  private dispatch(node: NodeState, batches: ProducerBatch[]): void {
    const topicData: TopicProduceData[] = [];
    const byTopic = new Map<string, TopicProduceData>();
    for (const b of batches) {
      b.attempts++;
      let t = byTopic.get(b.topic.name);
      if (t === undefined) {
        t = { name: b.topic.name, partitionData: [] };
        byTopic.set(b.topic.name, t);
        topicData.push(t);
      }
      t.partitionData.push({ index: b.partition, records: b.encoded! });
    }
    const request: ProduceRequest = { transactionalId: null, acks: this.acks, timeoutMs: this.requestTimeoutMs, topicData };
    const conn = node.conn!;
    if (this.acks === 0) {
      conn.sendWithoutResponse(ApiKey.Produce, request).then(() => {
        node.inFlight--;
        for (const b of batches) this.succeedBatch(b, -1n);
        this.drainAll();
      }, (err: Error) => {
        node.inFlight--;
        this.retryOrFail(batches, err, true);
      });
      return;
    }
    conn.request(ApiKey.Produce, request).then((response) => {
      node.inFlight--;
      this.onResponse(batches, response);
    }, (err: Error) => {
      node.inFlight--;
      this.retryOrFail(batches, err, err instanceof KafkaConnectionError);
    });
  }

  private onResponse(batches: ProducerBatch[], response: ProduceResponse): void {
    const retry: ProducerBatch[] = [];
    let refresh = false;
    let lastError: KafkaResponseError | undefined;
    for (const b of batches) {
      const topic = response.responses.find((t) => t.name === b.topic.name);
      const pr = topic?.partitionResponses.find((p) => p.index === b.partition);
      if (pr === undefined) {
        this.failBatch(b, new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `Produce to ${b.topic.name}-${b.partition}`, 'no answer for the partition'));
        continue;
      }
      if (pr.errorCode === ErrorCode.NONE) {
        this.succeedBatch(b, pr.baseOffset);
        continue;
      }
      const detail = pr.errorMessage ?? pr.recordErrors[0]?.batchIndexErrorMessage ?? null;
      const err = new KafkaResponseError(pr.errorCode, `Produce to ${b.topic.name}-${b.partition}`, detail);
      if (err.retriable || pr.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        if (METADATA_ERRORS.has(pr.errorCode)) refresh = true;
        lastError = err;
        retry.push(b);
      } else {
        this.failBatch(b, err);
      }
    }
    if (retry.length > 0) this.retryOrFail(retry, lastError!, refresh);
    else this.drainAll();
  }

  /** Puts batches back at the head of their queues for another attempt, or fails them. */
  private retryOrFail(batches: ProducerBatch[], err: Error, refreshMetadata: boolean): void {
    const now = Date.now();
    const touched = new Set<TopicState>();
    for (let i = batches.length - 1; i >= 0; i--) {
      const b = batches[i]!;
      if (now - b.createdAt >= this.deliveryTimeoutMs || this.closed) {
        this.failBatch(b, err);
        continue;
      }
      b.retryAt = now + this.retryBackoffMs;
      b.topic.queues[b.partition]!.unshift(b);
      touched.add(b.topic);
    }
    if (refreshMetadata) for (const t of touched) this.reloadTopic(t);
    this.armTimer(now + this.retryBackoffMs);
  }

  private reloadTopic(topic: TopicState): void {
    if (topic.loading !== undefined) return;
    topic.loading = this.refreshTopic(topic).then(() => {
      topic.loading = undefined;
      this.drainAll();
    }, (err: Error) => {
      topic.loading = undefined;
      this.failTopicBatches(topic, err);
    });
  }

  private succeedBatch(b: ProducerBatch, baseOffset: bigint): void {
    this.release(b);
    const topic = b.topic.name;
    const partition = b.partition;
    const cbs = b.callbacks;
    for (let i = 0; i < cbs.length; i++) {
      this.complete(cbs[i]!, null, { topic, partition, offset: baseOffset < 0n ? -1n : baseOffset + BigInt(i) });
    }
  }

  private failBatch(b: ProducerBatch, err: Error): void {
    this.release(b);
    for (const cb of b.callbacks) this.complete(cb, err, null);
  }

  private release(b: ProducerBatch): void {
    this.buffered -= b.bytes - BATCH_OVERHEAD;
    if (this.buffered < this.bufferMemory && this.bufferWaiters.length > 0) {
      const waiters = this.bufferWaiters;
      this.bufferWaiters = [];
      for (const w of waiters) w();
    }
  }

  private complete(callback: SendCallback, err: Error | null, md: RecordMetadata | null): void {
    this.outstanding--;
    try {
      callback(err, md);
    } finally {
      if (this.outstanding === 0 && this.idleWaiters.length > 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }
}

function recordSize(r: ProducerRecord): number {
  let size = RECORD_OVERHEAD + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  if (r.headers !== undefined) for (const h of r.headers) size += 6 + Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return size;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
