/**
 * A follower's fetching from one leader (Kafka's ReplicaFetcherThread over
 * AbstractFetcherThread), as a loop of requests with no socket of its own: the broker gives it
 * a `ReplicaTransport` that sends a request to a broker and returns the decoded response.
 *
 * Each partition starts Truncating: the follower asks the leader where its latest epoch ends
 * (OffsetForLeaderEpoch) and truncates to where the two logs agree (truncation.ts), then
 * Fetching: it fetches from its log end with its replica id and broker epoch (Fetch
 * ReplicaState, v15+) and the epoch of its last batch (so the leader can also report a
 * divergence), appends the leader's batches exactly as they arrive (never re-encoded), and
 * takes the high watermark and log start offset from the response. Throttled partitions of a
 * replica not in sync are left out while the follower's replication rate is over its quota
 * (`follower.replication.throttled.rate`). A fetch out of range
 * asks the leader its log start and end (ListOffsets) and truncates or skips ahead as Kafka's
 * handleOutOfRangeError does. Other errors hold the partition back for
 * `replica.fetch.backoff.ms`; a leader or epoch change reaches the fetcher through the
 * metadata image (the manager moves the partition).
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { FetchRequest, FetchTopic } from '../../protocol/generated/fetch-request.js';
import type { FetchResponse, PartitionData } from '../../protocol/generated/fetch-response.js';
import type { OffsetForLeaderEpochRequest } from '../../protocol/generated/offset-for-leader-epoch-request.js';
import type { OffsetForLeaderEpochResponse } from '../../protocol/generated/offset-for-leader-epoch-response.js';
import type { ListOffsetsRequest } from '../../protocol/generated/list-offsets-request.js';
import type { ListOffsetsResponse } from '../../protocol/generated/list-offsets-response.js';
import { BATCH_LENGTH_OFFSET, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from '../../protocol/records/batch-header.js';
import { UNDEFINED_EPOCH, type EpochEndOffset } from '../../storage/leader-epoch-cache.js';
import type { ClusterLogger } from '../cluster-logger.js';
import { truncationState } from './truncation.js';

/** FetchRequest's HighWatermark when not given (Long.MAX_VALUE): only a v18 follower sends its own. */
const NO_HIGH_WATERMARK = 9223372036854775807n;

/** Sends requests to other brokers; the broker implements it over its client connections. */
export interface ReplicaTransport {
  fetch(leaderId: number, request: FetchRequest): Promise<FetchResponse>;
  offsetForLeaderEpoch(leaderId: number, request: OffsetForLeaderEpochRequest): Promise<OffsetForLeaderEpochResponse>;
  listOffsets(leaderId: number, request: ListOffsetsRequest): Promise<ListOffsetsResponse>;
}

/** The follower's partition as the fetcher changes it; the broker's Partition implements it. */
export interface FollowerLog {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: Buffer;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
  /** The epoch of the newest batch in the log (UNDEFINED_EPOCH when none). */
  readonly latestEpoch: number;
  endOffsetForEpoch(epoch: number): EpochEndOffset;
  /** Cuts the log (and its epoch history) at `offset`. */
  truncateTo(offset: number): Promise<void>;
  /** Empties the log to start at `offset`. */
  truncateFullyAndStartAt(offset: number): Promise<void>;
  /** Appends whole batches with the leader's offsets and epochs (appendAsFollower); throws on a bad batch. */
  appendAsFollower(records: Buffer): void;
  /** The leader's high watermark and log start offset, as far as this log has them. */
  updateFromLeader(highWatermark: number, logStartOffset: number): void;
}

/**
 * The follower side of the replication throttles (ReplicationQuotaManager for
 * `follower.replication.throttled.rate`), at the fetcher's clock.
 */
export interface FollowerQuota {
  isThrottled(topic: string, partition: number): boolean;
  isQuotaExceeded(): boolean;
  record(bytes: number): void;
}

export interface FetcherSettings {
  nodeId: number;
  /** The broker epoch sent in Fetch's ReplicaState. */
  brokerEpoch: () => number;
  maxWaitMs: number;
  minBytes: number;
  /** Per partition (replica.fetch.max.bytes). */
  maxBytes: number;
  /** Per response (replica.fetch.response.max.bytes). */
  responseMaxBytes: number;
  backoffMs: number;
  logger: ClusterLogger;
  /** Replication throttles on this follower; none: never throttled. */
  quota?: FollowerQuota;
}

const enum State {
  Truncating = 0,
  Fetching = 1,
}

const LATEST = -1n;
const EARLIEST = -2n;

export class FetchState {
  readonly log: FollowerLog;
  readonly leaderEpoch: number;
  state = State.Truncating;
  /** Not fetched again before this time (after an error). */
  delayedUntil = 0;
  /** How far behind the leader's high watermark the last fetch left the log; -1 before any. */
  lag = -1;

  constructor(log: FollowerLog, leaderEpoch: number) {
    this.log = log;
    this.leaderEpoch = leaderEpoch;
  }

  get key(): string {
    return `${this.log.topic}:${this.log.partition}`;
  }

  get truncating(): boolean {
    return this.state === State.Truncating;
  }

  /** PartitionFetchState.isReplicaInSync: the last fetch reached the leader's high watermark. */
  get isReplicaInSync(): boolean {
    return this.lag === 0;
  }
}

export class ReplicaFetcher {
  readonly leaderId: number;
  readonly partitions = new Map<string, FetchState>();
  private readonly transport: ReplicaTransport;
  private readonly s: FetcherSettings;
  private running = false;
  private stopped = false;
  private paused = false;
  private wakeUp: (() => void) | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;
  /** Settles when the loop ends. */
  private loop: Promise<void> = Promise.resolve();

  constructor(leaderId: number, transport: ReplicaTransport, settings: FetcherSettings) {
    this.leaderId = leaderId;
    this.transport = transport;
    this.s = settings;
  }

  /** Fetches `log` from this leader in `leaderEpoch`, truncating it first. */
  add(log: FollowerLog, leaderEpoch: number): void {
    const st = new FetchState(log, leaderEpoch);
    this.partitions.set(st.key, st);
    if (!this.running && !this.stopped) {
      this.running = true;
      this.loop = this.run();
    }
    this.wake();
  }

  remove(topic: string, partition: number): void {
    this.partitions.delete(`${topic}:${partition}`);
  }

  /**
   * Stops fetching without forgetting the partitions, as a stalled follower would: nothing more
   * is appended, not even a response already on its way. `resume` goes on.
   */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }

  private wake(): void {
    if (this.sleepTimer !== null) {
      clearTimeout(this.sleepTimer);
      this.sleepTimer = null;
    }
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  /** Waits for `add`, `resume` or `stop`, or `ms` (when given). */
  private sleep(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      if (ms !== undefined) {
        this.sleepTimer = setTimeout(() => this.wake(), ms);
        this.sleepTimer.unref();
      }
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.paused || this.partitions.size === 0) {
        await this.sleep();
        continue;
      }
      const now = Date.now();
      const truncating: FetchState[] = [];
      const fetching: FetchState[] = [];
      let nextReady = Number.POSITIVE_INFINITY;
      let throttled = false;
      for (const st of this.partitions.values()) {
        if (st.delayedUntil > now) {
          nextReady = Math.min(nextReady, st.delayedUntil);
          continue;
        }
        if (st.truncating) truncating.push(st);
        else if (this.shouldFollowerThrottle(st)) throttled = true;
        else fetching.push(st);
      }
      // Throttled partitions are left out of the fetch; with nothing else to fetch, wait a backoff (Kafka's buildFetch).
      if (throttled) nextReady = Math.min(nextReady, now + this.s.backoffMs);
      try {
        if (truncating.length > 0) await this.truncate(truncating);
        else if (fetching.length > 0) await this.fetch(fetching);
        else await this.sleep(Math.max(1, nextReady - now));
      } catch (err) {
        if (this.stopped) break;
        this.s.logger.warn({ leader: this.leaderId, err: (err as Error).message }, 'replica fetch failed; backing off');
        const until = Date.now() + this.s.backoffMs;
        for (const st of truncating.length > 0 ? truncating : fetching) st.delayedUntil = until;
      }
    }
    this.running = false;
  }

  /**
   * ReplicaFetcherThread.shouldFollowerThrottle: a throttled partition whose replica is not in
   * sync, while the follower's rate is over its quota (an in-sync replica is never held back,
   * so throttling cannot shrink an ISR).
   */
  private shouldFollowerThrottle(st: FetchState): boolean {
    const q = this.s.quota;
    return q !== undefined && !st.isReplicaInSync && q.isThrottled(st.log.topic, st.log.partition) && q.isQuotaExceeded();
  }

  /** OffsetForLeaderEpoch for the partitions that must find where they diverge. */
  private async truncate(list: FetchState[]): Promise<void> {
    const ask: FetchState[] = [];
    for (const st of list) {
      const epoch = st.log.latestEpoch;
      if (epoch === UNDEFINED_EPOCH) {
        // No epoch history: nothing above the high watermark can be trusted (KIP-101's fallback).
        await st.log.truncateTo(Math.min(st.log.highWatermark, st.log.logEndOffset));
        st.state = State.Fetching;
      } else {
        ask.push(st);
      }
    }
    if (ask.length === 0) return;
    const byTopic = new Map<string, OffsetForLeaderEpochRequest['topics'][number]>();
    for (const st of ask) {
      let t = byTopic.get(st.log.topic);
      if (t === undefined) byTopic.set(st.log.topic, (t = { topic: st.log.topic, partitions: [] }));
      t.partitions.push({ partition: st.log.partition, currentLeaderEpoch: st.leaderEpoch, leaderEpoch: st.log.latestEpoch });
    }
    const response = await this.transport.offsetForLeaderEpoch(this.leaderId, { replicaId: this.s.nodeId, topics: [...byTopic.values()] });
    if (this.paused) return; // a paused follower takes nothing in, not even an answer already on its way
    for (const t of response.topics) {
      for (const p of t.partitions) {
        const st = this.partitions.get(`${t.topic}:${p.partition}`);
        if (st === undefined || !ask.includes(st)) continue; // moved meanwhile
        if (p.errorCode !== ErrorCode.NONE) {
          st.delayedUntil = Date.now() + this.s.backoffMs;
          continue;
        }
        await this.truncateTo(st, { epoch: p.leaderEpoch, endOffset: Number(p.endOffset) });
      }
    }
  }

  private async truncateTo(st: FetchState, leader: EpochEndOffset): Promise<void> {
    const t = truncationState(leader, st.log);
    if (t.offset < st.log.logEndOffset) {
      this.s.logger.info({ topic: st.log.topic, partition: st.log.partition, from: st.log.logEndOffset, to: t.offset, leaderEpoch: leader.epoch }, 'truncating follower log');
    }
    // Even at the log end: the epoch history may end in an epoch this broker began as leader
    // and wrote nothing in. Left there, it is sent as the last fetched epoch, the leader
    // answers it as diverging at the same offset, and the follower never fetches again
    // (Kafka's UnifiedLog.truncateTo cuts the epoch cache at the log end for this reason).
    await st.log.truncateTo(t.offset);
    if (t.complete) st.state = State.Fetching;
  }

  private async fetch(list: FetchState[]): Promise<void> {
    const topics: FetchTopic[] = [];
    let current: FetchTopic | null = null;
    const sent = new Map<string, { st: FetchState; offset: number }>();
    for (const st of list) {
      const log = st.log;
      if (current === null || current.topic !== log.topic) {
        current = { topic: log.topic, topicId: log.topicId, partitions: [] };
        topics.push(current);
      }
      const offset = log.logEndOffset;
      current.partitions.push({
        partition: log.partition,
        currentLeaderEpoch: st.leaderEpoch,
        fetchOffset: BigInt(offset),
        lastFetchedEpoch: log.latestEpoch,
        logStartOffset: BigInt(log.logStartOffset),
        partitionMaxBytes: this.s.maxBytes,
        replicaDirectoryId: ZERO_ID,
        highWatermark: NO_HIGH_WATERMARK,
      });
      sent.set(st.key, { st, offset });
    }
    const request: FetchRequest = {
      clusterId: null,
      // v15+ names the replica in ReplicaState only; a transport at an older version moves it here.
      replicaId: -1,
      replicaState: { replicaId: this.s.nodeId, replicaEpoch: BigInt(this.s.brokerEpoch()) },
      maxWaitMs: this.s.maxWaitMs,
      minBytes: this.s.minBytes,
      maxBytes: this.s.responseMaxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics,
      forgottenTopicsData: [],
      rackId: '',
    };
    const response = await this.transport.fetch(this.leaderId, request);
    if (this.paused) return;
    if (response.errorCode !== ErrorCode.NONE) throw new Error(`fetch from broker ${this.leaderId} failed with error ${response.errorCode}`);
    const later: Array<{ st: FetchState; p: PartitionData }> = [];
    for (const t of response.responses) {
      // Topic names before Fetch v13, topic ids from v13 on.
      const name = t.topic !== '' ? t.topic : list.find((st) => st.log.topicId.equals(t.topicId))?.log.topic;
      for (const p of t.partitions) {
        const s = sent.get(`${name}:${p.partitionIndex}`);
        // Moved to another leader or epoch meanwhile, or the log changed under the fetch.
        if (s === undefined || this.partitions.get(s.st.key) !== s.st || s.st.log.logEndOffset !== s.offset) continue;
        if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE || (p.errorCode === ErrorCode.NONE && p.divergingEpoch.epoch >= 0)) later.push({ st: s.st, p });
        else this.processPartition(s.st, p);
      }
    }
    // The ones that truncate, after the appends.
    for (const { st, p } of later) {
      if (this.partitions.get(st.key) !== st) continue;
      if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) await this.handleOutOfRange(st);
      else await this.truncateTo(st, { epoch: p.divergingEpoch.epoch, endOffset: Number(p.divergingEpoch.endOffset) });
    }
  }

  private processPartition(st: FetchState, p: PartitionData): void {
    const log = st.log;
    if (p.errorCode !== ErrorCode.NONE) {
      // NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH (the image will move us), storage errors.
      st.delayedUntil = Date.now() + this.s.backoffMs;
      return;
    }
    const records = wholeBatches(p.records);
    if (records !== null) {
      try {
        log.appendAsFollower(records);
      } catch (err) {
        this.s.logger.error({ topic: log.topic, partition: log.partition, err: (err as Error).message }, 'could not append the leader\'s batches');
        st.delayedUntil = Date.now() + this.s.backoffMs;
        return;
      }
      const q = this.s.quota;
      if (q !== undefined && q.isThrottled(log.topic, log.partition)) q.record(records.length);
    }
    const highWatermark = Number(p.highWatermark);
    st.lag = Math.max(0, highWatermark - log.logEndOffset);
    log.updateFromLeader(highWatermark, Number(p.logStartOffset));
  }

  /** AbstractFetcherThread.fetchOffsetAndTruncate: the follower's offset is outside the leader's log. */
  private async handleOutOfRange(st: FetchState): Promise<void> {
    const log = st.log;
    const leaderEnd = await this.leaderOffset(st, LATEST);
    if (leaderEnd === null) return;
    if (leaderEnd < log.logEndOffset) {
      // The leader has less than we do (an unclean election): cut back to its end.
      await log.truncateTo(leaderEnd);
      return;
    }
    const leaderStart = await this.leaderOffset(st, EARLIEST);
    if (leaderStart === null) return;
    if (leaderStart > log.logEndOffset) await log.truncateFullyAndStartAt(leaderStart);
  }

  private async leaderOffset(st: FetchState, timestamp: bigint): Promise<number | null> {
    const r = await this.transport.listOffsets(this.leaderId, {
      replicaId: this.s.nodeId,
      isolationLevel: 0,
      topics: [{ name: st.log.topic, partitions: [{ partitionIndex: st.log.partition, currentLeaderEpoch: st.leaderEpoch, timestamp }] }],
      timeoutMs: 0,
    });
    if (this.partitions.get(st.key) !== st) return null; // moved meanwhile
    const p = r.topics[0]?.partitions[0];
    if (p === undefined || p.errorCode !== ErrorCode.NONE) {
      st.delayedUntil = Date.now() + this.s.backoffMs;
      return null;
    }
    return Number(p.offset);
  }
}

const ZERO_ID = Buffer.alloc(16);

/** The whole batches at the start of `records` (a response may end in a partial one); null when none. */
export function wholeBatches(records: Buffer | null): Buffer | null {
  if (records === null) return null;
  let at = 0;
  while (at + RECORD_BATCH_OVERHEAD <= records.length) {
    const size = LOG_OVERHEAD + records.readInt32BE(at + BATCH_LENGTH_OFFSET);
    if (at + size > records.length) break;
    at += size;
  }
  if (at === 0) return null;
  return at === records.length ? records : records.subarray(0, at);
}
