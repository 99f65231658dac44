// ConsumerGroupDescribe (key 69), versions 0-1: KIP-848 consumer groups with their epochs,
// assignor, and each member's subscription, current and target assignment. v1 (KIP-1099)
// adds each member's type (0 classic, 1 consumer). A group id that is not a consumer group
// answers GROUP_ID_NOT_FOUND with Kafka's message; an empty id INVALID_GROUP_ID. DESCRIBE on
// the group, and on every topic of its members' assignments, is needed (KafkaApis).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { DescribedGroup } from '../../protocol/generated/consumer-group-describe-response.js';
import { UNKNOWN_AUTHORIZED_OPERATIONS } from './common.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup, authorizeTopic, groupAuthorizedOperations } from '../authorize.js';
import type { BrokerContext } from '../context.js';
import { consumerGroupProtocolEnabled } from '../feature-gates.js';
import { defineHandler, type RequestInfo } from './handler.js';

function failed(groupId: string, errorCode: number): DescribedGroup {
  return {
    errorCode, errorMessage: null, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [],
    authorizedOperations: UNKNOWN_AUTHORIZED_OPERATIONS,
  };
}

const UNDESCRIBABLE_TOPICS = 'The group has described topic(s) that the client is not authorized to describe.';

function assignedTopicsDescribable(broker: BrokerContext, info: RequestInfo, d: DescribedGroup): boolean {
  for (const m of d.members) {
    for (const a of [m.assignment, m.targetAssignment]) {
      for (const tp of a.topicPartitions) if (!authorizeTopic(broker, info, AclOperation.Describe, tp.topicName)) return false;
    }
  }
  return true;
}

export const consumerGroupDescribeHandler = defineHandler({
  apiKey: ApiKey.ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 1,
  handle(request, info, broker) {
    if (!consumerGroupProtocolEnabled(broker)) return { throttleTimeMs: 0, groups: request.groupIds.map((groupId) => failed(groupId, ErrorCode.UNSUPPORTED_VERSION)) };
    const groups = broker.groups;
    const status = groups.statusError();
    const described = request.groupIds.map((groupId) => {
      if (!authorizeGroup(broker, info, AclOperation.Describe, groupId)) return failed(groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED);
      if (status !== ErrorCode.NONE) return failed(groupId, status);
      if (groupId === '') return failed(groupId, ErrorCode.INVALID_GROUP_ID);
      const notHere = groups.groupError(groupId);
      if (notHere !== ErrorCode.NONE) return failed(groupId, notHere);
      const d = groups.consumerGroupDescribe(groupId, info.apiVersion);
      // Kafka hides the whole group when a member's assignment names a topic the principal
      // may not describe, so no topic name, id or ownership leaks.
      if (d.errorCode === ErrorCode.NONE && broker.authorizer !== null && !assignedTopicsDescribable(broker, info, d)) {
        return { ...failed(groupId, ErrorCode.TOPIC_AUTHORIZATION_FAILED), errorMessage: UNDESCRIBABLE_TOPICS };
      }
      if (request.includeAuthorizedOperations && d.errorCode === ErrorCode.NONE) d.authorizedOperations = groupAuthorizedOperations(broker, info, groupId);
      return d;
    });
    return { throttleTimeMs: 0, groups: described };
  },
});
