/**
 * The consumer protocol embedded in classic JoinGroup/SyncGroup (protocol type "consumer"),
 * for classic members inside consumer groups and for converting groups between the two
 * protocols: a member's subscription (topics, owned partitions, rack) from its JoinGroup
 * metadata, and its assignment serialized at the version its subscription used, as Kafka's
 * ConsumerProtocol does (both start with an int16 version; a newer version is read with the
 * newest schema known).
 */
import * as Assignment from '../../../protocol/generated/consumer-protocol-assignment.js';
import * as Subscription from '../../../protocol/generated/consumer-protocol-subscription.js';
import { ErrorCode } from '../../../protocol/generated/errors.js';
import { addPartition, toWire, type TopicPartitions, type WireTopicPartitions } from './assignment.js';
import { GroupError } from './errors.js';
import type { TopicsSource } from './subscriptions.js';

export interface EmbeddedSubscription {
  version: number;
  topics: string[];
  ownedPartitions: Array<{ topic: string; partitions: number[] }>;
  rackId: string | null;
}

function versionOf(metadata: Buffer, highest: number): number {
  if (metadata.length < 2) throw new GroupError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'The embedded consumer protocol is malformed.');
  const v = metadata.readInt16BE(0);
  if (v < 0) throw new GroupError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `Unsupported consumer protocol version ${v}.`);
  return Math.min(v, highest);
}

/** A member's subscription from its JoinGroup protocol metadata; GroupError when malformed. */
export function decodeSubscription(metadata: Buffer): EmbeddedSubscription {
  const version = versionOf(metadata, Subscription.validVersions.highest);
  try {
    const s = Subscription.decode(metadata, 2, version);
    return { version, topics: s.topics, ownedPartitions: s.ownedPartitions, rackId: s.rackId };
  } catch {
    throw new GroupError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'The embedded consumer protocol subscription is malformed.');
  }
}

/** The version a member's metadata was written at (what its assignment is serialized with). */
export function subscriptionVersion(metadata: Buffer): number {
  return metadata.length >= 2 ? Math.max(0, Math.min(metadata.readInt16BE(0), Assignment.validVersions.highest)) : 0;
}

/** Partitions by topic name → by topic id; topics that do not exist are left out. */
export function byTopicId(list: ReadonlyArray<{ topic: string; partitions: number[] }>, topics: TopicsSource | null): WireTopicPartitions[] {
  const out: TopicPartitions = new Map();
  for (const tp of list) {
    const t = topics?.topic(tp.topic);
    if (t === undefined) continue;
    for (const p of tp.partitions) addPartition(out, t.id.toString('hex'), p);
  }
  return toWire(out);
}

/** An assignment as ConsumerProtocol serializes it for SyncGroup, topics by name. */
export function encodeAssignment(partitions: TopicPartitions, topics: TopicsSource | null, version: number): Buffer {
  const assigned: Assignment.TopicPartition[] = [];
  for (const tp of toWire(partitions)) {
    const name = topics?.topicById?.(tp.topicId)?.name;
    if (name !== undefined) assigned.push({ topic: name, partitions: tp.partitions });
  }
  const body = Assignment.encode({ assignedPartitions: assigned, userData: null }, version);
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}

/** A classic member's assignment bytes → partitions by topic id (empty when there are none or they do not parse). */
export function decodeAssignment(bytes: Buffer, topics: TopicsSource | null): TopicPartitions {
  const out: TopicPartitions = new Map();
  if (bytes.length < 2) return out;
  const version = versionOf(bytes, Assignment.validVersions.highest);
  const a = Assignment.decode(bytes, 2, version);
  for (const tp of a.assignedPartitions) {
    const t = topics?.topic(tp.topic);
    if (t === undefined) continue;
    for (const p of tp.partitions) addPartition(out, t.id.toString('hex'), p);
  }
  return out;
}
