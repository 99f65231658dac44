// StreamsGroupTopologyDescriptionUpdate (key 93), version 0 (KIP-1331): a Kafka Streams
// member pushes its topology's description when a heartbeat asked for it
// (TopologyDescriptionRequired). As Kafka 4.4: UNSUPPORTED_VERSION while streams groups are
// off; READ on the group; COORDINATOR_NOT_AVAILABLE while the coordinator is not active;
// UNSUPPORTED_VERSION with Kafka's message without a topology description plugin
// (group.streams.topology.description.plugin.class); INVALID_REQUEST for an empty member or
// group id; then the coordinator's checks (member in the group, the group's topology epoch)
// and the plugin call (src/coordinator/streams/topology-description/update.ts).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { StreamsGroupTopologyDescriptionUpdateResponse } from '../../protocol/generated/streams-group-topology-description-update-response.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup } from '../authorize.js';
import { streamsGroupProtocolEnabled } from '../feature-gates.js';
import { defineHandler } from './handler.js';

const NO_PLUGIN = 'The broker has no streams group topology description plugin configured.';

function answer(errorCode: number, errorMessage: string | null = null): StreamsGroupTopologyDescriptionUpdateResponse {
  return { throttleTimeMs: 0, errorCode, errorMessage };
}

export const streamsGroupTopologyDescriptionUpdateHandler = defineHandler({
  apiKey: ApiKey.StreamsGroupTopologyDescriptionUpdate,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, info, broker) {
    if (!streamsGroupProtocolEnabled(broker)) return answer(ErrorCode.UNSUPPORTED_VERSION);
    if (!authorizeGroup(broker, info, AclOperation.Read, request.groupId)) return answer(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const groups = broker.groups;
    const status = groups.statusError();
    if (status !== ErrorCode.NONE) return answer(status);
    if (!groups.streamsTopologyDescriptionPluginConfigured) return answer(ErrorCode.UNSUPPORTED_VERSION, NO_PLUGIN);
    if (request.memberId === '') return answer(ErrorCode.INVALID_REQUEST, "MemberId can't be empty.");
    if (request.groupId === '') return answer(ErrorCode.INVALID_REQUEST, "GroupId can't be empty.");
    const notHere = await groups.coordinatorError(request.groupId);
    if (notHere !== ErrorCode.NONE) return answer(notHere);
    const result = await groups.streamsGroupTopologyDescriptionUpdate({
      groupId: request.groupId, memberId: request.memberId, topologyEpoch: request.topologyEpoch, topologyDescription: request.topologyDescription,
    });
    return answer(result.errorCode, result.errorMessage);
  },
});
