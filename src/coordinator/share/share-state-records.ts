/**
 * The share coordinator's records in __share_group_state, in Kafka's formats
 * (ShareCoordinatorRecordSerde): a key is the int16 record type followed by the key struct, a
 * value the int16 value version (0) followed by the flexible value struct; a null value is a
 * tombstone.
 *
 *   0 ShareSnapshot (group, topic id, partition) → the share-partition's whole durable state
 *   1 ShareUpdate   (group, topic id, partition) → batches changed since, applied on the snapshot
 *                                                  of the same snapshot epoch
 */
import * as ShareSnapshotKey from '../../protocol/generated/internal/share-snapshot-key.js';
import * as ShareSnapshotValue from '../../protocol/generated/internal/share-snapshot-value.js';
import * as ShareUpdateKey from '../../protocol/generated/internal/share-update-key.js';
import * as ShareUpdateValue from '../../protocol/generated/internal/share-update-value.js';
import { encodeBatchSync } from '../../protocol/records/encode.js';
import type { RecordInput } from '../../protocol/records/record.js';
import { withVersion } from '../group/record-codec.js';
import type { RecordState, PersisterStateBatch } from './record-state.js';

export const SHARE_GROUP_STATE_TOPIC = '__share_group_state';

export const enum ShareRecordType {
  Snapshot = 0,
  Update = 1,
}

/** A share-partition: the share group and the topic-partition (topic id as 32 hex digits). */
export interface SharePartitionKey {
  groupId: string;
  topicId: string;
  partition: number;
}

export interface ShareSnapshot {
  snapshotEpoch: number;
  stateEpoch: number;
  leaderEpoch: number;
  startOffset: number;
  deliveryCompleteCount: number;
  createTimestamp: number;
  writeTimestamp: number;
  batches: PersisterStateBatch[];
}

export interface ShareUpdate {
  snapshotEpoch: number;
  leaderEpoch: number;
  /** -1: unchanged. */
  startOffset: number;
  deliveryCompleteCount: number;
  batches: PersisterStateBatch[];
}

export type ShareStateRecord =
  | { type: ShareRecordType.Snapshot; key: SharePartitionKey; value: ShareSnapshot | null }
  | { type: ShareRecordType.Update; key: SharePartitionKey; value: ShareUpdate | null };

const VALUE_VERSION = 0;
/** Key structs are at version 0; the record type in front of them is their spec's apiKey. */
const KEY_VERSION = 0;

/**
 * Kafka's SharePartitionKey.asCoordinatorKey, "group:topicId:partition" with the topic id as
 * Kafka prints a Uuid (URL-safe base64, no padding): what FindCoordinator's SHARE key type
 * carries and what picks the partition of __share_group_state.
 */
export function coordinatorKey(k: SharePartitionKey): string {
  return `${k.groupId}:${Buffer.from(k.topicId, 'hex').toString('base64url')}:${k.partition}`;
}

/** The map key the coordinator keeps a share-partition's state under. */
export function stateKey(k: SharePartitionKey): string {
  return `${k.groupId}\u0000${k.topicId}\u0000${k.partition}`;
}

export function encodeShareStateRecord(r: ShareStateRecord): RecordInput {
  const wireKey = { groupId: r.key.groupId, topicId: Buffer.from(r.key.topicId, 'hex'), partition: r.key.partition };
  if (r.type === ShareRecordType.Snapshot) {
    const v = r.value;
    return {
      key: withVersion(ShareRecordType.Snapshot, ShareSnapshotKey.encode(wireKey, KEY_VERSION)),
      value: v === null ? null : withVersion(VALUE_VERSION, ShareSnapshotValue.encode({
        snapshotEpoch: v.snapshotEpoch, stateEpoch: v.stateEpoch, leaderEpoch: v.leaderEpoch, startOffset: BigInt(v.startOffset),
        deliveryCompleteCount: v.deliveryCompleteCount, createTimestamp: BigInt(v.createTimestamp), writeTimestamp: BigInt(v.writeTimestamp),
        stateBatches: v.batches.map(toWire),
      }, VALUE_VERSION)),
    };
  }
  const v = r.value;
  return {
    key: withVersion(ShareRecordType.Update, ShareUpdateKey.encode(wireKey, KEY_VERSION)),
    value: v === null ? null : withVersion(VALUE_VERSION, ShareUpdateValue.encode({
      snapshotEpoch: v.snapshotEpoch, leaderEpoch: v.leaderEpoch, startOffset: BigInt(v.startOffset),
      deliveryCompleteCount: v.deliveryCompleteCount, stateBatches: v.batches.map(toWire),
    }, VALUE_VERSION)),
  };
}

/** One batch of records, as the coordinator appends them. */
export function encodeShareStateBatch(records: readonly ShareStateRecord[], now: number): Buffer {
  return encodeBatchSync(records.map(encodeShareStateRecord), { defaultTimestamp: now });
}

/** A record read back; null for a record of another type (the caller logs and skips it). Throws on a malformed one. */
export function decodeShareStateRecord(key: Buffer, value: Buffer | null): ShareStateRecord | null {
  const type = key.readInt16BE(0);
  if (type === ShareRecordType.Snapshot) {
    const k = ShareSnapshotKey.decode(key, 2, KEY_VERSION);
    const sk = { groupId: k.groupId, topicId: k.topicId.toString('hex'), partition: k.partition };
    if (value === null) return { type, key: sk, value: null };
    const v = ShareSnapshotValue.decode(value, 2, value.readInt16BE(0));
    return {
      type, key: sk, value: {
        snapshotEpoch: v.snapshotEpoch, stateEpoch: v.stateEpoch, leaderEpoch: v.leaderEpoch, startOffset: Number(v.startOffset),
        deliveryCompleteCount: v.deliveryCompleteCount, createTimestamp: Number(v.createTimestamp), writeTimestamp: Number(v.writeTimestamp),
        batches: v.stateBatches.map(fromWire),
      },
    };
  }
  if (type === ShareRecordType.Update) {
    const k = ShareUpdateKey.decode(key, 2, KEY_VERSION);
    const sk = { groupId: k.groupId, topicId: k.topicId.toString('hex'), partition: k.partition };
    if (value === null) return { type, key: sk, value: null };
    const v = ShareUpdateValue.decode(value, 2, value.readInt16BE(0));
    return {
      type, key: sk, value: {
        snapshotEpoch: v.snapshotEpoch, leaderEpoch: v.leaderEpoch, startOffset: Number(v.startOffset),
        deliveryCompleteCount: v.deliveryCompleteCount, batches: v.stateBatches.map(fromWire),
      },
    };
  }
  return null;
}

function toWire(b: PersisterStateBatch): ShareSnapshotValue.StateBatch {
  return { firstOffset: BigInt(b.firstOffset), lastOffset: BigInt(b.lastOffset), deliveryState: b.deliveryState, deliveryCount: b.deliveryCount };
}

function fromWire(b: ShareSnapshotValue.StateBatch): PersisterStateBatch {
  return { firstOffset: Number(b.firstOffset), lastOffset: Number(b.lastOffset), deliveryState: b.deliveryState as RecordState, deliveryCount: b.deliveryCount };
}
