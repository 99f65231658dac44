// StreamsGroupHeartbeat (key 88), versions 0-1: the streams rebalance protocol (KIP-1071) for
// Kafka Streams with group.protocol=streams. A member joins with epoch 0 and its topology,
// heartbeats with its epoch and the tasks it holds, and leaves with epoch -1 (-2: a static
// member leaving for a while). The response carries the member's epoch, the tasks it is to
// run when they changed, statuses (missing topics, stale topology, a shutdown request) and,
// when the member's endpoint information is behind, the partitions of every member's
// endpoint for interactive queries. v1 (KIP-1331) adds TopologyDescriptionRequired (set when
// a topology description plugin lacks the group's topology epoch, with Kafka's backoff) and
// AcceptableRecoveryLag as an int64; v0 has it as AcceptableRecoveryLagLegacy. As KafkaApis: READ on the group; a topology may not use
// Kafka's internal topics or invalid names, and needs DESCRIBE on all its topics; internal
// topics the group needs are created (CREATE on the cluster or the topic) once the heartbeat
// is answered by the coordinator, or reported in the MISSING_INTERNAL_TOPICS status. The
// response waits until the heartbeat's records are committed in __consumer_offsets.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { StreamsGroupHeartbeatRequest } from '../../protocol/generated/streams-group-heartbeat-request.js';
import type { StreamsGroupHeartbeatResponse } from '../../protocol/generated/streams-group-heartbeat-response.js';
import { clientHostOf } from '../../coordinator/group/requests.js';
import { StreamsStatus, type InternalTopicToCreate } from '../../coordinator/streams/configured-topology.js';
import type { StreamsHeartbeatResponse } from '../../coordinator/streams/heartbeat-types.js';
import { AclOperation } from '../../cluster/acls.js';
import { isInternalTopic } from '../../cluster/metadata.js';
import { authorizeCluster, authorizeGroup, authorizeTopic } from '../authorize.js';
import type { BrokerContext } from '../context.js';
import { createNewTopic, topicNameError } from '../topics.js';
import { streamsGroupProtocolEnabled } from '../feature-gates.js';
import { defineHandler, type RequestInfo } from './handler.js';

function fail(errorCode: number, errorMessage: string | null = null): StreamsGroupHeartbeatResponse {
  return {
    throttleTimeMs: 0, errorCode, errorMessage, memberId: '', memberEpoch: 0, heartbeatIntervalMs: 0, acceptableRecoveryLagLegacy: 0, taskOffsetIntervalMs: 0,
    acceptableRecoveryLag: -1n, status: null, activeTasks: null, standbyTasks: null, warmupTasks: null, topologyDescriptionRequired: false,
    endpointInformationEpoch: 0, partitionsByUserEndpoint: null,
  };
}

/** Every topic a topology names, once each, in order. */
function topologyTopics(request: StreamsGroupHeartbeatRequest): string[] {
  const out = new Set<string>();
  for (const s of request.topology?.subtopologies ?? []) {
    for (const t of s.sourceTopics) out.add(t);
    for (const t of s.repartitionSinkTopics) out.add(t);
    for (const t of s.repartitionSourceTopics) out.add(t.name);
    for (const t of s.stateChangelogTopics) out.add(t.name);
  }
  return [...out];
}

/** The response on the wire: v0 carries the acceptable recovery lag as an int32, v1 as an int64. */
function toWire(r: StreamsHeartbeatResponse, v: number, topologyDescriptionRequired: boolean): StreamsGroupHeartbeatResponse {
  return {
    throttleTimeMs: 0, errorCode: r.errorCode, errorMessage: r.errorMessage, memberId: r.memberId, memberEpoch: r.memberEpoch, heartbeatIntervalMs: r.heartbeatIntervalMs,
    acceptableRecoveryLagLegacy: v === 0 ? Math.min(r.acceptableRecoveryLag, 2_147_483_647) : 0, taskOffsetIntervalMs: r.taskOffsetIntervalMs,
    acceptableRecoveryLag: v >= 1 ? BigInt(r.acceptableRecoveryLag) : -1n, status: r.status, activeTasks: r.activeTasks, standbyTasks: r.standbyTasks, warmupTasks: r.warmupTasks,
    topologyDescriptionRequired: v >= 1 && topologyDescriptionRequired, endpointInformationEpoch: r.endpointInformationEpoch,
    partitionsByUserEndpoint: r.partitionsByUserEndpoint === null ? null : r.partitionsByUserEndpoint.map((e) => ({
      userEndpoint: e.userEndpoint, activePartitions: e.activePartitions, standbyPartitions: e.standbyPartitions,
    })),
  };
}

/**
 * Creates the internal topics the group is missing (KafkaApis with the AutoTopicCreationManager):
 * those the principal may create; the rest, and failures, go into the MISSING_INTERNAL_TOPICS status.
 */
async function createInternalTopics(broker: BrokerContext, info: RequestInfo, topics: readonly InternalTopicToCreate[], response: StreamsGroupHeartbeatResponse): Promise<void> {
  const clusterCreate = authorizeCluster(broker, info, AclOperation.Create);
  const unauthorized: string[] = [];
  const failed: string[] = [];
  for (const t of topics) {
    if (!clusterCreate && !authorizeTopic(broker, info, AclOperation.Create, t.name)) {
      unauthorized.push(t.name);
      continue;
    }
    const r = await createNewTopic(broker, {
      name: t.name, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor, assignments: [],
      configs: t.configs.map((c) => ({ name: c.key, value: c.value })),
    });
    // Another member's heartbeat may have created it meanwhile.
    if (!r.ok && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) failed.push(`${t.name} (${r.message})`);
  }
  if (unauthorized.length === 0 && failed.length === 0) return;
  const status = response.status ?? (response.status = []);
  let entry = status.find((s) => s.statusCode === StreamsStatus.MissingInternalTopics);
  if (entry === undefined) status.push((entry = { statusCode: StreamsStatus.MissingInternalTopics, statusDetail: '' }));
  const parts = [entry.statusDetail];
  if (unauthorized.length > 0) parts.push(`Unauthorized to CREATE on topics ${unauthorized.join(', ')}.`);
  if (failed.length > 0) parts.push(`Creation failed: ${failed.join(', ')}.`);
  entry.statusDetail = parts.filter((p) => p !== '').join('; ');
}

export const streamsGroupHeartbeatHandler = defineHandler({
  apiKey: ApiKey.StreamsGroupHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, info, broker) {
    if (!streamsGroupProtocolEnabled(broker)) return fail(ErrorCode.UNSUPPORTED_VERSION);
    const groups = broker.groups;
    if (!authorizeGroup(broker, info, AclOperation.Read, request.groupId)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    if (request.topology !== null) {
      const topics = topologyTopics(request);
      const prohibited = topics.filter((t) => isInternalTopic(t));
      if (prohibited.length > 0) return fail(ErrorCode.STREAMS_INVALID_TOPOLOGY, `Use of Kafka internal topics ${prohibited.join(', ')} in a Kafka Streams topology is prohibited.`);
      const invalid = topics.filter((t) => topicNameError(t) !== null);
      if (invalid.length > 0) return fail(ErrorCode.STREAMS_INVALID_TOPOLOGY, `Topic names ${invalid.join(', ')} are not valid topic names.`);
      if (topics.some((t) => !authorizeTopic(broker, info, AclOperation.Describe, t))) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    }
    const status = groups.statusError();
    if (status !== ErrorCode.NONE) return fail(status);
    const notHere = await groups.coordinatorError(request.groupId);
    if (notHere !== ErrorCode.NONE) return fail(notHere);
    const outcome = await groups.streamsGroupHeartbeat({
      groupId: request.groupId, memberId: request.memberId, memberEpoch: request.memberEpoch, endpointInformationEpoch: request.endpointInformationEpoch,
      instanceId: request.instanceId, rackId: request.rackId, rebalanceTimeoutMs: request.rebalanceTimeoutMs, topology: request.topology,
      activeTasks: request.activeTasks, standbyTasks: request.standbyTasks, warmupTasks: request.warmupTasks, processId: request.processId,
      userEndpoint: request.userEndpoint, clientTags: request.clientTags, taskOffsets: request.taskOffsets, taskEndOffsets: request.taskEndOffsets,
      shutdownApplication: request.shutdownApplication, clientId: info.clientId ?? '', clientHost: clientHostOf(info.clientAddress), apiVersion: info.apiVersion,
    });
    const response = toWire(outcome.response, info.apiVersion, outcome.topologyDescriptionRequired);
    if (response.errorCode === ErrorCode.NONE && outcome.topicsToCreate.length > 0) await createInternalTopics(broker, info, outcome.topicsToCreate, response);
    return response;
  },
});
