/**
 * The streams group records' bytes in __consumer_offsets (Kafka's CoordinatorRecordSerde for
 * the StreamsGroup* records): the key is the int16 record type followed by the key struct
 * (version 0), the value an int16 version (0) followed by the flexible value struct; a null
 * value is a tombstone. The last assignment configs, which Millrace does not keep, are
 * written with Kafka's default.
 */
import * as CurrentKey from '../../protocol/generated/internal/streams-group-current-member-assignment-key.js';
import * as CurrentValue from '../../protocol/generated/internal/streams-group-current-member-assignment-value.js';
import * as MemberKey from '../../protocol/generated/internal/streams-group-member-metadata-key.js';
import * as MemberValue from '../../protocol/generated/internal/streams-group-member-metadata-value.js';
import * as MetadataKey from '../../protocol/generated/internal/streams-group-metadata-key.js';
import * as MetadataValue from '../../protocol/generated/internal/streams-group-metadata-value.js';
import * as TargetMemberKey from '../../protocol/generated/internal/streams-group-target-assignment-member-key.js';
import * as TargetMemberValue from '../../protocol/generated/internal/streams-group-target-assignment-member-value.js';
import * as TargetMetadataKey from '../../protocol/generated/internal/streams-group-target-assignment-metadata-key.js';
import * as TargetMetadataValue from '../../protocol/generated/internal/streams-group-target-assignment-metadata-value.js';
import * as TopologyKey from '../../protocol/generated/internal/streams-group-topology-key.js';
import * as TopologyValue from '../../protocol/generated/internal/streams-group-topology-value.js';
import { RecordKind, withVersion } from '../group/record-codec.js';
import { StreamsRecordType, type StreamsGroupRecord } from './streams-records.js';

const KEY_VERSION = 0;
const VALUE_VERSION = 0;

export function encodeStreamsKey(r: StreamsGroupRecord): Buffer {
  const group = { groupId: r.group };
  const member = { groupId: r.group, memberId: r.memberId };
  switch (r.type) {
    case StreamsRecordType.GroupMetadata:
      return withVersion(r.type, MetadataKey.encode(group, KEY_VERSION));
    case StreamsRecordType.MemberMetadata:
      return withVersion(r.type, MemberKey.encode(member, KEY_VERSION));
    case StreamsRecordType.TargetAssignmentMetadata:
      return withVersion(r.type, TargetMetadataKey.encode(group, KEY_VERSION));
    case StreamsRecordType.TargetAssignmentMember:
      return withVersion(r.type, TargetMemberKey.encode(member, KEY_VERSION));
    case StreamsRecordType.CurrentMemberAssignment:
      return withVersion(r.type, CurrentKey.encode(member, KEY_VERSION));
    case StreamsRecordType.Topology:
      return withVersion(r.type, TopologyKey.encode(group, KEY_VERSION));
  }
}

export function encodeStreamsValue(r: StreamsGroupRecord): Buffer | null {
  if (r.value === null) return null;
  switch (r.type) {
    case StreamsRecordType.GroupMetadata:
      return withVersion(VALUE_VERSION, MetadataValue.encode({ ...MetadataValue.defaults(), ...r.value }, VALUE_VERSION));
    case StreamsRecordType.MemberMetadata:
      return withVersion(VALUE_VERSION, MemberValue.encode({ ...MemberValue.defaults(), ...r.value }, VALUE_VERSION));
    case StreamsRecordType.TargetAssignmentMetadata:
      return withVersion(VALUE_VERSION, TargetMetadataValue.encode({ ...TargetMetadataValue.defaults(), ...r.value }, VALUE_VERSION));
    case StreamsRecordType.TargetAssignmentMember:
      return withVersion(VALUE_VERSION, TargetMemberValue.encode({ ...TargetMemberValue.defaults(), ...r.value }, VALUE_VERSION));
    case StreamsRecordType.CurrentMemberAssignment:
      return withVersion(VALUE_VERSION, CurrentValue.encode({ ...CurrentValue.defaults(), ...r.value }, VALUE_VERSION));
    case StreamsRecordType.Topology:
      return withVersion(VALUE_VERSION, TopologyValue.encode({ ...TopologyValue.defaults(), ...r.value }, VALUE_VERSION));
  }
}

function rec(type: StreamsRecordType, group: string, memberId: string, value: unknown): StreamsGroupRecord {
  return { kind: RecordKind.Streams, type, group, memberId, value } as StreamsGroupRecord;
}

/** Reads a streams group record back (key types 17 and 19-23); null for other types. */
export function decodeStreamsRecord(type: number, key: Buffer, value: Buffer | null): StreamsGroupRecord | null {
  // Later value versions only add tagged fields, which version 0 reads past.
  switch (type) {
    case StreamsRecordType.GroupMetadata: {
      const k = MetadataKey.decode(key, 2, KEY_VERSION);
      if (value === null) return rec(type, k.groupId, '', null);
      const v = MetadataValue.decode(value, 2, VALUE_VERSION);
      return rec(type, k.groupId, '', {
        epoch: v.epoch, metadataHash: v.metadataHash, validatedTopologyEpoch: v.validatedTopologyEpoch,
        storedDescriptionTopologyEpoch: v.storedDescriptionTopologyEpoch, failedDescriptionTopologyEpoch: v.failedDescriptionTopologyEpoch,
      });
    }
    case StreamsRecordType.MemberMetadata: {
      const k = MemberKey.decode(key, 2, KEY_VERSION);
      return rec(type, k.groupId, k.memberId, value === null ? null : MemberValue.decode(value, 2, VALUE_VERSION));
    }
    case StreamsRecordType.TargetAssignmentMetadata: {
      const k = TargetMetadataKey.decode(key, 2, KEY_VERSION);
      return rec(type, k.groupId, '', value === null ? null : TargetMetadataValue.decode(value, 2, VALUE_VERSION));
    }
    case StreamsRecordType.TargetAssignmentMember: {
      const k = TargetMemberKey.decode(key, 2, KEY_VERSION);
      return rec(type, k.groupId, k.memberId, value === null ? null : TargetMemberValue.decode(value, 2, VALUE_VERSION));
    }
    case StreamsRecordType.CurrentMemberAssignment: {
      const k = CurrentKey.decode(key, 2, KEY_VERSION);
      return rec(type, k.groupId, k.memberId, value === null ? null : CurrentValue.decode(value, 2, VALUE_VERSION));
    }
    case StreamsRecordType.Topology: {
      const k = TopologyKey.decode(key, 2, KEY_VERSION);
      return rec(type, k.groupId, '', value === null ? null : TopologyValue.decode(value, 2, VALUE_VERSION));
    }
    default:
      return null;
  }
}
