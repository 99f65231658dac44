/**
 * Long-poll fetches (Kafka's DelayedFetch and its purgatory). A fetch that found fewer than
 * `min_bytes` parks here: it watches the logs of its partitions and is answered when a high
 * watermark change gives it enough bytes (or its partition changed under it: deleted,
 * fenced, truncated, a new log), or when `max_wait_ms` ends. Answering reads again, as Kafka
 * does on completion.
 *
 * High watermark changes arrive synchronously from the append path; they only mark the
 * waiters, and one setImmediate per burst checks them, so a produce request is not slowed by
 * the fetches it satisfies and many appends in one turn cost one check. Expiry is one timer
 * for the whole purgatory, armed for the earliest deadline of a heap of parked fetches.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { FetchResponse } from '../../protocol/generated/fetch-response.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import type { FetchHost } from './fetch-host.js';
import { bytesAvailable, type FetchParams } from './fetch-reader.js';
import type { FetchContext, FetchedPartition, PartitionFetch } from './fetch-session.js';
import { leaderEpochError } from '../partition.js';
import { PartitionWatchers, type LogWaiter } from './partition-watchers.js';

export class DelayedFetch {
  readonly params: FetchParams;
  readonly context: FetchContext;
  /** The partitions read, in order; each had a log when the fetch parked. */
  readonly partitions: readonly PartitionFetch[];
  readonly logs: readonly PartitionLog[];
  /** Partitions answered with an error without reading (unknown topic or partition). */
  readonly erroneous: FetchedPartition[];
  readonly promise: Promise<FetchResponse>;
  deadline = 0;
  heapIndex = -1;
  /** Waiting for the next check after a high watermark change. */
  queued = false;
  done = false;
  resolve!: (response: FetchResponse) => void;
  reject!: (err: unknown) => void;

  constructor(params: FetchParams, context: FetchContext, partitions: readonly PartitionFetch[], logs: readonly PartitionLog[], erroneous: FetchedPartition[]) {
    this.params = params;
    this.context = context;
    this.partitions = partitions;
    this.logs = logs;
    this.erroneous = erroneous;
    this.promise = new Promise<FetchResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** DelayedFetch.tryComplete: true when the fetch should be answered now. */
  tryComplete(host: FetchHost): boolean {
    const p = this.params;
    let accumulated = 0;
    for (let i = 0; i < this.partitions.length; i++) {
      const f = this.partitions[i]!;
      const log = this.logs[i]!;
      const partition = host.partitions.get(host.metadata.topic(f.topic!), f.partition);
      // The partition is gone, was recreated, went offline, changed leader or epoch.
      if (partition === undefined || partition.log !== log || log.isOffline || log.isClosed) return true;
      if ((p.fetchOnlyLeader ? !partition.isLeader : !partition.isReplica) || leaderEpochError(partition.leaderEpoch, f.currentLeaderEpoch) !== ErrorCode.NONE) return true;
      const end = p.isolation === 'logEnd' ? log.logEndOffset : p.readCommitted ? partition.lastStableOffset(log) : log.highWatermark;
      if (f.fetchOffset > end) return true; // truncated below the fetch offset
      // A throttled follower's bytes do not count (they will not be sent).
      if (f.fetchOffset < end && !(p.isFromFollower && host.partitions.replication?.shouldLeaderThrottle(partition, p.replicaId) === true)) {
        if (p.minBytes <= 1 && f.maxBytes > 0) return true;
        accumulated += bytesAvailable(log, f, end);
        if (accumulated >= p.minBytes) return true;
      }
    }
    return false;
  }
}

/** Answers a parked fetch once it completes. */
export interface DelayedFetchOwner {
  answer(fetch: DelayedFetch): FetchResponse;
}

export class FetchPurgatory {
  /** Parked fetches, and other waiters on the same logs (parked ShareFetches, told through onLogChanged). */
  readonly watchers: PartitionWatchers<DelayedFetch | LogWaiter>;
  private readonly host: FetchHost;
  private readonly owner: DelayedFetchOwner;
  private readonly now: () => number;
  /** Min-heap on deadline; each fetch knows its index. */
  private readonly heap: DelayedFetch[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private dirty: DelayedFetch[] = [];
  private checkScheduled = false;
  private readonly expireBound: () => void;
  private readonly checkBound: () => void;

  constructor(host: FetchHost, owner: DelayedFetchOwner, now: () => number = Date.now) {
    this.host = host;
    this.owner = owner;
    this.now = now;
    this.watchers = new PartitionWatchers<DelayedFetch | LogWaiter>(this.wake.bind(this));
    this.expireBound = this.expire.bind(this);
    this.checkBound = this.checkDirty.bind(this);
  }

  /** Fetches waiting. */
  get size(): number {
    return this.heap.length;
  }

  park(fetch: DelayedFetch): void {
    fetch.deadline = this.now() + fetch.params.maxWaitMs;
    for (const log of fetch.logs) this.watchers.watch(log, fetch);
    this.heapPush(fetch);
    if (fetch.deadline < this.timerAt) this.arm(fetch.deadline);
  }

  /**
   * Checks the fetches waiting on `log` after a change that did not move its high watermark:
   * a leader append (followers wait on the log end) or a change of leader or epoch.
   */
  checkLog(log: PartitionLog): void {
    this.watchers.touch(log);
  }

  /** Answers every parked fetch now (broker shutdown). */
  completeAll(): void {
    while (this.heap.length > 0) this.complete(this.heap[0]!);
  }

  private wake(waiter: DelayedFetch | LogWaiter): void {
    if (!(waiter instanceof DelayedFetch)) {
      waiter.onLogChanged();
      return;
    }
    const fetch = waiter;
    if (fetch.queued || fetch.done) return;
    fetch.queued = true;
    this.dirty.push(fetch);
    if (!this.checkScheduled) {
      this.checkScheduled = true;
      setImmediate(this.checkBound);
    }
  }

  private checkDirty(): void {
    this.checkScheduled = false;
    const list = this.dirty;
    this.dirty = [];
    for (let i = 0; i < list.length; i++) {
      const fetch = list[i]!;
      fetch.queued = false;
      if (fetch.done) continue;
      let ready: boolean;
      try {
        ready = fetch.tryComplete(this.host);
      } catch (err) {
        this.host.logger.error({ err }, 'error checking a waiting fetch');
        ready = true;
      }
      if (ready) this.complete(fetch);
    }
  }

  private expire(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.deadline <= now) this.complete(heap[0]!);
    if (heap.length > 0) this.arm(heap[0]!.deadline);
  }

  private complete(fetch: DelayedFetch): void {
    if (fetch.done) return;
    fetch.done = true;
    this.heapRemove(fetch);
    for (const log of fetch.logs) this.watchers.unwatch(log, fetch);
    let response: FetchResponse;
    try {
      response = this.owner.answer(fetch);
    } catch (err) {
      fetch.reject(err);
      return;
    }
    fetch.resolve(response);
  }

  private arm(at: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.expireBound, Math.max(0, at - this.now()));
    this.timer.unref();
  }

  private heapPush(fetch: DelayedFetch): void {
    fetch.heapIndex = this.heap.length;
    this.heap.push(fetch);
    this.siftUp(fetch.heapIndex);
  }

  private heapRemove(fetch: DelayedFetch): void {
    const i = fetch.heapIndex;
    if (i < 0) return;
    fetch.heapIndex = -1;
    const last = this.heap.pop()!;
    if (last === fetch) return;
    this.heap[i] = last;
    last.heapIndex = i;
    this.siftDown(i);
    this.siftUp(last.heapIndex);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const x = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const y = heap[parent]!;
      if (y.deadline <= x.deadline) break;
      heap[i] = y;
      y.heapIndex = i;
      i = parent;
    }
    heap[i] = x;
    x.heapIndex = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const x = heap[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && heap[c + 1]!.deadline < heap[c]!.deadline) c++;
      const y = heap[c]!;
      if (x.deadline <= y.deadline) break;
      heap[i] = y;
      y.heapIndex = i;
      i = c;
    }
    heap[i] = x;
    x.heapIndex = i;
  }
}
