// ShareGroupHeartbeat (key 76), version 1: KIP-932 share group membership (v0, Kafka 4.0's
// early access, was removed in 4.1). A member joins with epoch 0 and its subscribed topic
// names, heartbeats with its epoch, and leaves with epoch -1; the response carries its epoch,
// the heartbeat interval and, when they changed or it joined, its partitions (which other
// members may share). READ on the group and DESCRIBE on every subscribed topic are needed
// (KafkaApis). The response waits until the heartbeat's records are committed.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { ShareGroupHeartbeatResponse } from '../../protocol/generated/share-group-heartbeat-response.js';
import { clientHostOf } from '../../coordinator/group/requests.js';
import { toWire } from '../../coordinator/group/consumer/assignment.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup, authorizeTopic } from '../authorize.js';
import { shareGroupProtocolEnabled } from '../feature-gates.js';
import { defineHandler } from './handler.js';

function fail(errorCode: number, errorMessage: string | null = null): ShareGroupHeartbeatResponse {
  return { throttleTimeMs: 0, errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
}

export const shareGroupHeartbeatHandler = defineHandler({
  apiKey: ApiKey.ShareGroupHeartbeat,
  minVersion: 1,
  maxVersion: 1,
  async handle(request, info, broker) {
    if (!shareGroupProtocolEnabled(broker)) return fail(ErrorCode.UNSUPPORTED_VERSION);
    const groups = broker.groups;
    if (!authorizeGroup(broker, info, AclOperation.Read, request.groupId)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    if (request.subscribedTopicNames !== null) {
      for (const t of request.subscribedTopicNames) if (!authorizeTopic(broker, info, AclOperation.Describe, t)) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    }
    const status = groups.statusError();
    if (status !== ErrorCode.NONE) return fail(status);
    const notHere = await groups.coordinatorError(request.groupId);
    if (notHere !== ErrorCode.NONE) return fail(notHere);
    const outcome = await groups.shareGroupHeartbeat({
      groupId: request.groupId,
      memberId: request.memberId,
      memberEpoch: request.memberEpoch,
      rackId: request.rackId,
      subscribedTopicNames: request.subscribedTopicNames,
      clientId: info.clientId ?? '',
      clientHost: clientHostOf(info.clientAddress),
    });
    if (outcome.result === null) return fail(outcome.errorCode, outcome.errorMessage);
    const r = outcome.result;
    return {
      throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, memberId: r.memberId, memberEpoch: r.memberEpoch,
      heartbeatIntervalMs: r.heartbeatIntervalMs, assignment: r.assignment === null ? null : { topicPartitions: toWire(r.assignment) },
    };
  },
});
