/**
 * How a streams group is described and listed (StreamsGroup.asDescribedGroup and
 * asListedGroup): its state and epochs, its topology as configured against the topics
 * (partition counts decided, regular expressions resolved; no subtopologies while it is not
 * ready), and every member with what it holds and its target. The fields are those of
 * StreamsGroupDescribeResponse's DescribedGroup under their generated names.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { ConfiguredTopology } from './configured-topology.js';
import { STREAMS_GROUP_TYPE, type StreamsGroup } from './streams-group.js';
import type { StreamsMember } from './streams-member.js';
import { toWire, type TasksTuple, type WireTaskIds } from './tasks.js';
import type { StreamsTopology, TopicInfo } from './topology.js';

export interface DescribedTopicInfo {
  name: string;
  partitions: number;
  replicationFactor: number;
  topicConfigs: Array<{ key: string; value: string }>;
}

export interface DescribedSubtopology {
  subtopologyId: string;
  sourceTopics: string[];
  repartitionSinkTopics: string[];
  stateChangelogTopics: DescribedTopicInfo[];
  repartitionSourceTopics: DescribedTopicInfo[];
}

export interface DescribedAssignment {
  activeTasks: WireTaskIds[];
  standbyTasks: WireTaskIds[];
  warmupTasks: WireTaskIds[];
}

export interface DescribedStreamsMember {
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  topologyEpoch: number;
  processId: string;
  userEndpoint: { host: string; port: number } | null;
  clientTags: Array<{ key: string; value: string }>;
  taskOffsets: Array<{ subtopologyId: string; partition: number; offset: bigint }>;
  taskEndOffsets: Array<{ subtopologyId: string; partition: number; offset: bigint }>;
  assignment: DescribedAssignment;
  targetAssignment: DescribedAssignment;
  isClassic: boolean;
}

export interface DescribedStreamsGroup {
  errorCode: number;
  errorMessage: string | null;
  groupId: string;
  groupState: string;
  groupEpoch: number;
  assignmentEpoch: number;
  topology: { epoch: number; subtopologies: DescribedSubtopology[] | null } | null;
  members: DescribedStreamsMember[];
  authorizedOperations: number;
  /** The assignor the next assignment uses (v1+). */
  assignorName: string | null;
}

/** Kafka's "not requested" value of authorizedOperations. */
const NO_OPERATIONS = -2147483648;

/** The described group, or (group null) the error Kafka answers for an id that is not a streams group. */
export function describeStreamsGroup(group: StreamsGroup | null, groupId: string, errorMessage: string | null): DescribedStreamsGroup {
  if (group === null) {
    return {
      errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, topology: null, members: [],
      authorizedOperations: NO_OPERATIONS, assignorName: null,
    };
  }
  const members: DescribedStreamsMember[] = [];
  for (const id of [...group.members.keys()].sort()) members.push(describeMember(group, group.members.get(id)!, group.targetOf(id)));
  return {
    errorCode: ErrorCode.NONE, errorMessage: null, groupId, groupState: group.stateName, groupEpoch: group.groupEpoch, assignmentEpoch: group.assignmentEpoch,
    topology: group.topology === null ? null : { epoch: group.topology.epoch, subtopologies: describeSubtopologies(group.topology, group.configuredTopology) },
    members, authorizedOperations: NO_OPERATIONS, assignorName: 'sticky',
  };
}

function describeSubtopologies(topology: StreamsTopology, configured: ConfiguredTopology | null): DescribedSubtopology[] | null {
  const subs = configured?.subtopologies ?? null;
  if (subs === null) return null;
  const out: DescribedSubtopology[] = [];
  for (const [id, s] of topology.subtopologies) {
    const c = subs.get(id);
    if (c === undefined) continue;
    out.push({
      subtopologyId: id,
      sourceTopics: [...c.sourceTopics.keys()],
      repartitionSinkTopics: [...s.repartitionSinkTopics],
      stateChangelogTopics: s.stateChangelogTopics.map((t) => topicInfo(t, c.stateChangelogTopics.get(t.name) ?? 0)),
      repartitionSourceTopics: s.repartitionSourceTopics.map((t) => topicInfo(t, c.repartitionSourceTopics.get(t.name) ?? t.partitions)),
    });
  }
  return out;
}

function topicInfo(t: TopicInfo, partitions: number): DescribedTopicInfo {
  return { name: t.name, partitions, replicationFactor: t.replicationFactor, topicConfigs: t.topicConfigs.map((c) => ({ key: c.key, value: c.value })) };
}

function assignment(t: TasksTuple | { active: ReadonlyMap<string, ReadonlyMap<number, number>>; standby: ReadonlyMap<string, Set<number>>; warmup: ReadonlyMap<string, Set<number>> }): DescribedAssignment {
  return { activeTasks: toWire(t.active), standbyTasks: toWire(t.standby), warmupTasks: toWire(t.warmup) };
}

function describeMember(group: StreamsGroup, m: StreamsMember, target: TasksTuple): DescribedStreamsMember {
  const offsets = (byMember: StreamsGroup['taskOffsets']): DescribedStreamsMember['taskOffsets'] => {
    const out: DescribedStreamsMember['taskOffsets'] = [];
    for (const [s, ps] of byMember.get(m.memberId) ?? []) for (const [p, o] of ps) out.push({ subtopologyId: s, partition: p, offset: BigInt(o) });
    return out;
  };
  return {
    memberId: m.memberId, memberEpoch: m.memberEpoch, instanceId: m.instanceId, rackId: m.rackId, clientId: m.clientId, clientHost: m.clientHost,
    topologyEpoch: m.topologyEpoch, processId: m.processId, userEndpoint: m.userEndpoint === null ? null : { host: m.userEndpoint.host, port: m.userEndpoint.port },
    clientTags: [...m.clientTags].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([key, value]) => ({ key, value })),
    taskOffsets: offsets(group.taskOffsets), taskEndOffsets: offsets(group.taskEndOffsets), assignment: assignment(m.assignedTasks), targetAssignment: assignment(target), isClassic: false,
  };
}

/** ListGroups' entry: protocol type and group type "streams". */
export function listedStreamsGroup(group: StreamsGroup): { groupId: string; protocolType: string; groupState: string; groupType: string } {
  return { groupId: group.groupId, protocolType: STREAMS_GROUP_TYPE, groupState: group.stateName, groupType: STREAMS_GROUP_TYPE };
}
