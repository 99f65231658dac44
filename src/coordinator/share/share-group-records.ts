/**
 * The records a share group writes to __consumer_offsets (Kafka's GroupCoordinatorRecordHelpers
 * for share groups), as values the manager builds and replays; a null value is a tombstone.
 * Their bytes are Kafka's coordinator record formats (record types 10-14).
 *
 *   10 ShareGroupMemberMetadata          (group, member) → rack, client, subscribed topic names
 *   11 ShareGroupMetadata                (group)         → group epoch, subscribed topics' metadata hash
 *   12 ShareGroupTargetAssignmentMetadata (group)        → target assignment epoch and when it was computed
 *   13 ShareGroupTargetAssignmentMember  (group, member) → the member's target partitions
 *   14 ShareGroupCurrentMemberAssignment (group, member) → epochs and assigned partitions
 *   15 ShareGroupStatePartitionMetadata  (group)         → the topics whose share-partition state the
 *                                                          group has (initialized), is creating
 *                                                          (initializing) or is deleting
 */
import type { TopicPartitions } from '../group/consumer/assignment.js';

export const enum ShareGroupRecordType {
  MemberMetadata = 10,
  GroupMetadata = 11,
  TargetAssignmentMetadata = 12,
  TargetAssignmentMember = 13,
  CurrentMemberAssignment = 14,
  StatePartitionMetadata = 15,
}

/** A topic and some of its partitions (topic id as 32 hex digits). */
export interface ShareStateTopic {
  topicId: string;
  topicName: string;
  partitions: number[];
}

/**
 * Kafka's ShareGroupStatePartitionMetadataValue: which share-partitions of the group have
 * state in __share_group_state. DeleteGroups and DeleteShareGroupOffsets delete the state of
 * the initialized ones; a topic sits in `deleting` while its state is being deleted.
 */
export interface ShareStatePartitions {
  initializing: ShareStateTopic[];
  initialized: ShareStateTopic[];
  deleting: Array<{ topicId: string; topicName: string }>;
}

export interface ShareMemberMetadata {
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
}

export interface ShareMemberAssignment {
  memberEpoch: number;
  previousMemberEpoch: number;
  assignedPartitions: TopicPartitions;
}

export type ShareGroupRecord =
  | { type: ShareGroupRecordType.MemberMetadata; groupId: string; memberId: string; value: ShareMemberMetadata | null }
  | { type: ShareGroupRecordType.GroupMetadata; groupId: string; value: { epoch: number; metadataHash: bigint } | null }
  | { type: ShareGroupRecordType.TargetAssignmentMetadata; groupId: string; value: { assignmentEpoch: number; assignmentTimestamp: number } | null }
  | { type: ShareGroupRecordType.TargetAssignmentMember; groupId: string; memberId: string; value: TopicPartitions | null }
  | { type: ShareGroupRecordType.CurrentMemberAssignment; groupId: string; memberId: string; value: ShareMemberAssignment | null }
  | { type: ShareGroupRecordType.StatePartitionMetadata; groupId: string; value: ShareStatePartitions | null };

/** The records that remove a member: its current assignment, target and metadata, tombstoned. */
export function memberTombstones(groupId: string, memberId: string): ShareGroupRecord[] {
  return [
    { type: ShareGroupRecordType.CurrentMemberAssignment, groupId, memberId, value: null },
    { type: ShareGroupRecordType.TargetAssignmentMember, groupId, memberId, value: null },
    { type: ShareGroupRecordType.MemberMetadata, groupId, memberId, value: null },
  ];
}

/** The records that delete an empty group: its state partition metadata, target metadata, then group metadata, tombstoned. */
export function groupTombstones(groupId: string): ShareGroupRecord[] {
  return [
    { type: ShareGroupRecordType.StatePartitionMetadata, groupId, value: null },
    { type: ShareGroupRecordType.TargetAssignmentMetadata, groupId, value: null },
    { type: ShareGroupRecordType.GroupMetadata, groupId, value: null },
  ];
}
