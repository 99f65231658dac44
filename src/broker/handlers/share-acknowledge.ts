// ShareAcknowledge (key 79), versions 1-2: a share consumer acknowledges records outside a
// fetch (KIP-932): accept (1), release (2), reject (3), a gap (0), and from v2 renew (4,
// KIP-1222, with IsRenewAck). Its share session epoch must follow the session's (it cannot
// open one); -1 closes the session after the acknowledgements, releasing what the member
// still holds. READ on the group, and on each topic, as KafkaApis checks.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { PartitionData, ShareAcknowledgeResponse } from '../../protocol/generated/share-acknowledge-response.js';
import { AcknowledgeType } from '../../coordinator/share/record-state.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup } from '../authorize.js';
import { shareAcknowledge, type ShareAckPartition } from '../share/share-fetch.js';
import { topicReadable } from './share-fetch.js';
import { shareGroupProtocolEnabled } from '../feature-gates.js';
import { defineHandler } from './handler.js';

const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };

function fail(errorCode: number, errorMessage: string | null = null): ShareAcknowledgeResponse {
  return { throttleTimeMs: 0, errorCode, errorMessage, acquisitionLockTimeoutMs: 0, responses: [], nodeEndpoints: [] };
}

function data(partitionIndex: number, errorCode: number): PartitionData {
  return { partitionIndex, errorCode, errorMessage: null, currentLeader: NO_LEADER };
}

export const shareAcknowledgeHandler = defineHandler({
  apiKey: ApiKey.ShareAcknowledge,
  minVersion: 1,
  maxVersion: 2,
  async handle(request, info, broker) {
    if (!shareGroupProtocolEnabled(broker)) return fail(ErrorCode.UNSUPPORTED_VERSION);
    const groupId = request.groupId;
    const memberId = request.memberId;
    if (groupId === null || memberId === null || memberId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (!authorizeGroup(broker, info, AclOperation.Read, groupId)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const renewAllowed = info.apiVersion >= 2 && request.isRenewAck;
    const denied = new Map<string, PartitionData[]>();
    const acks: ShareAckPartition[] = [];
    for (const t of request.topics) {
      const readable = topicReadable(broker, info, t.topicId);
      const topicId = t.topicId.toString('hex');
      for (const p of t.partitions) {
        const renews = p.acknowledgementBatches.some((b) => b.acknowledgeTypes.includes(AcknowledgeType.Renew));
        const code = !readable ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : renews && !renewAllowed ? ErrorCode.INVALID_REQUEST : ErrorCode.NONE;
        if (code !== ErrorCode.NONE) {
          const list = denied.get(topicId) ?? [];
          list.push(data(p.partitionIndex, code));
          denied.set(topicId, list);
          continue;
        }
        acks.push({ topicId, partition: p.partitionIndex, batches: p.acknowledgementBatches.map((b) => ({ firstOffset: Number(b.firstOffset), lastOffset: Number(b.lastOffset), acknowledgeTypes: b.acknowledgeTypes })) });
      }
    }
    const outcome = await shareAcknowledge(broker, groupId, memberId, request.shareSessionEpoch, info.clientAddress, acks);
    if (outcome.errorCode !== ErrorCode.NONE) return fail(outcome.errorCode, outcome.errorMessage);
    const byTopic = new Map<string, PartitionData[]>(denied);
    for (const r of outcome.partitions) {
      const list = byTopic.get(r.topicId) ?? [];
      list.push(data(r.partition, r.errorCode));
      byTopic.set(r.topicId, list);
    }
    return {
      throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, acquisitionLockTimeoutMs: broker.share.groupSettings(groupId).partition.recordLockDurationMs,
      responses: [...byTopic].map(([topicId, partitions]) => ({ topicId: Buffer.from(topicId, 'hex'), partitions })), nodeEndpoints: [],
    };
  },
});
