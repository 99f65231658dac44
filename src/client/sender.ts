/**
 * The producer's sender (Kafka's Sender): it drains the accumulator's ready batches into
 * produce requests to each partition's leader, pipelined up to `maxInFlight` per connection,
 * and handles the answers. Retriable partition errors refresh the metadata and put the batch
 * back for another attempt (until `deliveryTimeoutMs`); other errors fail the batch's records
 * with a KafkaResponseError. It also looks topics up (waiting records are appended once a
 * topic has leaders), obtains the producer id of an idempotent producer and assigns
 * sequences, and keeps the one timer that wakes it for linger expiry and retry backoff.
 */
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { ProduceRequest, TopicProduceData } from '../protocol/generated/produce-request.js';
import type { ProduceResponse } from '../protocol/generated/produce-response.js';
import { ZERO_UUID } from '../protocol/primitives/codec-helpers.js';
import { CompressionType } from '../protocol/compression/compression-type.js';
import { encodeBatch, encodeBatchSync } from '../protocol/records/encode.js';
import type { KafkaClient } from './client.js';
import { KafkaConnectionError, KafkaResponseError } from './errors.js';
import { METADATA_ERRORS, NodeState, type ProducerBatch, type TopicState } from './producer-state.js';
import { Appended, type RecordAccumulator } from './record-accumulator.js';

/** How the sender sends: the producer's options, checked and defaulted. */
export interface SenderConfig {
  acks: 0 | 1 | -1;
  codec: CompressionType;
  maxInFlight: number;
  requestTimeoutMs: number;
  idempotent: boolean;
  maxRequestSize: number;
  deliveryTimeoutMs: number;
  retryBackoffMs: number;
  maxBlockMs: number;
}

export class Sender {
  private readonly client: KafkaClient;
  private readonly accumulator: RecordAccumulator;
  private readonly acks: 0 | 1 | -1;
  private readonly codec: CompressionType;
  private readonly maxInFlight: number;
  private readonly requestTimeoutMs: number;
  private readonly idempotent: boolean;
  private readonly maxRequestSize: number;
  private readonly deliveryTimeoutMs: number;
  private readonly retryBackoffMs: number;
  private readonly maxBlockMs: number;
  private readonly nodes = new Map<number, NodeState>();
  /** Reused by every drain for the topics found without a leader. */
  private readonly leaderless: TopicState[] = [];
  private producerId = -1;
  private producerEpoch = -1;
  private initializing: Promise<void> | undefined = undefined;
  private drainScheduled = false;
  private timer: NodeJS.Timeout | undefined = undefined;
  private timerDeadline = Infinity;
  private fatalError: Error | undefined = undefined;
  private maxInFlightSeen = 0;

  constructor(client: KafkaClient, accumulator: RecordAccumulator, config: SenderConfig) {
    this.client = client;
    this.accumulator = accumulator;
    this.acks = config.acks;
    this.codec = config.codec;
    this.maxInFlight = config.maxInFlight;
    this.requestTimeoutMs = config.requestTimeoutMs;
    this.idempotent = config.idempotent;
    this.maxRequestSize = config.maxRequestSize;
    this.deliveryTimeoutMs = config.deliveryTimeoutMs;
    this.retryBackoffMs = config.retryBackoffMs;
    this.maxBlockMs = config.maxBlockMs;
  }

  /** Why the producer can send nothing more (its producer id could not be obtained). */
  get fatal(): Error | undefined {
    return this.fatalError;
  }

  /** Produce requests sent and not yet answered (or, under acks=0, not yet written), all brokers. */
  get inFlightRequests(): number {
    let n = 0;
    for (const node of this.nodes.values()) n += node.inFlight;
    return n;
  }

  get maxInFlightRequests(): number {
    return this.maxInFlightSeen;
  }

  /** Acts on what `RecordAccumulator.append` returned for a record appended at `now`. */
  afterAppend(appended: number, now: number): void {
    if ((appended & Appended.Lingering) !== 0) this.armTimer(now + this.accumulator.lingerMs);
    if ((appended & Appended.Ready) !== 0) this.scheduleDrain();
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One timer for linger expiry and retry backoff: it wakes at the earliest deadline. */
  private armTimer(deadline: number): void {
    if (deadline >= this.timerDeadline) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerDeadline = deadline;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDeadline = Infinity;
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

  /** Looks a topic up unless that is under way; then appends the records that waited for it. */
  loadTopic(topic: TopicState): void {
    if (topic.loading !== undefined) return;
    topic.loading = this.refreshTopic(topic).then(() => {
      topic.loading = undefined;
      const waiting = topic.waiting;
      topic.waiting = [];
      for (const w of waiting) {
        const now = Date.now();
        this.afterAppend(this.accumulator.append(topic, w.record, w.callback, now), now);
      }
      this.drainAll();
    }, (err: Error) => {
      topic.loading = undefined;
      topic.error = err;
      const waiting = topic.waiting;
      topic.waiting = [];
      for (const w of waiting) this.accumulator.complete(w.callback, err, null);
      // Batches waiting for a leader fail too.
      this.accumulator.failTopicBatches(topic, err);
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
          applyMetadata(topic, t.partitions);
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

  private reloadTopic(topic: TopicState): void {
    if (topic.loading !== undefined) return;
    topic.loading = this.refreshTopic(topic).then(() => {
      topic.loading = undefined;
      this.drainAll();
    }, (err: Error) => {
      topic.loading = undefined;
      this.accumulator.failTopicBatches(topic, err);
    });
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

  /** Sends what is ready to every leader with room in flight. */
  drainAll(): void {
    const byNode = new Map<number, ProducerBatch[]>();
    const leaderless = this.leaderless;
    const nextDeadline = this.accumulator.ready(Date.now(), byNode, leaderless);
    for (let i = 0; i < leaderless.length; i++) this.loadTopic(leaderless[i]!);
    leaderless.length = 0;
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
      i = this.accumulator.drain(ready, i, this.maxRequestSize, batches);
      if (batches.length === 0) break;
      this.sendRequest(node, batches);
      // Each partition contributes one batch per request; take the next ones if room is left.
      if (i >= ready.length && node.inFlight < this.maxInFlight) {
        ready = this.accumulator.nextReady(batches);
        i = 0;
      }
    }
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
    this.accumulator.expireLeaderBatches(node.id, now, this.deliveryTimeoutMs, now + this.retryBackoffMs, err);
    for (const topic of this.accumulator.topics.values()) this.loadTopic(topic);
    this.armTimer(now + this.retryBackoffMs);
  }

  private initProducerId(): void {
    if (this.initializing !== undefined) return;
    this.initializing = (async () => {
      const r = await this.client.retrying(async () => {
        const res = await this.client.request(ApiKey.InitProducerId, {
          transactionalId: null, transactionTimeoutMs: 2147483647, producerId: -1n, producerEpoch: -1, enable2Pc: false, keepPreparedTxn: false,
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
      this.fatalError = err;
      this.accumulator.failAll(err);
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
        for (const b of batches) this.accumulator.failBatch(b, err);
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
        t = { name: b.topic.name, topicId: ZERO_UUID, partitionData: [] };
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
        for (const b of batches) this.accumulator.succeedBatch(b, -1n);
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
        this.accumulator.failBatch(b, new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `Produce to ${b.topic.name}-${b.partition}`, 'no answer for the partition'));
        continue;
      }
      if (pr.errorCode === ErrorCode.NONE) {
        this.accumulator.succeedBatch(b, pr.baseOffset);
        continue;
      }
      const detail = pr.errorMessage ?? pr.recordErrors[0]?.batchIndexErrorMessage ?? null;
      const err = new KafkaResponseError(pr.errorCode, `Produce to ${b.topic.name}-${b.partition}`, detail);
      if (err.retriable || pr.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        if (METADATA_ERRORS.has(pr.errorCode)) refresh = true;
        lastError = err;
        retry.push(b);
      } else {
        this.accumulator.failBatch(b, err);
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
      if (now - b.createdAt >= this.deliveryTimeoutMs || this.accumulator.closed) {
        this.accumulator.failBatch(b, err);
        continue;
      }
      this.accumulator.reenqueue(b, now + this.retryBackoffMs);
      touched.add(b.topic);
    }
    if (refreshMetadata) for (const t of touched) this.reloadTopic(t);
    this.armTimer(now + this.retryBackoffMs);
  }
}

function applyMetadata(topic: TopicState, partitions: readonly { partitionIndex: number; leaderId: number }[]): void {
  const n = partitions.reduce((max, p) => Math.max(max, p.partitionIndex + 1), 0);
  const leaders = new Array<number>(n).fill(-1);
  for (const p of partitions) leaders[p.partitionIndex] = p.leaderId;
  topic.leaders = leaders;
  while (topic.queues.length < n) topic.queues.push([]);
  while (topic.sequences.length < n) topic.sequences.push(0);
  topic.numPartitions = n;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
