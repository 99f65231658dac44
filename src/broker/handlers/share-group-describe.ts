// ShareGroupDescribe (key 77), version 1: KIP-932 share groups with their epochs, assignor
// ("simple") and each member's subscription and partitions. A group id that is not a share
// group answers GROUP_ID_NOT_FOUND with Kafka's message; an empty id INVALID_GROUP_ID.
// DESCRIBE on the group, and on every topic of its members' assignments, is needed (KafkaApis).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { DescribedGroup } from '../../protocol/generated/share-group-describe-response.js';
import { describeShareGroup } from '../../coordinator/share/share-group-describe.js';
import { UNKNOWN_AUTHORIZED_OPERATIONS } from './common.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup, authorizeTopic, groupAuthorizedOperations } from '../authorize.js';
import { shareGroupProtocolEnabled, UNSUPPORTED_VERSION_MESSAGE } from '../feature-gates.js';
import { defineHandler } from './handler.js';

function failed(groupId: string, errorCode: number, errorMessage: string | null = null): DescribedGroup {
  return { errorCode, errorMessage, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [], authorizedOperations: UNKNOWN_AUTHORIZED_OPERATIONS };
}

const UNDESCRIBABLE_TOPICS = 'The group has described topic(s) that the client is not authorized to describe.';

export const shareGroupDescribeHandler = defineHandler({
  apiKey: ApiKey.ShareGroupDescribe,
  minVersion: 1,
  maxVersion: 1,
  handle(request, info, broker) {
    if (!shareGroupProtocolEnabled(broker)) return { throttleTimeMs: 0, groups: request.groupIds.map((groupId) => failed(groupId, ErrorCode.UNSUPPORTED_VERSION, UNSUPPORTED_VERSION_MESSAGE)) };
    const groups = broker.groups;
    const status = groups.statusError();
    const described = request.groupIds.map((groupId) => {
      if (!authorizeGroup(broker, info, AclOperation.Describe, groupId)) return failed(groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED);
      if (status !== ErrorCode.NONE) return failed(groupId, status);
      if (groupId === '') return failed(groupId, ErrorCode.INVALID_GROUP_ID);
      const notHere = groups.groupError(groupId);
      if (notHere !== ErrorCode.NONE) return failed(groupId, notHere);
      const group = groups.share.group(groupId);
      if (group === undefined) {
        const other = groups.consumer.group(groupId) !== undefined || groups.groups.group(groupId) !== undefined;
        return failed(groupId, ErrorCode.GROUP_ID_NOT_FOUND, other ? `Group ${groupId} is not a share group.` : `Group ${groupId} not found.`);
      }
      const d = describeShareGroup(group, broker.metadata);
      if (broker.authorizer !== null && d.members.some((m) => m.assignment.topicPartitions.some((tp) => !authorizeTopic(broker, info, AclOperation.Describe, tp.topicName)))) {
        return failed(groupId, ErrorCode.TOPIC_AUTHORIZATION_FAILED, UNDESCRIBABLE_TOPICS);
      }
      if (request.includeAuthorizedOperations) d.authorizedOperations = groupAuthorizedOperations(broker, info, groupId);
      return d;
    });
    return { throttleTimeMs: 0, groups: described };
  },
});
