/**
 * The streams group records in __consumer_offsets, in Kafka 4.4's formats
 * (StreamsCoordinatorRecordHelpers). The values here have the fields of Kafka's
 * StreamsGroup*Value messages under their generated names, so that encoding them with the
 * generated codecs is a field-for-field call:
 *
 *   17 StreamsGroupMetadata            (group)          → group epoch, metadata hash, validated topology epoch,
 *                                                         the topology description plugin's stored and failed epochs
 *   19 StreamsGroupMemberMetadata      (group, member)  → identity, process, endpoint, client tags, topology epoch
 *   20 StreamsGroupTargetAssignmentMetadata (group)     → target assignment epoch
 *   21 StreamsGroupTargetAssignmentMember (group, member) → member's target active/standby/warm-up tasks
 *   22 StreamsGroupCurrentMemberAssignment (group, member) → epochs, state, held and revoking tasks
 *   23 StreamsGroupTopology            (group)          → the topology
 *
 * A null value is a tombstone.
 */
import { RecordKind } from '../group/record-codec.js';
import { activeToWire, toWire, type TasksTuple, type WireTaskIds } from './tasks.js';
import type { StreamsGroup } from './streams-group.js';
import type { StreamsMember } from './streams-member.js';
import { topologyToWire, type StreamsTopology, type WireTopology } from './topology.js';

export const enum StreamsRecordType {
  GroupMetadata = 17,
  MemberMetadata = 19,
  TargetAssignmentMetadata = 20,
  TargetAssignmentMember = 21,
  CurrentMemberAssignment = 22,
  Topology = 23,
}

export interface StreamsGroupMetadataValue {
  epoch: number;
  metadataHash: bigint;
  validatedTopologyEpoch: number;
  /** KIP-1331: the topology epoch the description plugin holds (-1 none, -2 uncertain). */
  storedDescriptionTopologyEpoch: number;
  /** KIP-1331: the topology epoch whose description the plugin permanently rejected (-1 none). */
  failedDescriptionTopologyEpoch: number;
}

export interface StreamsGroupMemberMetadataValue {
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  topologyEpoch: number;
  processId: string;
  userEndpoint: { host: string; port: number } | null;
  clientTags: Array<{ key: string; value: string }>;
}

export interface StreamsGroupTargetAssignmentMetadataValue {
  assignmentEpoch: number;
  assignmentTimestamp: bigint;
}

export interface StreamsGroupTargetAssignmentMemberValue {
  activeTasks: WireTaskIds[];
  standbyTasks: WireTaskIds[];
  warmupTasks: WireTaskIds[];
}

export interface CurrentTaskIds extends WireTaskIds {
  /** Only for active tasks: the epoch each partition was assigned at. */
  assignmentEpochs: number[] | null;
}

export interface StreamsGroupCurrentMemberAssignmentValue {
  memberEpoch: number;
  previousMemberEpoch: number;
  state: number;
  activeTasks: CurrentTaskIds[];
  standbyTasks: CurrentTaskIds[];
  warmupTasks: CurrentTaskIds[];
  activeTasksPendingRevocation: CurrentTaskIds[];
  standbyTasksPendingRevocation: CurrentTaskIds[];
  warmupTasksPendingRevocation: CurrentTaskIds[];
}

interface Base<T extends StreamsRecordType, V> {
  kind: RecordKind.Streams;
  type: T;
  group: string;
  /** Empty for the group-level records. */
  memberId: string;
  value: V | null;
}

export type StreamsGroupRecord =
  | Base<StreamsRecordType.GroupMetadata, StreamsGroupMetadataValue>
  | Base<StreamsRecordType.MemberMetadata, StreamsGroupMemberMetadataValue>
  | Base<StreamsRecordType.TargetAssignmentMetadata, StreamsGroupTargetAssignmentMetadataValue>
  | Base<StreamsRecordType.TargetAssignmentMember, StreamsGroupTargetAssignmentMemberValue>
  | Base<StreamsRecordType.CurrentMemberAssignment, StreamsGroupCurrentMemberAssignmentValue>
  | Base<StreamsRecordType.Topology, WireTopology>;

function rec<R extends StreamsGroupRecord>(type: R['type'], group: string, memberId: string, value: R['value']): R {
  return { kind: RecordKind.Streams, type, group, memberId, value } as R;
}

export function groupMetadataRecord(group: string, v: StreamsGroupMetadataValue | null): StreamsGroupRecord {
  return rec(StreamsRecordType.GroupMetadata, group, '', v);
}

export function memberMetadataRecord(group: string, m: StreamsMember): StreamsGroupRecord {
  return rec(StreamsRecordType.MemberMetadata, group, m.memberId, {
    instanceId: m.instanceId, rackId: m.rackId, clientId: m.clientId, clientHost: m.clientHost, rebalanceTimeoutMs: m.rebalanceTimeoutMs,
    topologyEpoch: m.topologyEpoch, processId: m.processId, userEndpoint: m.userEndpoint === null ? null : { host: m.userEndpoint.host, port: m.userEndpoint.port },
    clientTags: [...m.clientTags].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([key, value]) => ({ key, value })),
  });
}

export function memberMetadataTombstone(group: string, memberId: string): StreamsGroupRecord {
  return rec(StreamsRecordType.MemberMetadata, group, memberId, null);
}

export function targetEpochRecord(group: string, epoch: number | null, timestampMs = 0): StreamsGroupRecord {
  return rec(StreamsRecordType.TargetAssignmentMetadata, group, '', epoch === null ? null : { assignmentEpoch: epoch, assignmentTimestamp: BigInt(timestampMs) });
}

export function targetMemberRecord(group: string, memberId: string, t: TasksTuple | null): StreamsGroupRecord {
  return rec(StreamsRecordType.TargetAssignmentMember, group, memberId, t === null ? null : {
    activeTasks: toWire(t.active), standbyTasks: toWire(t.standby), warmupTasks: toWire(t.warmup),
  });
}

const plain = (list: WireTaskIds[]): CurrentTaskIds[] => list.map((t) => ({ ...t, assignmentEpochs: null }));

export function currentAssignmentRecord(group: string, m: StreamsMember): StreamsGroupRecord {
  return rec(StreamsRecordType.CurrentMemberAssignment, group, m.memberId, {
    memberEpoch: m.memberEpoch,
    previousMemberEpoch: m.previousMemberEpoch,
    state: m.state,
    activeTasks: activeToWire(m.assignedTasks.active),
    standbyTasks: plain(toWire(m.assignedTasks.standby)),
    warmupTasks: plain(toWire(m.assignedTasks.warmup)),
    activeTasksPendingRevocation: activeToWire(m.tasksPendingRevocation.active),
    standbyTasksPendingRevocation: plain(toWire(m.tasksPendingRevocation.standby)),
    warmupTasksPendingRevocation: plain(toWire(m.tasksPendingRevocation.warmup)),
  });
}

export function currentAssignmentTombstone(group: string, memberId: string): StreamsGroupRecord {
  return rec(StreamsRecordType.CurrentMemberAssignment, group, memberId, null);
}

export function topologyRecord(group: string, t: StreamsTopology | null): StreamsGroupRecord {
  return rec(StreamsRecordType.Topology, group, '', t === null ? null : topologyToWire(t));
}

/** The group's metadata record value as it stands, with the given fields changed (Kafka writes every field each time). */
export function metadataOf(group: StreamsGroup, change: Partial<StreamsGroupMetadataValue>): StreamsGroupMetadataValue {
  return {
    epoch: group.groupEpoch, metadataHash: group.metadataHash, validatedTopologyEpoch: group.validatedTopologyEpoch,
    storedDescriptionTopologyEpoch: group.storedDescriptionTopologyEpoch, failedDescriptionTopologyEpoch: group.failedDescriptionTopologyEpoch,
    ...change,
  };
}
