/**
 * Share sessions (KIP-932, Kafka's ShareSessionCache): a share consumer's ShareFetch and
 * ShareAcknowledge requests to one broker form a session keyed by (group, member), so an
 * incremental ShareFetch names only the partitions that changed. The session epoch orders the
 * requests: 0 opens a session (a full request, replacing the member's old session), -1 closes
 * it, any other value must be the session's next epoch (INVALID_SHARE_SESSION_EPOCH
 * otherwise, SHARE_SESSION_NOT_FOUND when there is no session). group.share.max.share.sessions
 * bounds how many a broker keeps.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';

export const INITIAL_SHARE_SESSION_EPOCH = 0;
export const FINAL_SHARE_SESSION_EPOCH = -1;

/** Kafka's SHARE_SESSION_LIMIT_REACHED (133, Kafka 4.1), not yet in the generated error table. */
export const SHARE_SESSION_LIMIT_REACHED = 133;

/** A share-partition of a session: topic id (hex) and partition. */
export interface SessionPartition {
  topicId: string;
  partition: number;
}

export class ShareSession {
  readonly groupId: string;
  readonly memberId: string;
  /** The connection that opened it (Kafka releases a session's records when it closes). */
  readonly connectionId: string;
  /** The epoch the next request must carry. */
  epoch = 1;
  /** "topicId:partition" → partition. */
  readonly partitions = new Map<string, SessionPartition>();

  constructor(groupId: string, memberId: string, connectionId: string) {
    this.groupId = groupId;
    this.memberId = memberId;
    this.connectionId = connectionId;
  }

  add(topicId: string, partition: number): void {
    const k = `${topicId}:${partition}`;
    if (!this.partitions.has(k)) this.partitions.set(k, { topicId, partition });
  }

  remove(topicId: string, partition: number): void {
    this.partitions.delete(`${topicId}:${partition}`);
  }
}

export type SessionOutcome =
  | { errorCode: 0; session: ShareSession; closed: boolean; replaced: ShareSession | null }
  | { errorCode: number; session: null; closed: false; replaced: null };

export class ShareSessionCache {
  private readonly sessions = new Map<string, ShareSession>();
  private readonly maxSessions: number;

  constructor(maxSessions: number) {
    this.maxSessions = maxSessions;
  }

  get size(): number {
    return this.sessions.size;
  }

  get(groupId: string, memberId: string): ShareSession | undefined {
    return this.sessions.get(key(groupId, memberId));
  }

  /**
   * The session a ShareFetch (`fetch`) or ShareAcknowledge with `epoch` belongs to, opening,
   * advancing or closing it. A ShareAcknowledge cannot open one. `replaced` is the member's
   * session a new one took the place of; a closed session is out of the cache already.
   */
  begin(groupId: string, memberId: string, epoch: number, connectionId: string, fetch: boolean): SessionOutcome {
    const k = key(groupId, memberId);
    const existing = this.sessions.get(k);
    if (epoch === INITIAL_SHARE_SESSION_EPOCH) {
      if (!fetch) return fail(ErrorCode.INVALID_SHARE_SESSION_EPOCH);
      if (existing === undefined && this.sessions.size >= this.maxSessions) return fail(SHARE_SESSION_LIMIT_REACHED);
      const session = new ShareSession(groupId, memberId, connectionId);
      this.sessions.set(k, session);
      return { errorCode: ErrorCode.NONE, session, closed: false, replaced: existing ?? null };
    }
    if (existing === undefined) return fail(ErrorCode.SHARE_SESSION_NOT_FOUND);
    if (epoch === FINAL_SHARE_SESSION_EPOCH) {
      this.sessions.delete(k);
      return { errorCode: ErrorCode.NONE, session: existing, closed: true, replaced: null };
    }
    if (epoch !== existing.epoch) return fail(ErrorCode.INVALID_SHARE_SESSION_EPOCH);
    existing.epoch = existing.epoch === 0x7fffffff ? 1 : existing.epoch + 1;
    return { errorCode: ErrorCode.NONE, session: existing, closed: false, replaced: null };
  }

  /** Removes the member's session (it left the group or was fenced); returns it. */
  remove(groupId: string, memberId: string): ShareSession | undefined {
    const k = key(groupId, memberId);
    const s = this.sessions.get(k);
    if (s !== undefined) this.sessions.delete(k);
    return s;
  }

  /** Removes the sessions a closed connection opened; returns them. */
  removeConnection(connectionId: string): ShareSession[] {
    const out: ShareSession[] = [];
    for (const [k, s] of this.sessions) {
      if (s.connectionId !== connectionId) continue;
      this.sessions.delete(k);
      out.push(s);
    }
    return out;
  }
}

function key(groupId: string, memberId: string): string {
  return `${groupId}\u0000${memberId}`;
}

function fail(errorCode: number): SessionOutcome {
  return { errorCode, session: null, closed: false, replaced: null };
}
