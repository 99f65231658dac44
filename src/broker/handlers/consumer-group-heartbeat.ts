// ConsumerGroupHeartbeat (key 68), versions 0-1: the KIP-848 consumer group protocol. A
// member joins with epoch 0, heartbeats with its epoch (and, when they changed, its
// subscription and owned partitions), and leaves with epoch -1 (-2: a static member leaving
// for a while). Every response carries the member's epoch and the heartbeat interval; the
// assignment when it changed or on a full request. v1 (KIP-1082) requires the client to
// generate its member id (v0 lets the coordinator pick one) and adds SubscribedTopicRegex.
// The response waits until the heartbeat's records are committed in __consumer_offsets.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { ConsumerGroupHeartbeatResponse } from '../../protocol/generated/consumer-group-heartbeat-response.js';
import { clientHostOf } from '../../coordinator/group/requests.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup, authorizeTopic } from '../authorize.js';
import { consumerGroupProtocolEnabled } from '../feature-gates.js';
import { defineHandler } from './handler.js';

function fail(errorCode: number): ConsumerGroupHeartbeatResponse {
  return { throttleTimeMs: 0, errorCode, errorMessage: null, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
}

export const consumerGroupHeartbeatHandler = defineHandler({
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, info, broker) {
    if (!consumerGroupProtocolEnabled(broker)) return fail(ErrorCode.UNSUPPORTED_VERSION);
    const v = info.apiVersion;
    const groups = broker.groups;
    // READ on the group, then DESCRIBE on every subscribed topic name (KafkaApis).
    if (!authorizeGroup(broker, info, AclOperation.Read, request.groupId)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    if (request.subscribedTopicNames !== null) {
      for (const t of request.subscribedTopicNames) if (!authorizeTopic(broker, info, AclOperation.Describe, t)) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    }
    const status = groups.statusError();
    if (status !== ErrorCode.NONE) return fail(status);
    const notHere = await groups.coordinatorError(request.groupId);
    if (notHere !== ErrorCode.NONE) return fail(notHere);
    return groups.consumerGroupHeartbeat({
      groupId: request.groupId,
      memberId: request.memberId,
      memberEpoch: request.memberEpoch,
      instanceId: request.instanceId,
      rackId: request.rackId,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      subscribedTopicNames: request.subscribedTopicNames,
      subscribedTopicRegex: v >= 1 ? request.subscribedTopicRegex : null,
      serverAssignor: request.serverAssignor,
      topicPartitions: request.topicPartitions,
      clientId: info.clientId ?? '',
      clientHost: clientHostOf(info.clientAddress),
      apiVersion: v,
    });
  },
});
