/**
 * What Kafka's Admin.describeStreamsGroups does (KIP-1071), over one KafkaClient:
 * StreamsGroupDescribe to the group's coordinator. A streams group commits its offsets like a
 * consumer group, so Admin.fetchOffsets reads them.
 */
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { KafkaClient } from './client.js';
import { KafkaResponseError, throwIfError } from './errors.js';
import { groupCoordinator, type CoordinatorNode } from './share-group-admin.js';

/** Tasks of one subtopology: its partitions. */
export interface TaskIds {
  subtopologyId: string;
  partitions: number[];
}

export interface StreamsTasks {
  active: TaskIds[];
  standby: TaskIds[];
  warmup: TaskIds[];
}

export interface StreamsGroupMember {
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  host: string;
  topologyEpoch: number;
  processId: string;
  /** A classic-protocol member in a streams group (never, while Kafka has no such upgrade path). */
  isClassic: boolean;
  assignment: StreamsTasks;
  targetAssignment: StreamsTasks;
}

export interface Subtopology {
  subtopologyId: string;
  sourceTopics: string[];
  /** Repartition topics this subtopology reads (its tasks' partitions are theirs too). */
  repartitionSourceTopics: string[];
  repartitionSinkTopics: string[];
  stateChangelogTopics: string[];
}

export interface StreamsGroupDescription {
  groupId: string;
  /** Kafka's names: Empty, NotReady, Assigning, Reconciling, Stable, Dead. */
  state: string;
  groupEpoch: number;
  /** The epoch of the target assignment (the response's AssignmentEpoch). */
  targetAssignmentEpoch: number;
  /** -1 while no topology is known. */
  topologyEpoch: number;
  /** Null before StreamsGroupDescribe v1. */
  assignor: string | null;
  coordinator: CoordinatorNode;
  subtopologies: Subtopology[];
  members: StreamsGroupMember[];
}

type WireTasks = { subtopologyId: string; partitions: number[] }[];

function tasks(list: WireTasks): TaskIds[] {
  return list
    .map((t) => ({ subtopologyId: t.subtopologyId, partitions: [...t.partitions].sort((a, b) => a - b) }))
    .sort((a, b) => (a.subtopologyId < b.subtopologyId ? -1 : a.subtopologyId > b.subtopologyId ? 1 : 0));
}

function assignment(a: { activeTasks: WireTasks; standbyTasks: WireTasks; warmupTasks: WireTasks }): StreamsTasks {
  return { active: tasks(a.activeTasks), standby: tasks(a.standbyTasks), warmup: tasks(a.warmupTasks) };
}

/**
 * The streams group's state, topology and members; null when `groupId` is no streams group
 * (GROUP_ID_NOT_FOUND) or the broker has no streams groups.
 */
export async function describeStreamsGroup(client: KafkaClient, groupId: string): Promise<StreamsGroupDescription | null> {
  return client.retrying(async () => {
    const { conn, node } = await groupCoordinator(client, groupId);
    if (conn.brokerRange(ApiKey.StreamsGroupDescribe) === undefined) return null;
    const r = await conn.request(ApiKey.StreamsGroupDescribe, { groupIds: [groupId], includeAuthorizedOperations: false, includeTopologyDescription: false });
    const g = r.groups[0];
    if (g === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `describing streams group ${groupId}`, 'empty answer');
    if (g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) return null;
    throwIfError(g.errorCode, `describing streams group ${groupId}`, g.errorMessage);
    return {
      groupId, state: g.groupState, groupEpoch: g.groupEpoch, targetAssignmentEpoch: g.assignmentEpoch,
      topologyEpoch: g.topology?.epoch ?? -1, assignor: g.assignorName, coordinator: node,
      subtopologies: (g.topology?.subtopologies ?? []).map((s) => ({
        subtopologyId: s.subtopologyId, sourceTopics: s.sourceTopics,
        repartitionSourceTopics: s.repartitionSourceTopics.map((t) => t.name),
        repartitionSinkTopics: s.repartitionSinkTopics,
        stateChangelogTopics: s.stateChangelogTopics.map((t) => t.name),
      })),
      members: g.members.map((m) => ({
        memberId: m.memberId, memberEpoch: m.memberEpoch, instanceId: m.instanceId, rackId: m.rackId, clientId: m.clientId, host: m.clientHost,
        topologyEpoch: m.topologyEpoch, processId: m.processId, isClassic: m.isClassic,
        assignment: assignment(m.assignment), targetAssignment: assignment(m.targetAssignment),
      })),
    };
  });
}
