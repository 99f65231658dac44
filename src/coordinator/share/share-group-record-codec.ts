/**
 * The bytes of the share group records in __consumer_offsets (share-group-records.ts), in
 * Kafka's coordinator record framing (record-codec.ts): the key is the int16 record type and
 * the key struct, the value the int16 version (0) and the flexible value struct.
 */
import * as CurrentAssignmentKey from '../../protocol/generated/internal/share-group-current-member-assignment-key.js';
import * as CurrentAssignmentValue from '../../protocol/generated/internal/share-group-current-member-assignment-value.js';
import * as MemberMetadataKey from '../../protocol/generated/internal/share-group-member-metadata-key.js';
import * as MemberMetadataValue from '../../protocol/generated/internal/share-group-member-metadata-value.js';
import * as GroupMetadataKey from '../../protocol/generated/internal/share-group-metadata-key.js';
import * as GroupMetadataValue from '../../protocol/generated/internal/share-group-metadata-value.js';
import * as TargetMemberKey from '../../protocol/generated/internal/share-group-target-assignment-member-key.js';
import * as TargetMemberValue from '../../protocol/generated/internal/share-group-target-assignment-member-value.js';
import * as TargetMetadataKey from '../../protocol/generated/internal/share-group-target-assignment-metadata-key.js';
import * as TargetMetadataValue from '../../protocol/generated/internal/share-group-target-assignment-metadata-value.js';
import * as StatePartitionsKey from '../../protocol/generated/internal/share-group-state-partition-metadata-key.js';
import * as StatePartitionsValue from '../../protocol/generated/internal/share-group-state-partition-metadata-value.js';
import { fromWire, toWire } from '../group/consumer/assignment.js';
import { withVersion } from '../group/record-codec.js';
import { SHARE_MEMBER_STATE_STABLE } from './share-group.js';
import { ShareGroupRecordType, type ShareGroupRecord, type ShareStateTopic } from './share-group-records.js';

const VALUE_VERSION = 0;
/** Key structs are at version 0; the record type in front of them is their spec's apiKey (record-codec.ts). */
const KEY_VERSION = 0;

export function encodeShareGroupKey(r: ShareGroupRecord): Buffer {
  switch (r.type) {
    case ShareGroupRecordType.MemberMetadata:
      return withVersion(r.type, MemberMetadataKey.encode({ groupId: r.groupId, memberId: r.memberId }, KEY_VERSION));
    case ShareGroupRecordType.GroupMetadata:
      return withVersion(r.type, GroupMetadataKey.encode({ groupId: r.groupId }, KEY_VERSION));
    case ShareGroupRecordType.TargetAssignmentMetadata:
      return withVersion(r.type, TargetMetadataKey.encode({ groupId: r.groupId }, KEY_VERSION));
    case ShareGroupRecordType.TargetAssignmentMember:
      return withVersion(r.type, TargetMemberKey.encode({ groupId: r.groupId, memberId: r.memberId }, KEY_VERSION));
    case ShareGroupRecordType.CurrentMemberAssignment:
      return withVersion(r.type, CurrentAssignmentKey.encode({ groupId: r.groupId, memberId: r.memberId }, KEY_VERSION));
    case ShareGroupRecordType.StatePartitionMetadata:
      return withVersion(r.type, StatePartitionsKey.encode({ groupId: r.groupId }, KEY_VERSION));
  }
}

export function encodeShareGroupValue(r: ShareGroupRecord): Buffer | null {
  if (r.value === null) return null;
  switch (r.type) {
    case ShareGroupRecordType.MemberMetadata:
      return withVersion(VALUE_VERSION, MemberMetadataValue.encode(r.value, VALUE_VERSION));
    case ShareGroupRecordType.GroupMetadata:
      return withVersion(VALUE_VERSION, GroupMetadataValue.encode({ epoch: r.value.epoch, metadataHash: r.value.metadataHash }, VALUE_VERSION));
    case ShareGroupRecordType.TargetAssignmentMetadata:
      return withVersion(VALUE_VERSION, TargetMetadataValue.encode({ assignmentEpoch: r.value.assignmentEpoch, assignmentTimestamp: BigInt(r.value.assignmentTimestamp) }, VALUE_VERSION));
    case ShareGroupRecordType.TargetAssignmentMember:
      return withVersion(VALUE_VERSION, TargetMemberValue.encode({ topicPartitions: toWire(r.value) }, VALUE_VERSION));
    case ShareGroupRecordType.CurrentMemberAssignment:
      return withVersion(VALUE_VERSION, CurrentAssignmentValue.encode({
        memberEpoch: r.value.memberEpoch, previousMemberEpoch: r.value.previousMemberEpoch, state: SHARE_MEMBER_STATE_STABLE,
        assignedPartitions: toWire(r.value.assignedPartitions),
      }, VALUE_VERSION));
    case ShareGroupRecordType.StatePartitionMetadata:
      return withVersion(VALUE_VERSION, StatePartitionsValue.encode({
        initializingTopics: r.value.initializing.map(topicToWire),
        initializedTopics: r.value.initialized.map(topicToWire),
        deletingTopics: r.value.deleting.map((t) => ({ topicId: Buffer.from(t.topicId, 'hex'), topicName: t.topicName })),
      }, VALUE_VERSION));
  }
}

/** A share group record read back (key types 10-15); null for other types. Later value versions only add tagged fields, which version 0 reads past. */
export function decodeShareGroupRecord(type: number, key: Buffer, value: Buffer | null): ShareGroupRecord | null {
  switch (type) {
    case ShareGroupRecordType.MemberMetadata: {
      const k = MemberMetadataKey.decode(key, 2, KEY_VERSION);
      const v = value === null ? null : MemberMetadataValue.decode(value, 2, VALUE_VERSION);
      return { type, groupId: k.groupId, memberId: k.memberId, value: v === null ? null : { rackId: v.rackId, clientId: v.clientId, clientHost: v.clientHost, subscribedTopicNames: v.subscribedTopicNames } };
    }
    case ShareGroupRecordType.GroupMetadata: {
      const k = GroupMetadataKey.decode(key, 2, KEY_VERSION);
      const v = value === null ? null : GroupMetadataValue.decode(value, 2, VALUE_VERSION);
      return { type, groupId: k.groupId, value: v === null ? null : { epoch: v.epoch, metadataHash: v.metadataHash } };
    }
    case ShareGroupRecordType.TargetAssignmentMetadata: {
      const k = TargetMetadataKey.decode(key, 2, KEY_VERSION);
      const v = value === null ? null : TargetMetadataValue.decode(value, 2, VALUE_VERSION);
      return { type, groupId: k.groupId, value: v === null ? null : { assignmentEpoch: v.assignmentEpoch, assignmentTimestamp: Number(v.assignmentTimestamp) } };
    }
    case ShareGroupRecordType.TargetAssignmentMember: {
      const k = TargetMemberKey.decode(key, 2, KEY_VERSION);
      const v = value === null ? null : TargetMemberValue.decode(value, 2, VALUE_VERSION);
      return { type, groupId: k.groupId, memberId: k.memberId, value: v === null ? null : fromWire(v.topicPartitions) };
    }
    case ShareGroupRecordType.CurrentMemberAssignment: {
      const k = CurrentAssignmentKey.decode(key, 2, KEY_VERSION);
      const v = value === null ? null : CurrentAssignmentValue.decode(value, 2, VALUE_VERSION);
      return {
        type, groupId: k.groupId, memberId: k.memberId,
        value: v === null ? null : { memberEpoch: v.memberEpoch, previousMemberEpoch: v.previousMemberEpoch, assignedPartitions: fromWire(v.assignedPartitions) },
      };
    }
    case ShareGroupRecordType.StatePartitionMetadata: {
      const k = StatePartitionsKey.decode(key, 2, KEY_VERSION);
      const v = value === null ? null : StatePartitionsValue.decode(value, 2, VALUE_VERSION);
      return {
        type, groupId: k.groupId,
        value: v === null ? null : {
          initializing: v.initializingTopics.map(topicFromWire),
          initialized: v.initializedTopics.map(topicFromWire),
          deleting: v.deletingTopics.map((t) => ({ topicId: t.topicId.toString('hex'), topicName: t.topicName })),
        },
      };
    }
    default:
      return null;
  }
}

function topicToWire(t: ShareStateTopic): StatePartitionsValue.TopicPartitionsInfo {
  return { topicId: Buffer.from(t.topicId, 'hex'), topicName: t.topicName, partitions: t.partitions };
}

function topicFromWire(t: StatePartitionsValue.TopicPartitionsInfo): ShareStateTopic {
  return { topicId: t.topicId.toString('hex'), topicName: t.topicName, partitions: [...t.partitions] };
}
