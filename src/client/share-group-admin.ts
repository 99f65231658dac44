/**
 * What Kafka's Admin.describeShareGroups, listShareGroupOffsets, alterShareGroupOffsets and
 * deleteShareGroupOffsets do (KIP-932), over one KafkaClient: each request goes to the group's
 * coordinator (FindCoordinator, key type GROUP, as for every group kind).
 */
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { KafkaClient } from './client.js';
import type { BrokerConnection } from './connection.js';
import { KafkaResponseError, throwIfError } from './errors.js';

export interface CoordinatorNode {
  id: number;
  host: string;
  port: number;
}

export interface ShareGroupMember {
  memberId: string;
  memberEpoch: number;
  clientId: string;
  host: string;
  rackId: string | null;
  subscribedTopics: string[];
  assignment: { topic: string; partitions: number[] }[];
}

export interface ShareGroupDescription {
  groupId: string;
  /** Kafka's names: Empty, Stable, Dead. */
  state: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignor: string;
  coordinator: CoordinatorNode;
  members: ShareGroupMember[];
}

/** One share-partition's start offset; null fields where the group has none (Kafka prints "-"). */
export interface SharePartitionOffset {
  topic: string;
  partition: number;
  startOffset: bigint | null;
  leaderEpoch: number | null;
  /** Records from the start offset to the end not yet acknowledged (DescribeShareGroupOffsets v1). */
  lag: bigint | null;
}

/** The coordinator's connection and its node (id, host, port). */
export async function groupCoordinator(client: KafkaClient, groupId: string): Promise<{ conn: BrokerConnection; node: CoordinatorNode }> {
  if (client.brokers().length === 0) await client.metadata([]);
  const conn = await client.coordinator(groupId);
  const id = client.brokers().find((n) => n.host === conn.host && n.port === conn.port)?.nodeId ?? -1;
  return { conn, node: { id, host: conn.host, port: conn.port } };
}

/**
 * The share group's state and members; null when `groupId` is no share group (the broker
 * answers GROUP_ID_NOT_FOUND for an unknown group and for one of another kind) or the broker
 * has no share groups.
 */
export async function describeShareGroup(client: KafkaClient, groupId: string): Promise<ShareGroupDescription | null> {
  return client.retrying(async () => {
    const { conn, node } = await groupCoordinator(client, groupId);
    if (conn.brokerRange(ApiKey.ShareGroupDescribe) === undefined) return null;
    const r = await conn.request(ApiKey.ShareGroupDescribe, { groupIds: [groupId], includeAuthorizedOperations: false });
    const g = r.groups[0];
    if (g === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `describing share group ${groupId}`, 'empty answer');
    if (g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) return null;
    throwIfError(g.errorCode, `describing share group ${groupId}`, g.errorMessage);
    return {
      groupId, state: g.groupState, groupEpoch: g.groupEpoch, assignmentEpoch: g.assignmentEpoch, assignor: g.assignorName, coordinator: node,
      members: g.members.map((m) => ({
        memberId: m.memberId, memberEpoch: m.memberEpoch, clientId: m.clientId, host: m.clientHost, rackId: m.rackId,
        subscribedTopics: [...m.subscribedTopicNames].sort(),
        assignment: m.assignment.topicPartitions
          .map((tp) => ({ topic: tp.topicName, partitions: [...tp.partitions].sort((a, b) => a - b) }))
          .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0)),
      })),
    };
  });
}

/**
 * The start offset (and lag) of each share-partition, sorted by topic and partition. `topics`
 * null: every partition the coordinator knows for the group (Kafka's listShareGroupOffsets
 * with no partitions named).
 */
export async function shareGroupOffsets(client: KafkaClient, groupId: string,
  topics: readonly { topic: string; partitions: readonly number[] }[] | null = null): Promise<SharePartitionOffset[]> {
  return client.retrying(async () => {
    const { conn } = await groupCoordinator(client, groupId);
    const r = await conn.request(ApiKey.DescribeShareGroupOffsets, {
      groups: [{ groupId, topics: topics === null ? null : topics.map((t) => ({ topicName: t.topic, partitions: [...t.partitions] })) }],
    });
    const g = r.groups[0];
    if (g === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `describing offsets of share group ${groupId}`, 'empty answer');
    throwIfError(g.errorCode, `describing offsets of share group ${groupId}`, g.errorMessage);
    const out: SharePartitionOffset[] = [];
    for (const t of g.topics) {
      for (const p of t.partitions) {
        throwIfError(p.errorCode, `describing offsets of share group ${groupId} for ${t.topicName}-${p.partitionIndex}`, p.errorMessage);
        // A negative start offset: the share-partition has no state yet (Kafka's admin gives null).
        const known = p.startOffset >= 0n;
        out.push({
          topic: t.topicName, partition: p.partitionIndex,
          startOffset: known ? p.startOffset : null,
          leaderEpoch: known && p.leaderEpoch >= 0 ? p.leaderEpoch : null,
          lag: known && p.lag >= 0n ? p.lag : null,
        });
      }
    }
    return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  });
}

/** Sets the start offsets of share-partitions (the group must have no members, as Kafka checks). */
export async function alterShareGroupOffsets(client: KafkaClient, groupId: string, offsets: ReadonlyMap<string, ReadonlyMap<number, bigint>>): Promise<void> {
  await client.retrying(async () => {
    const { conn } = await groupCoordinator(client, groupId);
    const r = await conn.request(ApiKey.AlterShareGroupOffsets, {
      groupId,
      topics: [...offsets].map(([topicName, parts]) => ({
        topicName, partitions: [...parts].map(([partitionIndex, startOffset]) => ({ partitionIndex, startOffset })),
      })),
    });
    throwIfError(r.errorCode, `altering offsets of share group ${groupId}`, r.errorMessage);
    for (const t of r.responses) {
      for (const p of t.partitions) throwIfError(p.errorCode, `altering offsets of share group ${groupId} for ${t.topicName}-${p.partitionIndex}`, p.errorMessage);
    }
  });
}

/**
 * Deletes the share group's state for whole topics; resolves with each topic's error name
 * (null: deleted). A group-level error (not empty, unknown group) is thrown.
 */
export async function deleteShareGroupOffsets(client: KafkaClient, groupId: string, topics: readonly string[]): Promise<Map<string, string | null>> {
  return client.retrying(async () => {
    const { conn } = await groupCoordinator(client, groupId);
    const r = await conn.request(ApiKey.DeleteShareGroupOffsets, { groupId, topics: topics.map((topicName) => ({ topicName })) });
    throwIfError(r.errorCode, `deleting offsets of share group ${groupId}`, r.errorMessage);
    const out = new Map<string, string | null>();
    for (const t of r.responses) {
      out.set(t.topicName, t.errorCode === ErrorCode.NONE ? null : new KafkaResponseError(t.errorCode, '').errorName);
    }
    return out;
  });
}
