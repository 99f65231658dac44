/**
 * The producer's record accumulator (Kafka's RecordAccumulator): records are partitioned as
 * Java's producer does (murmur2 of the key; sticky partitions for keyless records) and
 * gathered into one batch per partition until `batchSize` bytes or `lingerMs`. It says which
 * batches are ready for which leader, hands them out in queue order, takes back the ones to
 * retry, and completes records: it counts what is buffered (for `waitForBuffer`) and what is
 * outstanding (for `flush`). Sending is the Sender's (sender.ts); neither allocates per record
 * beyond the record's own entry in its batch.
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import type { RecordInput } from '../protocol/records/record.js';
import { KafkaResponseError } from './errors.js';
import { partitionForKey, StickyPartitioner } from './partitioner.js';
import { BATCH_OVERHEAD, ProducerBatch, RECORD_OVERHEAD, TopicState } from './producer-state.js';
import type { ProducerRecord, RecordMetadata, SendCallback } from './producer-types.js';

/** `append` result bits: what the sender should do now. */
export const enum Appended {
  Nothing = 0,
  /** A batch was opened and waits up to `lingerMs`: wake at now + lingerMs. */
  Lingering = 1,
  /** A batch is ready (full, no linger, or a flush is on): drain soon. */
  Ready = 2,
}

export class RecordAccumulator {
  readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly bufferMemory: number;
  private readonly sticky: StickyPartitioner;
  private readonly topicStates = new Map<string, TopicState>();
  /** Flushes in progress: while any runs, batches are ready without waiting for linger. */
  private flushing = 0;
  private closedForAppends = false;
  /** Records sent and not yet completed. */
  private outstanding = 0;
  private idleWaiters: (() => void)[] = [];
  private buffered = 0;
  private bufferWaiters: (() => void)[] = [];

  constructor(lingerMs: number, batchSize: number, bufferMemory: number) {
    this.lingerMs = lingerMs;
    this.batchSize = batchSize;
    this.bufferMemory = bufferMemory;
    this.sticky = new StickyPartitioner(batchSize);
  }

  get topics(): ReadonlyMap<string, TopicState> {
    return this.topicStates;
  }

  get closed(): boolean {
    return this.closedForAppends;
  }

  /** Refuses further records. */
  close(): void {
    this.closedForAppends = true;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Resolves at once while less than `bufferMemory` is buffered, else once it drops below. */
  waitForBuffer(): Promise<void> {
    if (this.buffered < this.bufferMemory) return Promise.resolve();
    return new Promise((resolve) => this.bufferWaiters.push(resolve));
  }

  /** A record was accepted: it counts as outstanding until `complete`. */
  track(): void {
    this.outstanding++;
  }

  get idle(): boolean {
    return this.outstanding === 0;
  }

  /** Starts a flush; the promise resolves once no record is outstanding. End it with `endFlush`. */
  beginFlush(): Promise<void> {
    this.flushing++;
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  endFlush(): void {
    this.flushing--;
  }

  topicState(name: string): TopicState {
    let t = this.topicStates.get(name);
    if (t === undefined) {
      t = new TopicState(name);
      this.topicStates.set(name, t);
    }
    return t;
  }

  /** Adds a record to its partition's open batch (opening one when needed); `Appended` bits. */
  append(topic: TopicState, record: ProducerRecord, callback: SendCallback, now: number): number {
    let partition: number;
    const n = topic.numPartitions;
    if (record.partition !== undefined && record.partition !== null && record.partition >= 0) {
      partition = record.partition;
      if (partition >= n) {
        this.complete(callback, new KafkaResponseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          `Produce to ${topic.name}-${partition}`, `the topic has ${n} partitions`), null);
        return Appended.Nothing;
      }
    } else if (record.key !== undefined && record.key !== null) {
      partition = partitionForKey(record.key, n);
    } else {
      partition = this.sticky.partition(topic.name, n);
    }
    let result: number = Appended.Nothing;
    const size = recordSize(record);
    const queue = topic.queues[partition]!;
    let batch = queue.length === 0 ? undefined : queue[queue.length - 1];
    if (batch === undefined || batch.sealed || (batch.bytes + size > this.batchSize && batch.records.length > 0)) {
      if (batch !== undefined) batch.sealed = true;
      batch = new ProducerBatch(topic, partition, now);
      queue.push(batch);
      if (this.lingerMs > 0) result = Appended.Lingering;
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
      result |= Appended.Ready;
    } else if (this.lingerMs === 0 || this.flushing > 0) {
      result |= Appended.Ready;
    }
    return result;
  }

  /**
   * The head batch of every partition that may be sent now, by its leader, into `byNode`;
   * topics whose leader is unknown into `leaderless`. Returns the earliest time a batch that
   * is not ready yet (lingering, backing off) becomes ready, Infinity when none.
   */
  ready(now: number, byNode: Map<number, ProducerBatch[]>, leaderless: TopicState[]): number {
    let nextDeadline = Infinity;
    for (const topic of this.topicStates.values()) {
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
          leaderless.push(topic);
          continue;
        }
        let list = byNode.get(leader);
        if (list === undefined) byNode.set(leader, list = []);
        list.push(first);
      }
    }
    return nextDeadline;
  }

  /**
   * Takes the batches of one produce request from `ready`, starting at `from`, into `out`:
   * each leaves its queue's head (its queue keeps order behind it) while the request stays
   * within `maxRequestSize`. Returns where the next request starts.
   */
  drain(ready: readonly ProducerBatch[], from: number, maxRequestSize: number, out: ProducerBatch[]): number {
    let size = 0;
    let i = from;
    for (; i < ready.length; i++) {
      const b = ready[i]!;
      if (out.length > 0 && size + b.bytes > maxRequestSize) break;
      const queue = b.topic.queues[b.partition]!;
      if (queue[0] !== b) continue;
      queue.shift();
      b.sealed = true;
      size += b.bytes;
      out.push(b);
    }
    return i;
  }

  /** The next sendable batch of each partition that just had one taken. */
  nextReady(taken: readonly ProducerBatch[]): ProducerBatch[] {
    const next: ProducerBatch[] = [];
    for (const b of taken) {
      const queue = b.topic.queues[b.partition]!;
      const head = queue[0];
      if (head !== undefined && head.retryAt <= Date.now() && (head.sealed || this.flushing > 0 || this.lingerMs === 0)) next.push(head);
    }
    return next;
  }

  /** Puts a batch back at the head of its queue, not to be sent before `retryAt`. */
  reenqueue(b: ProducerBatch, retryAt: number): void {
    b.retryAt = retryAt;
    b.topic.queues[b.partition]!.unshift(b);
  }

  /**
   * The partitions led by an unreachable node: batches past their delivery timeout fail,
   * the rest wait until `retryAt`.
   */
  expireLeaderBatches(nodeId: number, now: number, deliveryTimeoutMs: number, retryAt: number, err: Error): void {
    for (const topic of this.topicStates.values()) {
      for (let p = 0; p < topic.numPartitions; p++) {
        if (topic.leaders[p] !== nodeId) continue;
        const queue = topic.queues[p]!;
        while (queue.length > 0 && now - queue[0]!.createdAt >= deliveryTimeoutMs) this.failBatch(queue.shift()!, err);
        if (queue.length > 0) queue[0]!.retryAt = retryAt;
      }
    }
  }

  failTopicBatches(topic: TopicState, err: Error): void {
    for (const queue of topic.queues) {
      for (const batch of queue.splice(0)) this.failBatch(batch, err);
    }
  }

  failAll(err: Error): void {
    for (const topic of this.topicStates.values()) this.failTopicBatches(topic, err);
  }

  succeedBatch(b: ProducerBatch, baseOffset: bigint): void {
    this.release(b);
    const topic = b.topic.name;
    const partition = b.partition;
    const cbs = b.callbacks;
    for (let i = 0; i < cbs.length; i++) {
      this.complete(cbs[i]!, null, { topic, partition, offset: baseOffset < 0n ? -1n : baseOffset + BigInt(i) });
    }
  }

  failBatch(b: ProducerBatch, err: Error): void {
    this.release(b);
    for (const cb of b.callbacks) this.complete(cb, err, null);
  }

  /** Completes one outstanding record; the last one wakes the flushes waiting for it. */
  complete(callback: SendCallback, err: Error | null, md: RecordMetadata | null): void {
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

  private release(b: ProducerBatch): void {
    this.buffered -= b.bytes - BATCH_OVERHEAD;
    if (this.buffered < this.bufferMemory && this.bufferWaiters.length > 0) {
      const waiters = this.bufferWaiters;
      this.bufferWaiters = [];
      for (const w of waiters) w();
    }
  }
}

function recordSize(r: ProducerRecord): number {
  let size = RECORD_OVERHEAD + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  if (r.headers !== undefined) for (const h of r.headers) size += 6 + Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return size;
}
