/**
 * The KIP-848 consumer group records in __consumer_offsets, in Kafka 4.0's formats
 * (GroupCoordinatorRecordHelpers): the key is the int16 record type followed by the key
 * struct, the value an int16 version (0) followed by the flexible value struct; a null value
 * is a tombstone.
 *
 *   3 ConsumerGroupMetadata          (group)          → group epoch
 *   4 ConsumerGroupPartitionMetadata (group)          → subscribed topics' ids and partition counts
 *   5 ConsumerGroupMemberMetadata    (group, member)  → member's identity and subscription
 *   6 ConsumerGroupTargetAssignmentMetadata (group)   → target assignment epoch
 *   7 ConsumerGroupTargetAssignmentMember (group, member) → member's target partitions
 *   8 ConsumerGroupCurrentMemberAssignment (group, member) → epochs, state, owned and revoking partitions
 */
import * as CurrentAssignmentKey from '../../../protocol/generated/internal/consumer-group-current-member-assignment-key.js';
import * as CurrentAssignmentValue from '../../../protocol/generated/internal/consumer-group-current-member-assignment-value.js';
import * as MemberMetadataKey from '../../../protocol/generated/internal/consumer-group-member-metadata-key.js';
import * as MemberMetadataValue from '../../../protocol/generated/internal/consumer-group-member-metadata-value.js';
import * as GroupMetadataKey from '../../../protocol/generated/internal/consumer-group-metadata-key.js';
import * as GroupMetadataValue from '../../../protocol/generated/internal/consumer-group-metadata-value.js';
import * as PartitionMetadataKey from '../../../protocol/generated/internal/consumer-group-partition-metadata-key.js';
import * as PartitionMetadataValue from '../../../protocol/generated/internal/consumer-group-partition-metadata-value.js';
import * as TargetMemberKey from '../../../protocol/generated/internal/consumer-group-target-assignment-member-key.js';
import * as TargetMemberValue from '../../../protocol/generated/internal/consumer-group-target-assignment-member-value.js';
import * as TargetMetadataKey from '../../../protocol/generated/internal/consumer-group-target-assignment-metadata-key.js';
import * as TargetMetadataValue from '../../../protocol/generated/internal/consumer-group-target-assignment-metadata-value.js';
import { RecordKind, withVersion } from '../record-codec.js';
import { toWire, type TopicPartitions } from './assignment.js';
import type { ConsumerMember } from './consumer-member.js';

/**
 * Key structs are at version 0 since Kafka 4.0 made the record type their own number (the
 * specs' apiKey); the bytes are those of the older scheme, where the key version was the type.
 */
const KEY_VERSION = 0;

export const enum ConsumerRecordType {
  GroupMetadata = 3,
  PartitionMetadata = 4,
  MemberMetadata = 5,
  TargetAssignmentMetadata = 6,
  TargetAssignmentMember = 7,
  CurrentMemberAssignment = 8,
}

/** A subscribed topic as the group saw it when computing its target assignment. */
export interface TopicMetadata {
  /** Topic id, hex. */
  id: string;
  name: string;
  numPartitions: number;
}

interface Base<T extends ConsumerRecordType, V> {
  kind: RecordKind.Consumer;
  type: T;
  group: string;
  /** Empty for the group-level records. */
  memberId: string;
  /** null: tombstone. */
  value: V | null;
}

export type ConsumerGroupRecord =
  | Base<ConsumerRecordType.GroupMetadata, GroupMetadataValue.ConsumerGroupMetadataValue>
  | Base<ConsumerRecordType.PartitionMetadata, PartitionMetadataValue.ConsumerGroupPartitionMetadataValue>
  | Base<ConsumerRecordType.MemberMetadata, MemberMetadataValue.ConsumerGroupMemberMetadataValue>
  | Base<ConsumerRecordType.TargetAssignmentMetadata, TargetMetadataValue.ConsumerGroupTargetAssignmentMetadataValue>
  | Base<ConsumerRecordType.TargetAssignmentMember, TargetMemberValue.ConsumerGroupTargetAssignmentMemberValue>
  | Base<ConsumerRecordType.CurrentMemberAssignment, CurrentAssignmentValue.ConsumerGroupCurrentMemberAssignmentValue>;

function rec<R extends ConsumerGroupRecord>(type: R['type'], group: string, memberId: string, value: R['value']): R {
  return { kind: RecordKind.Consumer, type, group, memberId, value } as R;
}

export function groupEpochRecord(group: string, epoch: number | null): ConsumerGroupRecord {
  return rec(ConsumerRecordType.GroupMetadata, group, '', epoch === null ? null : { epoch, metadataHash: 0n });
}

export function subscriptionMetadataRecord(group: string, topics: ReadonlyMap<string, TopicMetadata> | null): ConsumerGroupRecord {
  if (topics === null) return rec(ConsumerRecordType.PartitionMetadata, group, '', null);
  const list = [...topics.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return rec(ConsumerRecordType.PartitionMetadata, group, '', {
    topics: list.map((t) => ({ topicId: Buffer.from(t.id, 'hex'), topicName: t.name, numPartitions: t.numPartitions, partitionMetadata: [] })),
  });
}

export function memberMetadataRecord(group: string, m: ConsumerMember): ConsumerGroupRecord {
  return rec(ConsumerRecordType.MemberMetadata, group, m.memberId, {
    instanceId: m.instanceId,
    rackId: m.rackId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    subscribedTopicNames: m.subscribedTopicNames,
    subscribedTopicRegex: m.subscribedTopicRegex,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs,
    serverAssignor: m.serverAssignor,
    classicMemberMetadata: m.classicMemberMetadata,
  });
}

export function memberMetadataTombstone(group: string, memberId: string): ConsumerGroupRecord {
  return rec(ConsumerRecordType.MemberMetadata, group, memberId, null);
}

/** The target assignment's epoch, and when it was computed (0: not by an assignor run, as a conversion's). */
export function targetEpochRecord(group: string, epoch: number | null, timestampMs = 0): ConsumerGroupRecord {
  return rec(ConsumerRecordType.TargetAssignmentMetadata, group, '', epoch === null ? null : { assignmentEpoch: epoch, assignmentTimestamp: BigInt(timestampMs) });
}

export function targetMemberRecord(group: string, memberId: string, partitions: TopicPartitions | null): ConsumerGroupRecord {
  return rec(ConsumerRecordType.TargetAssignmentMember, group, memberId, partitions === null ? null : { topicPartitions: toWire(partitions) });
}

export function currentAssignmentRecord(group: string, m: ConsumerMember): ConsumerGroupRecord {
  return rec(ConsumerRecordType.CurrentMemberAssignment, group, m.memberId, {
    memberEpoch: m.memberEpoch,
    previousMemberEpoch: m.previousMemberEpoch,
    state: m.state,
    assignedPartitions: toRecordPartitions(m.assignedPartitions),
    partitionsPendingRevocation: toRecordPartitions(m.partitionsPendingRevocation),
  });
}

/** The record's partitions: toWire's, without the per-partition assignment epochs (a tagged field Millrace leaves out). */
function toRecordPartitions(a: TopicPartitions): CurrentAssignmentValue.TopicPartitions[] {
  const out: CurrentAssignmentValue.TopicPartitions[] = [];
  for (const tp of toWire(a)) out.push({ topicId: tp.topicId, partitions: tp.partitions, assignmentEpochs: null });
  return out;
}

export function currentAssignmentTombstone(group: string, memberId: string): ConsumerGroupRecord {
  return rec(ConsumerRecordType.CurrentMemberAssignment, group, memberId, null);
}

export function encodeConsumerKey(r: ConsumerGroupRecord): Buffer {
  const k = { groupId: r.group, memberId: r.memberId };
  switch (r.type) {
    case ConsumerRecordType.GroupMetadata:
      return withVersion(r.type, GroupMetadataKey.encode(k, KEY_VERSION));
    case ConsumerRecordType.PartitionMetadata:
      return withVersion(r.type, PartitionMetadataKey.encode(k, KEY_VERSION));
    case ConsumerRecordType.MemberMetadata:
      return withVersion(r.type, MemberMetadataKey.encode(k, KEY_VERSION));
    case ConsumerRecordType.TargetAssignmentMetadata:
      return withVersion(r.type, TargetMetadataKey.encode(k, KEY_VERSION));
    case ConsumerRecordType.TargetAssignmentMember:
      return withVersion(r.type, TargetMemberKey.encode(k, KEY_VERSION));
    case ConsumerRecordType.CurrentMemberAssignment:
      return withVersion(r.type, CurrentAssignmentKey.encode(k, KEY_VERSION));
  }
}

export function encodeConsumerValue(r: ConsumerGroupRecord): Buffer | null {
  switch (r.type) {
    case ConsumerRecordType.GroupMetadata:
      return r.value === null ? null : withVersion(0, GroupMetadataValue.encode(r.value, 0));
    case ConsumerRecordType.PartitionMetadata:
      return r.value === null ? null : withVersion(0, PartitionMetadataValue.encode(r.value, 0));
    case ConsumerRecordType.MemberMetadata:
      return r.value === null ? null : withVersion(0, MemberMetadataValue.encode(r.value, 0));
    case ConsumerRecordType.TargetAssignmentMetadata:
      return r.value === null ? null : withVersion(0, TargetMetadataValue.encode(r.value, 0));
    case ConsumerRecordType.TargetAssignmentMember:
      return r.value === null ? null : withVersion(0, TargetMemberValue.encode(r.value, 0));
    case ConsumerRecordType.CurrentMemberAssignment:
      return r.value === null ? null : withVersion(0, CurrentAssignmentValue.encode(r.value, 0));
  }
}

/** Reads a consumer group record back (key type 3-8); null for other types. */
export function decodeConsumerRecord(type: number, key: Buffer, value: Buffer | null): ConsumerGroupRecord | null {
  // Later value versions only add tagged fields, which version 0 reads past.
  switch (type) {
    case ConsumerRecordType.GroupMetadata: {
      const k = GroupMetadataKey.decode(key, 2, KEY_VERSION);
      return rec(type, k.groupId, '', value === null ? null : GroupMetadataValue.decode(value, 2, 0));
    }
    case ConsumerRecordType.PartitionMetadata: {
      const k = PartitionMetadataKey.decode(key, 2, KEY_VERSION);
      return rec(type, k.groupId, '', value === null ? null : PartitionMetadataValue.decode(value, 2, 0));
    }
    case ConsumerRecordType.MemberMetadata: {
      const k = MemberMetadataKey.decode(key, 2, KEY_VERSION);
      return rec(type, k.groupId, k.memberId, value === null ? null : MemberMetadataValue.decode(value, 2, 0));
    }
    case ConsumerRecordType.TargetAssignmentMetadata: {
      const k = TargetMetadataKey.decode(key, 2, KEY_VERSION);
      return rec(type, k.groupId, '', value === null ? null : TargetMetadataValue.decode(value, 2, 0));
    }
    case ConsumerRecordType.TargetAssignmentMember: {
      const k = TargetMemberKey.decode(key, 2, KEY_VERSION);
      return rec(type, k.groupId, k.memberId, value === null ? null : TargetMemberValue.decode(value, 2, 0));
    }
    case ConsumerRecordType.CurrentMemberAssignment: {
      const k = CurrentAssignmentKey.decode(key, 2, KEY_VERSION);
      return rec(type, k.groupId, k.memberId, value === null ? null : CurrentAssignmentValue.decode(value, 2, 0));
    }
    default:
      return null;
  }
}
