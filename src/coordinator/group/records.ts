/**
 * The records the group coordinator writes to __consumer_offsets, in Kafka's own formats
 * (GroupCoordinatorRecordHelpers / CoordinatorRecordSerde): a key of int16 record type
 * followed by the key struct, a value of int16 version followed by the value struct, and a
 * null value (tombstone) for a deletion that compaction will eventually drop. The framing and the
 * record kinds are shared with the consumer group records (record-codec.ts).
 *
 *   type 0/1 OffsetCommitKey (group, topic, partition) → OffsetCommitValue v3 (v1 with an
 *            expire timestamp, from OffsetCommit v2-4 retention times)
 *   type 2   GroupMetadataKey (group) → GroupMetadataValue v3 (classic group and members)
 *
 *   type 3-8 the KIP-848 consumer group records (consumer/consumer-records.ts)
 *   type 17, 19-23 the KIP-1071 streams group records (../streams/streams-records.ts)
 *   type 10-15 the KIP-932 share group records (../share/share-group-record-codec.ts)
 *
 * Records of other types (resolved regular expressions) are skipped when read back.
 */
import * as GroupMetadataKey from '../../protocol/generated/internal/group-metadata-key.js';
import * as GroupMetadataValue from '../../protocol/generated/internal/group-metadata-value.js';
import * as OffsetCommitKey from '../../protocol/generated/internal/offset-commit-key.js';
import * as OffsetCommitValue from '../../protocol/generated/internal/offset-commit-value.js';
import { encodeBatchSync } from '../../protocol/records/encode.js';
import type { RecordInput } from '../../protocol/records/record.js';
import { EMPTY_BUFFER, ZERO_UUID } from '../../protocol/primitives/codec-helpers.js';
import type { ClassicGroup } from './classic/classic-group.js';
import { RecordKind, withVersion } from './record-codec.js';
import { decodeConsumerRecord, encodeConsumerKey, encodeConsumerValue, type ConsumerGroupRecord } from './consumer/consumer-records.js';
import { decodeStreamsRecord, encodeStreamsKey, encodeStreamsValue } from '../streams/streams-record-codec.js';
import type { StreamsGroupRecord } from '../streams/streams-records.js';
import { decodeShareGroupRecord, encodeShareGroupKey, encodeShareGroupValue } from '../share/share-group-record-codec.js';
import type { ShareGroupRecord } from '../share/share-group-records.js';

/** A committed offset as the coordinator keeps it (Kafka's OffsetAndMetadata). */
export interface OffsetAndMetadata {
  committedOffset: bigint;
  /** -1 when none was given. */
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
  /** Set only by OffsetCommit v2-4 with a retention time; -1 otherwise. */
  expireTimestampMs: number;
  /** Offset of the record in __consumer_offsets (-1 until written). */
  recordOffset: number;
}

export interface OffsetRecord {
  kind: RecordKind.Offset;
  group: string;
  topic: string;
  partition: number;
  /** null: tombstone. */
  value: OffsetAndMetadata | null;
}

export interface GroupRecord {
  kind: RecordKind.Group;
  group: string;
  /** null: tombstone. */
  value: GroupMetadataValue.GroupMetadataValue | null;
}

/** A share group record with the group it belongs to (which partition it goes to); `value` is the record's (null: tombstone). */
export interface ShareRecord {
  kind: RecordKind.Share;
  group: string;
  record: ShareGroupRecord;
  value: ShareGroupRecord['value'];
}

export type CoordinatorRecord = OffsetRecord | GroupRecord | ConsumerGroupRecord | StreamsGroupRecord | ShareRecord;

export function shareRecord(record: ShareGroupRecord): ShareRecord {
  return { kind: RecordKind.Share, group: record.groupId, record, value: record.value };
}

/**
 * Record types (the key's int16) are the key specs' apiKey since Kafka 4.0, whose key structs
 * are at version 0; the bytes are those of the older scheme, where the key version was the type.
 * Type 0 is the legacy offset commit key (same fields as type 1).
 */
const KEY_VERSION = 0;
const LEGACY_OFFSET_COMMIT_TYPE = 0;
/** The highest non-flexible versions, which Kafka 4.0 writes. */
const OFFSET_COMMIT_VALUE_VERSION = 3;
const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;
const GROUP_METADATA_VALUE_VERSION = 3;

export function offsetRecord(group: string, topic: string, partition: number, value: OffsetAndMetadata | null): OffsetRecord {
  return { kind: RecordKind.Offset, group, topic, partition, value };
}

export function groupTombstone(group: string): GroupRecord {
  return { kind: RecordKind.Group, group, value: null };
}

/**
 * The group's metadata with each member's subscription (its metadata for the chosen protocol)
 * and assignment. An empty group has no protocol and no members.
 */
export function groupMetadataRecord(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): GroupRecord {
  const members: GroupMetadataValue.MemberMetadata[] = [];
  for (const m of group.members.values()) {
    if (group.protocolName === null) throw new Error(`group ${group.groupId} has members but no protocol`);
    members.push({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: m.metadata(group.protocolName),
      assignment: assignment.get(m.memberId) ?? EMPTY_BUFFER,
    });
  }
  return {
    kind: RecordKind.Group,
    group: group.groupId,
    value: {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestamp: BigInt(group.currentStateTimestamp ?? -1),
      members,
    },
  };
}

/** The record Kafka writes when a group is created: generation 0, no protocol, no members. */
export function emptyGroupRecord(group: ClassicGroup): GroupRecord {
  return {
    kind: RecordKind.Group,
    group: group.groupId,
    value: { protocolType: '', generation: 0, protocol: null, leader: null, currentStateTimestamp: BigInt(group.currentStateTimestamp ?? -1), members: [] },
  };
}

export function encodeKey(r: CoordinatorRecord): Buffer {
  if (r.kind === RecordKind.Consumer) return encodeConsumerKey(r);
  if (r.kind === RecordKind.Streams) return encodeStreamsKey(r);
  if (r.kind === RecordKind.Share) return encodeShareGroupKey(r.record);
  if (r.kind === RecordKind.Offset) {
    return withVersion(OffsetCommitKey.apiKey, OffsetCommitKey.encode({ group: r.group, topic: r.topic, partition: r.partition }, KEY_VERSION));
  }
  return withVersion(GroupMetadataKey.apiKey, GroupMetadataKey.encode({ group: r.group }, KEY_VERSION));
}

export function encodeValue(r: CoordinatorRecord): Buffer | null {
  if (r.kind === RecordKind.Consumer) return encodeConsumerValue(r);
  if (r.kind === RecordKind.Streams) return encodeStreamsValue(r);
  if (r.kind === RecordKind.Share) return encodeShareGroupValue(r.record);
  if (r.value === null) return null;
  if (r.kind === RecordKind.Offset) {
    const v = r.value;
    const version = v.expireTimestampMs >= 0 ? OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY : OFFSET_COMMIT_VALUE_VERSION;
    return withVersion(
      version,
      OffsetCommitValue.encode(
        { offset: v.committedOffset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: BigInt(v.commitTimestampMs), expireTimestamp: BigInt(v.expireTimestampMs), topicId: ZERO_UUID },
        version,
      ),
    );
  }
  return withVersion(GROUP_METADATA_VALUE_VERSION, GroupMetadataValue.encode(r.value, GROUP_METADATA_VALUE_VERSION));
}

/** One uncompressed v2 batch (no producer id) holding an operation's records, stamped `now`. */
export function encodeRecordBatch(records: readonly CoordinatorRecord[], now: number, producer: { producerId: number; producerEpoch: number } | null = null): Buffer {
  const inputs: RecordInput[] = [];
  for (const r of records) inputs.push({ key: encodeKey(r), value: encodeValue(r), timestamp: now });
  if (producer === null) return encodeBatchSync(inputs, { defaultTimestamp: now });
  return encodeBatchSync(inputs, { defaultTimestamp: now, producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence: -1, transactional: true });
}

/**
 * Reads one record of __consumer_offsets back; null for record types this coordinator does
 * not keep. Throws on a malformed key or value (the caller decides how loudly).
 */
export function decodeRecord(key: Buffer | null, value: Buffer | null, recordOffset: number): CoordinatorRecord | null {
  if (key === null || key.length < 2) throw new Error('record without a key');
  const type = key.readInt16BE(0);
  if (type === LEGACY_OFFSET_COMMIT_TYPE || type === OffsetCommitKey.apiKey) {
    const k = OffsetCommitKey.decode(key, 2, KEY_VERSION);
    if (value === null) return offsetRecord(k.group, k.topic, k.partition, null);
    const version = Math.min(value.readInt16BE(0), OffsetCommitValue.validVersions.highest);
    const v = OffsetCommitValue.decode(value, 2, version);
    return offsetRecord(k.group, k.topic, k.partition, {
      committedOffset: v.offset,
      leaderEpoch: v.leaderEpoch,
      metadata: v.metadata,
      commitTimestampMs: Number(v.commitTimestamp),
      expireTimestampMs: Number(v.expireTimestamp),
      recordOffset,
    });
  }
  if (type === GroupMetadataKey.apiKey) {
    const k = GroupMetadataKey.decode(key, 2, KEY_VERSION);
    if (value === null) return groupTombstone(k.group);
    const version = Math.min(value.readInt16BE(0), GroupMetadataValue.validVersions.highest);
    return { kind: RecordKind.Group, group: k.group, value: GroupMetadataValue.decode(value, 2, version) };
  }
  const share = decodeShareGroupRecord(type, key, value);
  if (share !== null) return shareRecord(share);
  return decodeConsumerRecord(type, key, value) ?? decodeStreamsRecord(type, key, value);
}
