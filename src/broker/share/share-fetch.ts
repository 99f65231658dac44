/**
 * ShareFetch and ShareAcknowledge, less their wire formats (Kafka's KafkaApis.handleShareFetch
 * / handleShareAcknowledge with SharePartitionManager): the share session first (its epoch
 * decides whether the request is served at all), then the acknowledgements the request
 * carries, then — for a ShareFetch that neither closes its session nor only renews locks —
 * acquisition over every share-partition of the session, parked until records come or its max
 * wait ends when there are none.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import type { ShareAcquireMode } from '../../coordinator/share/record-state.js';
import type { AcknowledgementBatch, AcquiredRecords } from '../../coordinator/share/share-partition.js';
import { FINAL_SHARE_SESSION_EPOCH, INITIAL_SHARE_SESSION_EPOCH, type SessionPartition, type ShareSession } from '../../coordinator/share/share-session-cache.js';
import { acquireForMember, type AcquiredPartition, type ShareAcquireBroker } from './share-acquire.js';

export interface ShareAckPartition {
  topicId: string;
  partition: number;
  batches: AcknowledgementBatch[];
}

export interface ShareFetchParams {
  groupId: string;
  memberId: string;
  sessionEpoch: number;
  /** The connection the request came on (its sessions go with it). */
  connectionId: string;
  maxWaitMs: number;
  maxBytes: number;
  maxRecords: number;
  batchSize: number;
  mode: ShareAcquireMode;
  /** Only renews locks (KIP-1222): nothing is acquired. */
  isRenewAck: boolean;
  readCommitted: boolean;
  /** The partitions the request names to fetch (added to the session). */
  fetch: SessionPartition[];
  /** Partitions leaving the session. */
  forgotten: SessionPartition[];
  acks: ShareAckPartition[];
}

export interface SharePartitionResponse {
  topicId: string;
  partition: number;
  errorCode: number;
  /** null when the request acknowledged nothing on the partition. */
  ackErrorCode: number | null;
  records: Buffer | null;
  acquired: AcquiredRecords[];
}

export interface ShareFetchOutcome {
  errorCode: number;
  errorMessage: string | null;
  partitions: SharePartitionResponse[];
}

export type ShareFetchBroker = ShareAcquireBroker;

const pkey = (topicId: string, partition: number) => `${topicId}:${partition}`;

/** ShareFetch: a response now, or a promise of one when it waits for records. */
export async function shareFetch(broker: ShareFetchBroker, p: ShareFetchParams): Promise<ShareFetchOutcome> {
  if (p.sessionEpoch === INITIAL_SHARE_SESSION_EPOCH && p.acks.length > 0) return failure(ErrorCode.INVALID_REQUEST, 'Acknowledge data present in initial share fetch request.');
  if (p.sessionEpoch === FINAL_SHARE_SESSION_EPOCH && p.fetch.length > 0) return failure(ErrorCode.INVALID_REQUEST, 'Final share fetch request cannot fetch partitions.');
  const share = broker.share;
  const begun = share.sessions.begin(p.groupId, p.memberId, p.sessionEpoch, p.connectionId, true);
  if (begun.session === null) return failure(begun.errorCode, null);
  const session = begun.session;
  if (begun.replaced !== null) await releaseSession(broker, begun.replaced);
  for (const f of p.forgotten) session.remove(f.topicId, f.partition);
  for (const f of p.fetch) session.add(f.topicId, f.partition);

  const byKey = new Map<string, SharePartitionResponse>();
  const out: SharePartitionResponse[] = [];
  const entry = (topicId: string, partition: number): SharePartitionResponse => {
    let r = byKey.get(pkey(topicId, partition));
    if (r === undefined) {
      r = { topicId, partition, errorCode: ErrorCode.NONE, ackErrorCode: null, records: null, acquired: [] };
      byKey.set(pkey(topicId, partition), r);
      out.push(r);
    }
    return r;
  };
  for (const a of p.acks) entry(a.topicId, a.partition).ackErrorCode = await acknowledge(broker, p.groupId, p.memberId, a);
  if (begun.closed) {
    await releaseSession(broker, session);
    return { errorCode: ErrorCode.NONE, errorMessage: null, partitions: out };
  }
  if (p.isRenewAck) return { errorCode: ErrorCode.NONE, errorMessage: null, partitions: out };

  const partitions = [...session.partitions.values()];
  const full = p.sessionEpoch === INITIAL_SHARE_SESSION_EPOCH;
  const limits = { maxBytes: p.maxBytes, maxRecords: p.maxRecords, batchSize: p.batchSize, mode: p.mode, readCommitted: p.readCommitted };
  const merge = (got: AcquiredPartition[]): void => {
    for (const g of got) {
      if (!full && g.errorCode === ErrorCode.NONE && g.acquired.length === 0 && !byKey.has(pkey(g.topicId, g.partition))) continue;
      const r = entry(g.topicId, g.partition);
      r.errorCode = g.errorCode;
      r.records = g.records;
      r.acquired = g.acquired;
    }
  };
  const first = await acquireForMember(broker, p.groupId, p.memberId, partitions, limits);
  const hasError = first.partitions.some((g) => g.errorCode !== ErrorCode.NONE);
  if (first.acquiredCount > 0 || p.maxWaitMs <= 0 || hasError || partitions.length === 0) {
    merge(first.partitions);
    return { errorCode: ErrorCode.NONE, errorMessage: null, partitions: out };
  }
  // Nothing to deliver yet: wait for records, as Kafka's DelayedShareFetch.
  const logs: PartitionLog[] = [];
  for (const sp of partitions) {
    const log = share.leaderLog(sp.topicId, sp.partition);
    if (log !== undefined) logs.push(log);
  }
  return new Promise<ShareFetchOutcome>((resolve) => {
    let answered = false;
    const answer = (got: AcquiredPartition[]): void => {
      if (answered) return;
      answered = true;
      merge(got);
      resolve({ errorCode: ErrorCode.NONE, errorMessage: null, partitions: out });
    };
    share.waiters.park(
      logs,
      p.maxWaitMs,
      async () => {
        if (answered) return true;
        // The session ended meanwhile (closed, replaced, its connection gone): answer with nothing.
        if (share.sessions.get(p.groupId, p.memberId) !== session) {
          answer(first.partitions);
          return true;
        }
        const again = await acquireForMember(broker, p.groupId, p.memberId, [...session.partitions.values()], limits);
        if (answered) return true;
        if (again.acquiredCount === 0 && !again.partitions.some((g) => g.errorCode !== ErrorCode.NONE)) return false;
        answer(again.partitions);
        return true;
      },
      () => answer(first.partitions),
    );
  });
}

/** ShareAcknowledge: the session's epoch, then the acknowledgements; -1 closes the session, releasing what the member still holds. */
export async function shareAcknowledge(broker: ShareFetchBroker, groupId: string, memberId: string, sessionEpoch: number, connectionId: string, acks: readonly ShareAckPartition[]): Promise<ShareFetchOutcome> {
  const begun = broker.share.sessions.begin(groupId, memberId, sessionEpoch, connectionId, false);
  if (begun.session === null) return failure(begun.errorCode, null);
  const out: SharePartitionResponse[] = [];
  for (const a of acks) {
    out.push({ topicId: a.topicId, partition: a.partition, errorCode: await acknowledge(broker, groupId, memberId, a), ackErrorCode: null, records: null, acquired: [] });
  }
  if (begun.closed) await releaseSession(broker, begun.session);
  return { errorCode: ErrorCode.NONE, errorMessage: null, partitions: out };
}

/** Releases what the session's member holds on the session's share-partitions (the session ended). */
export async function releaseSession(broker: ShareAcquireBroker, session: ShareSession): Promise<void> {
  let released = false;
  for (const sp of session.partitions.values()) {
    const key = { groupId: session.groupId, topicId: sp.topicId, partition: sp.partition };
    const before = broker.share.sharePartitions.loaded(key)?.inFlightCount ?? 0;
    await broker.share.sharePartitions.releaseMember(key, session.memberId);
    if (before > 0) released = true;
  }
  if (released) broker.share.waiters.wakeAll();
}

async function acknowledge(broker: ShareAcquireBroker, groupId: string, memberId: string, a: ShareAckPartition): Promise<number> {
  if (broker.metadata.topicById(Buffer.from(a.topicId, 'hex')) === undefined) return ErrorCode.UNKNOWN_TOPIC_ID;
  const code = await broker.share.sharePartitions.acknowledge({ groupId, topicId: a.topicId, partition: a.partition }, memberId, a.batches);
  // A release makes records available to the members waiting for some.
  if (code === ErrorCode.NONE) broker.share.waiters.wakeAll();
  return code;
}

function failure(errorCode: number, errorMessage: string | null): ShareFetchOutcome {
  return { errorCode, errorMessage, partitions: [] };
}
