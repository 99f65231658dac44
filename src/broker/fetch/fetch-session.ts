/**
 * Incremental fetch sessions (KIP-227), with the rules of Kafka's FetchSession.scala:
 *
 * - session id 0 and epoch 0 (or any id with epoch 0): a full fetch; the named session, if
 *   any, is closed and a new one is created when the cache has room (or can evict), its id
 *   returned in the response. Epoch -1: a full fetch without a session (and closes the named
 *   one). Requests before v7 carry id 0 / epoch -1.
 * - other epochs: an incremental fetch of session `id`, which must exist
 *   (FETCH_SESSION_ID_NOT_FOUND), be at that epoch (INVALID_FETCH_SESSION_EPOCH) and use topic
 *   ids exactly when the request version does (FETCH_SESSION_TOPIC_ID_ERROR, v13+). Partitions
 *   in the request are added or updated, `forgotten_topics_data` removed; a session left empty
 *   is closed. Every partition of the session is fetched; the response carries only those
 *   with records, a changed high watermark or log start offset, or an error. Partitions that
 *   returned records move to the end of the session's order so that others get their turn.
 * - cache policy: `max.incremental.fetch.session.cache.slots` sessions; when full, a new
 *   session may evict the least recently used one if it is stale (unused for 2 minutes), else
 *   the least valuable evictable one (unprivileged before privileged, then fewer partitions)
 *   when the newcomer is worth at least as much; sessions younger than 2 minutes are
 *   protected except that a follower's session may evict a consumer's. Kafka keeps tree maps
 *   for that choice; with at most a few thousand sessions and eviction only when full, a scan
 *   does the same.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { PartitionData } from '../../protocol/generated/fetch-response.js';

export const INVALID_SESSION_ID = 0;
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
/** Kafka's MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS. */
export const SESSION_EVICTION_MS = 120_000;

/** FetchMetadata.nextEpoch. */
export function nextEpoch(epoch: number): number {
  if (epoch < 0) return FINAL_EPOCH;
  if (epoch === 0x7fffffff) return 1;
  return epoch + 1;
}

/**
 * One partition of a fetch: what the request asks (Kafka's FetchRequest.PartitionData) and,
 * once in a session, what the fetcher was last told (CachedPartition).
 */
export class PartitionFetch {
  /** `<topic name or topic id hex>:<partition>`, unique within a request or session. */
  readonly key: string;
  /** Null while a topic id does not resolve to a topic (UNKNOWN_TOPIC_ID). */
  topic: string | null;
  readonly topicId: Buffer;
  readonly partition: number;
  fetchOffset: number;
  fetcherLogStartOffset: number;
  maxBytes: number;
  currentLeaderEpoch: number;
  lastFetchedEpoch: number;
  /** Last high watermark sent in this session; -1 after an error so that recovery is sent. */
  highWatermark = -1;
  /** Last log start offset sent in this session. */
  localLogStartOffset = -1;

  constructor(
    key: string,
    topic: string | null,
    topicId: Buffer,
    partition: number,
    fetchOffset: number,
    fetcherLogStartOffset: number,
    maxBytes: number,
    currentLeaderEpoch: number,
    lastFetchedEpoch: number,
  ) {
    this.key = key;
    this.topic = topic;
    this.topicId = topicId;
    this.partition = partition;
    this.fetchOffset = fetchOffset;
    this.fetcherLogStartOffset = fetcherLogStartOffset;
    this.maxBytes = maxBytes;
    this.currentLeaderEpoch = currentLeaderEpoch;
    this.lastFetchedEpoch = lastFetchedEpoch;
  }

  updateRequestParams(req: PartitionFetch): void {
    this.maxBytes = req.maxBytes;
    this.fetchOffset = req.fetchOffset;
    this.fetcherLogStartOffset = req.fetcherLogStartOffset;
    this.currentLeaderEpoch = req.currentLeaderEpoch;
    this.lastFetchedEpoch = req.lastFetchedEpoch;
  }

  /**
   * CachedPartition.maybeUpdateResponseData: whether an incremental response must include
   * this partition, remembering what it is told.
   */
  mustRespond(data: PartitionData): boolean {
    let must = data.records !== null && data.records.length > 0;
    const hw = Number(data.highWatermark);
    if (this.highWatermark !== hw) {
      must = true;
      this.highWatermark = hw;
    }
    const lso = Number(data.logStartOffset);
    if (this.localLogStartOffset !== lso) {
      must = true;
      this.localLogStartOffset = lso;
    }
    if (data.preferredReadReplica !== -1) must = true;
    if (data.errorCode !== ErrorCode.NONE) {
      this.highWatermark = -1;
      must = true;
    }
    if (data.divergingEpoch.epoch >= 0) must = true;
    return must;
  }
}

/** A partition's response, with the request it answers. */
export interface FetchedPartition {
  readonly fetch: PartitionFetch;
  data: PartitionData;
}

export class FetchSession {
  readonly id: number;
  /** Created by a follower (replica fetches); harder to evict. */
  readonly privileged: boolean;
  readonly usesTopicIds: boolean;
  readonly creationMs: number;
  lastUsedMs: number;
  epoch: number;
  /** Partition count when last touched (the eviction key), -1 before. */
  cachedSize = -1;
  /** Insertion-ordered: the order partitions are fetched in. */
  readonly partitions = new Map<string, PartitionFetch>();

  constructor(id: number, privileged: boolean, usesTopicIds: boolean, now: number) {
    this.id = id;
    this.privileged = privileged;
    this.usesTopicIds = usesTopicIds;
    this.creationMs = now;
    this.lastUsedMs = now;
    this.epoch = nextEpoch(INITIAL_EPOCH);
  }
}

export const enum FetchContextKind {
  SessionError,
  Sessionless,
  Full,
  Incremental,
}

/** How one Fetch request relates to sessions, decided before reading (Kafka's FetchContext). */
export class FetchContext {
  readonly kind: FetchContextKind;
  /** For SessionError. */
  readonly errorCode: number;
  /** The partitions to fetch, in order. */
  readonly partitions: PartitionFetch[];
  /** For Incremental. */
  readonly session: FetchSession | null;
  /** The session epoch the response must find (Incremental); a later request changes it. */
  readonly expectedEpoch: number;
  readonly privileged: boolean;
  readonly usesTopicIds: boolean;

  constructor(
    kind: FetchContextKind,
    errorCode: number,
    partitions: PartitionFetch[],
    session: FetchSession | null,
    expectedEpoch: number,
    privileged: boolean,
    usesTopicIds: boolean,
  ) {
    this.kind = kind;
    this.errorCode = errorCode;
    this.partitions = partitions;
    this.session = session;
    this.expectedEpoch = expectedEpoch;
    this.privileged = privileged;
    this.usesTopicIds = usesTopicIds;
  }
}

/** The session part of a Fetch response. */
export interface SessionOutcome {
  errorCode: number;
  sessionId: number;
  partitions: FetchedPartition[];
}

const NO_PARTITIONS: PartitionFetch[] = [];

export class FetchSessionCache {
  private readonly maxEntries: number;
  private readonly evictionMs: number;
  private readonly now: () => number;
  private readonly sessions = new Map<number, FetchSession>();
  private partitionCount = 0;
  /** Sessions evicted to make room for others. */
  evictions = 0;

  constructor(maxEntries: number, evictionMs = SESSION_EVICTION_MS, now: () => number = Date.now) {
    this.maxEntries = maxEntries;
    this.evictionMs = evictionMs;
    this.now = now;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Partitions cached in all sessions (as of each session's last use). */
  get totalPartitions(): number {
    return this.partitionCount;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  /**
   * FetchManager.newContext: the context for a request with `sessionId`/`epoch`, its
   * partitions (`fetchData`, keyed like sessions) and the keys it forgets. Changes the
   * session (partitions, epoch, last use) as Kafka does before the read.
   */
  newContext(
    version: number,
    sessionId: number,
    epoch: number,
    isFollower: boolean,
    fetchData: Map<string, PartitionFetch>,
    forgotten: readonly string[],
  ): FetchContext {
    const usesTopicIds = version >= 13;
    if (epoch === INITIAL_EPOCH || epoch === FINAL_EPOCH) {
      if (sessionId !== INVALID_SESSION_ID) this.remove(sessionId);
      const list = [...fetchData.values()];
      const kind = epoch === FINAL_EPOCH ? FetchContextKind.Sessionless : FetchContextKind.Full;
      return new FetchContext(kind, ErrorCode.NONE, list, null, 0, isFollower, usesTopicIds);
    }
    const session = this.sessions.get(sessionId);
    if (session === undefined) return errorContext(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    if (session.epoch !== epoch) return errorContext(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    if (session.usesTopicIds !== usesTopicIds) return errorContext(ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
    const parts = session.partitions;
    for (const req of fetchData.values()) {
      const cached = parts.get(req.key);
      if (cached === undefined) parts.set(req.key, req);
      else cached.updateRequestParams(req);
    }
    for (const key of forgotten) parts.delete(key);
    if (parts.size === 0) {
      this.remove(session);
      return new FetchContext(FetchContextKind.Sessionless, ErrorCode.NONE, [...fetchData.values()], null, 0, isFollower, usesTopicIds);
    }
    this.touch(session, this.now());
    session.epoch = nextEpoch(session.epoch);
    return new FetchContext(FetchContextKind.Incremental, ErrorCode.NONE, [...parts.values()], session, session.epoch, isFollower, usesTopicIds);
  }

  /**
   * FetchContext.updateAndGenerateResponseData: the response's error, session id and
   * partitions. A full fetch creates its session here; an incremental one keeps only the
   * partitions the fetcher needs to hear about.
   */
  finish(ctx: FetchContext, partitions: FetchedPartition[]): SessionOutcome {
    switch (ctx.kind) {
      case FetchContextKind.SessionError:
        return { errorCode: ctx.errorCode, sessionId: INVALID_SESSION_ID, partitions: [] };
      case FetchContextKind.Sessionless:
        return { errorCode: ErrorCode.NONE, sessionId: INVALID_SESSION_ID, partitions };
      case FetchContextKind.Full:
        return { errorCode: ErrorCode.NONE, sessionId: this.maybeCreateSession(ctx, partitions), partitions };
      case FetchContextKind.Incremental: {
        const session = ctx.session!;
        if (session.epoch !== ctx.expectedEpoch) {
          return { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH, sessionId: session.id, partitions: [] };
        }
        const out: FetchedPartition[] = [];
        const parts = session.partitions;
        for (const p of partitions) {
          const cached = parts.get(p.fetch.key);
          if (cached === undefined || !cached.mustRespond(p.data)) continue;
          out.push(p);
          if (p.data.records !== null && p.data.records.length > 0) {
            parts.delete(cached.key);
            parts.set(cached.key, cached);
          }
        }
        return { errorCode: ErrorCode.NONE, sessionId: session.id, partitions: out };
      }
    }
  }

  private maybeCreateSession(ctx: FetchContext, partitions: FetchedPartition[]): number {
    const now = this.now();
    if (this.sessions.size >= this.maxEntries && !this.tryEvict(ctx.privileged, partitions.length, now)) return INVALID_SESSION_ID;
    const session = new FetchSession(this.newSessionId(), ctx.privileged, ctx.usesTopicIds, now);
    for (const p of partitions) {
      const f = p.fetch;
      f.highWatermark = Number(p.data.highWatermark);
      f.localLogStartOffset = Number(p.data.logStartOffset);
      session.partitions.set(f.key, f);
    }
    this.sessions.set(session.id, session);
    this.touch(session, now);
    return session.id;
  }

  private newSessionId(): number {
    for (;;) {
      const id = 1 + Math.floor(Math.random() * 0x7ffffffe);
      if (!this.sessions.has(id)) return id;
    }
  }

  /** Records a use: last-use time and the partition count eviction compares. */
  touch(session: FetchSession, now: number): void {
    session.lastUsedMs = now;
    if (session.cachedSize !== -1) this.partitionCount -= session.cachedSize;
    session.cachedSize = session.partitions.size;
    this.partitionCount += session.cachedSize;
  }

  remove(idOrSession: number | FetchSession): FetchSession | undefined {
    const session = typeof idOrSession === 'number' ? this.sessions.get(idOrSession) : idOrSession;
    if (session === undefined || this.sessions.get(session.id) !== session) return undefined;
    this.sessions.delete(session.id);
    if (session.cachedSize !== -1) this.partitionCount -= session.cachedSize;
    return session;
  }

  /** FetchSessionCacheShard.tryEvict. */
  private tryEvict(privileged: boolean, size: number, now: number): boolean {
    let lru: FetchSession | undefined;
    for (const s of this.sessions.values()) {
      if (lru === undefined || s.lastUsedMs < lru.lastUsedMs || (s.lastUsedMs === lru.lastUsedMs && s.id < lru.id)) lru = s;
    }
    if (lru === undefined) return false;
    if (now - lru.lastUsedMs > this.evictionMs) {
      this.remove(lru);
      this.evictions++;
      return true;
    }
    let candidate: FetchSession | undefined;
    for (const s of this.sessions.values()) {
      if (!this.evictable(s, privileged)) continue;
      if (candidate === undefined || compareEvictable(s.privileged, s.cachedSize, s.id, candidate) < 0) candidate = s;
    }
    if (candidate === undefined || compareEvictable(privileged, size, 0, candidate) < 0) return false;
    this.remove(candidate);
    this.evictions++;
    return true;
  }

  /** Membership of Kafka's evictableByPrivileged / evictableByAll maps, decided when last touched. */
  private evictable(s: FetchSession, byPrivileged: boolean): boolean {
    const old = s.lastUsedMs - s.creationMs > this.evictionMs;
    return byPrivileged ? !s.privileged || old : old;
  }
}

function errorContext(errorCode: number): FetchContext {
  return new FetchContext(FetchContextKind.SessionError, errorCode, NO_PARTITIONS, null, 0, false, false);
}

/** EvictableKey order: (privileged, size, id). */
function compareEvictable(privileged: boolean, size: number, id: number, other: FetchSession): number {
  if (privileged !== other.privileged) return privileged ? 1 : -1;
  if (size !== other.cachedSize) return size - other.cachedSize;
  return id - other.id;
}
