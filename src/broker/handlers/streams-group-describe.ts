// StreamsGroupDescribe (key 89), versions 0-1: KIP-1071 streams groups with their epochs,
// topology (as configured against the topics: partition counts decided, no subtopologies
// while not ready) and each member's process, endpoint, tags, task offsets, and current and
// target tasks. v1 (KIP-1331, KIP-1357) adds the topology description and its status when
// asked for (NOT_STORED without a plugin or a stored description of the group's topology
// epoch, ERROR when the plugin fails, AVAILABLE with the description) and the assignor name. A group id that is not a streams group answers GROUP_ID_NOT_FOUND with
// Kafka's message; an empty id INVALID_GROUP_ID. As KafkaApis: DESCRIBE on the group, and on
// every topic of its topology.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { DescribedGroup } from '../../protocol/generated/streams-group-describe-response.js';
import type { DescribedStreamsGroup } from '../../coordinator/streams/streams-group-describe.js';
import { UNKNOWN_AUTHORIZED_OPERATIONS } from './common.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup, authorizeTopic, groupAuthorizedOperations } from '../authorize.js';
import type { BrokerContext } from '../context.js';
import { streamsGroupProtocolEnabled } from '../feature-gates.js';
import { defineHandler, type RequestInfo } from './handler.js';

/** TopologyDescriptionStatus: 0 not requested (or the group failed). */
const NOT_REQUESTED = 0;

function failed(groupId: string, errorCode: number, errorMessage: string | null = null): DescribedGroup {
  return {
    errorCode, errorMessage, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, topology: null, members: [],
    authorizedOperations: UNKNOWN_AUTHORIZED_OPERATIONS, topologyDescription: null, topologyDescriptionStatus: NOT_REQUESTED, assignorName: null,
  };
}

const UNDESCRIBABLE_TOPICS = 'The described group uses topics that the client is not authorized to describe.';

function topicsDescribable(broker: BrokerContext, info: RequestInfo, d: DescribedStreamsGroup): boolean {
  for (const s of d.topology?.subtopologies ?? []) {
    const names = [...s.sourceTopics, ...s.repartitionSinkTopics, ...s.stateChangelogTopics.map((t) => t.name), ...s.repartitionSourceTopics.map((t) => t.name)];
    for (const t of names) if (!authorizeTopic(broker, info, AclOperation.Describe, t)) return false;
  }
  return true;
}

export const streamsGroupDescribeHandler = defineHandler({
  apiKey: ApiKey.StreamsGroupDescribe,
  minVersion: 0,
  maxVersion: 1,
  handle(request, info, broker) {
    if (!streamsGroupProtocolEnabled(broker)) return { throttleTimeMs: 0, groups: request.groupIds.map((groupId) => failed(groupId, ErrorCode.UNSUPPORTED_VERSION)) };
    const groups = broker.groups;
    const status = groups.statusError();
    const described = request.groupIds.map((groupId): DescribedGroup => {
      if (!authorizeGroup(broker, info, AclOperation.Describe, groupId)) return failed(groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED);
      if (status !== ErrorCode.NONE) return failed(groupId, status);
      if (groupId === '') return failed(groupId, ErrorCode.INVALID_GROUP_ID);
      const notHere = groups.groupError(groupId);
      if (notHere !== ErrorCode.NONE) return failed(groupId, notHere);
      const d = groups.streamsGroupDescribe(groupId);
      if (d.errorCode !== ErrorCode.NONE) return failed(groupId, d.errorCode, d.errorMessage);
      if (broker.authorizer !== null && !topicsDescribable(broker, info, d)) return failed(groupId, ErrorCode.TOPIC_AUTHORIZATION_FAILED, UNDESCRIBABLE_TOPICS);
      const description = info.apiVersion >= 1 && request.includeTopologyDescription ? groups.streamsGroupDescription(groupId) : null;
      return {
        ...d,
        authorizedOperations: request.includeAuthorizedOperations ? groupAuthorizedOperations(broker, info, groupId) : UNKNOWN_AUTHORIZED_OPERATIONS,
        topologyDescription: description?.topologyDescription ?? null,
        topologyDescriptionStatus: description?.topologyDescriptionStatus ?? NOT_REQUESTED,
        assignorName: info.apiVersion >= 1 ? d.assignorName : null,
      };
    });
    return { throttleTimeMs: 0, groups: described };
  },
});
