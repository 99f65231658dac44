// ShareFetch (key 78), versions 1-2: a share consumer's fetch (KIP-932). The share session
// epoch opens (0), continues or closes (-1) the member's session; acknowledgements ride along
// per partition; then records are acquired for the member from every partition of the
// session, each run of offsets under a lock of group.share.record.lock.duration.ms
// (AcquisitionLockTimeoutMs), and the fetch waits up to MaxWaitMs when there are none. v2
// (KIP-1206, KIP-1222) adds ShareAcquireMode (0 batch-optimized, 1 record-limit) and renew
// acknowledgements (IsRenewAck: the request only renews locks). READ on the group, and on each
// topic (TOPIC_AUTHORIZATION_FAILED per partition otherwise), as KafkaApis checks.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { PartitionData, ShareFetchResponse, ShareFetchableTopicResponse } from '../../protocol/generated/share-fetch-response.js';
import { EMPTY_BUFFER } from '../../protocol/primitives/codec-helpers.js';
import { AcknowledgeType, ShareAcquireMode } from '../../coordinator/share/record-state.js';
import type { SessionPartition } from '../../coordinator/share/share-session-cache.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup, authorizeTopic } from '../authorize.js';
import { shareFetch, type ShareAckPartition, type SharePartitionResponse } from '../share/share-fetch.js';
import type { BrokerContext } from '../context.js';
import { shareGroupProtocolEnabled } from '../feature-gates.js';
import { defineHandler, type RequestInfo } from './handler.js';

const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };

function fail(errorCode: number, errorMessage: string | null = null): ShareFetchResponse {
  return { throttleTimeMs: 0, errorCode, errorMessage, acquisitionLockTimeoutMs: 0, responses: [], nodeEndpoints: [] };
}

/** A partition's answer without records (an error found before the share-partition was reached). */
export function partitionError(partitionIndex: number, errorCode: number): PartitionData {
  return { partitionIndex, errorCode, errorMessage: null, acknowledgeErrorCode: ErrorCode.NONE, acknowledgeErrorMessage: null, currentLeader: NO_LEADER, records: EMPTY_BUFFER, acquiredRecords: [] };
}

/** Groups partition answers by topic id, in the order they come. */
export function byTopic(items: ReadonlyArray<{ topicId: Buffer; data: PartitionData }>): ShareFetchableTopicResponse[] {
  const out: ShareFetchableTopicResponse[] = [];
  const index = new Map<string, ShareFetchableTopicResponse>();
  for (const { topicId, data } of items) {
    const k = topicId.toString('hex');
    let t = index.get(k);
    if (t === undefined) {
      t = { topicId, partitions: [] };
      index.set(k, t);
      out.push(t);
    }
    t.partitions.push(data);
  }
  return out;
}

/** Whether the principal may READ the topic of `topicId`; unknown topics are left to the share-partition (UNKNOWN_TOPIC_ID). */
export function topicReadable(broker: BrokerContext, info: RequestInfo, topicId: Buffer): boolean {
  const topic = broker.metadata.topicById(topicId);
  return topic === undefined || authorizeTopic(broker, info, AclOperation.Read, topic.name);
}

function toData(r: SharePartitionResponse): PartitionData {
  return {
    partitionIndex: r.partition, errorCode: r.errorCode, errorMessage: null,
    acknowledgeErrorCode: r.ackErrorCode ?? ErrorCode.NONE, acknowledgeErrorMessage: null, currentLeader: NO_LEADER,
    records: r.records ?? EMPTY_BUFFER,
    acquiredRecords: r.acquired.map((a) => ({ firstOffset: BigInt(a.firstOffset), lastOffset: BigInt(a.lastOffset), deliveryCount: a.deliveryCount })),
  };
}

export const shareFetchHandler = defineHandler({
  apiKey: ApiKey.ShareFetch,
  minVersion: 1,
  maxVersion: 2,
  async handle(request, info, broker) {
    if (!shareGroupProtocolEnabled(broker)) return fail(ErrorCode.UNSUPPORTED_VERSION);
    const groupId = request.groupId;
    const memberId = request.memberId;
    if (groupId === null || memberId === null || memberId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (!authorizeGroup(broker, info, AclOperation.Read, groupId)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const mode = info.apiVersion >= 2 ? request.shareAcquireMode : ShareAcquireMode.BatchOptimized;
    if (mode !== ShareAcquireMode.BatchOptimized && mode !== ShareAcquireMode.RecordLimit) return fail(ErrorCode.INVALID_REQUEST, `Unknown share acquire mode ${mode}.`);
    if (request.maxRecords <= 0 && !request.isRenewAck && request.shareSessionEpoch !== -1) return fail(ErrorCode.INVALID_REQUEST, 'MaxRecords must be positive.');
    const renewAllowed = info.apiVersion >= 2 && request.isRenewAck;
    const denied: Array<{ topicId: Buffer; data: PartitionData }> = [];
    const fetch: SessionPartition[] = [];
    const acks: ShareAckPartition[] = [];
    for (const t of request.topics) {
      const readable = topicReadable(broker, info, t.topicId);
      const topicId = t.topicId.toString('hex');
      for (const p of t.partitions) {
        if (!readable) {
          denied.push({ topicId: t.topicId, data: partitionError(p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED) });
          continue;
        }
        fetch.push({ topicId, partition: p.partitionIndex });
        // Renew acknowledgements come only in a renew request (v2's IsRenewAck).
        if (!renewAllowed && p.acknowledgementBatches.some((b) => b.acknowledgeTypes.includes(AcknowledgeType.Renew))) {
          denied.push({ topicId: t.topicId, data: { ...partitionError(p.partitionIndex, ErrorCode.NONE), acknowledgeErrorCode: ErrorCode.INVALID_REQUEST } });
          continue;
        }
        if (p.acknowledgementBatches.length > 0) {
          acks.push({ topicId, partition: p.partitionIndex, batches: p.acknowledgementBatches.map((b) => ({ firstOffset: Number(b.firstOffset), lastOffset: Number(b.lastOffset), acknowledgeTypes: b.acknowledgeTypes })) });
        }
      }
    }
    const forgotten: SessionPartition[] = [];
    for (const f of request.forgottenTopicsData) for (const p of f.partitions) forgotten.push({ topicId: f.topicId.toString('hex'), partition: p });
    const outcome = await shareFetch(broker, {
      groupId, memberId, sessionEpoch: request.shareSessionEpoch, connectionId: info.clientAddress,
      maxWaitMs: Math.max(0, request.maxWaitMs), maxBytes: request.maxBytes, maxRecords: request.maxRecords, batchSize: Math.max(1, request.batchSize), mode,
      isRenewAck: renewAllowed, readCommitted: broker.share.readCommitted(groupId),
      // The final request only acknowledges: what it names is not fetched.
      fetch: request.shareSessionEpoch === -1 ? [] : fetch, forgotten, acks,
    });
    if (outcome.errorCode !== ErrorCode.NONE) return fail(outcome.errorCode, outcome.errorMessage);
    const items = outcome.partitions.map((r) => ({ topicId: Buffer.from(r.topicId, 'hex'), data: toData(r) }));
    return {
      throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, acquisitionLockTimeoutMs: broker.share.groupSettings(groupId).partition.recordLockDurationMs,
      responses: byTopic([...denied, ...items]), nodeEndpoints: [],
    };
  },
});
