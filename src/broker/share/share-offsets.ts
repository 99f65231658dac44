/**
 * The share group offset APIs without their wire formats (Kafka's GroupCoordinatorService
 * describe/alter/deleteShareGroupOffsets over the persister): a share-partition's offset is
 * its start offset in __share_group_state. Describe reads it (with KIP-1226's lag: what lies
 * between it and the high watermark less what is already delivered); alter re-initializes
 * the state at the given offset with a higher state epoch; delete forgets it. Alter and delete
 * need the group empty, as in Kafka, and keep the group's ShareGroupStatePartitionMetadata
 * (share-state-partitions.ts) in step; the share-partitions loaded here are dropped so their
 * next use reads the new state.
 */
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import type { TopicMetadata } from '../../cluster/metadata.js';
import { ShareGroupState } from '../../coordinator/share/share-group.js';
import type { ShareAcquireBroker } from './share-acquire.js';
import type { GroupCoordinator } from '../../coordinator/group/coordinator.js';

export interface ShareOffsetsBroker extends ShareAcquireBroker {
  readonly groups: GroupCoordinator;
}

export interface DescribedShareOffset {
  partition: number;
  /** -1 when the share-partition has no state. */
  startOffset: number;
  leaderEpoch: number;
  /** -1 when unknown. */
  lag: number;
  errorCode: number;
}

export interface DescribedShareTopic {
  topicName: string;
  topicId: Buffer;
  partitions: DescribedShareOffset[];
}

export interface ShareOffsetsResult<T> {
  errorCode: number;
  errorMessage: string | null;
  topics: T[];
}

/**
 * `topics` null: every share-partition the group's ShareGroupStatePartitionMetadata has
 * initialized (Kafka's describeShareGroupAllOffsets), members or not, in that record's order.
 */
export async function describeShareGroupOffsets(broker: ShareOffsetsBroker, groupId: string, topics: ReadonlyArray<{ name: string; partitions: number[] }> | null): Promise<ShareOffsetsResult<DescribedShareTopic>> {
  const refused = groupRefusal<DescribedShareTopic>(broker, groupId, false);
  if (refused !== null) return refused;
  const wanted = topics ?? initializedTopics(broker, groupId);
  const out: DescribedShareTopic[] = [];
  for (const t of wanted) {
    const topic = broker.metadata.topic(t.name);
    const described: DescribedShareTopic = { topicName: t.name, topicId: topic?.id ?? Buffer.alloc(16), partitions: [] };
    out.push(described);
    for (const partition of t.partitions) {
      if (topic === undefined || partition < 0 || partition >= topic.partitions.length) {
        described.partitions.push({ partition, startOffset: -1, leaderEpoch: -1, lag: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
        continue;
      }
      const read = await broker.share.persister.read({ groupId, topicId: topic.id.toString('hex'), partition }, -1);
      if (read.errorCode !== ErrorCode.NONE || read.state === null || read.state.startOffset < 0) {
        described.partitions.push({ partition, startOffset: -1, leaderEpoch: -1, lag: -1, errorCode: read.errorCode });
        continue;
      }
      const led = broker.share.ledPartition(topic.id.toString('hex'), partition);
      const complete = Math.max(0, read.state.deliveryCompleteCount);
      const lag = led === undefined ? -1 : Math.max(0, led.logEndOffset - read.state.startOffset - complete);
      described.partitions.push({ partition, startOffset: read.state.startOffset, leaderEpoch: led?.leaderEpoch ?? -1, lag, errorCode: ErrorCode.NONE });
    }
  }
  return { errorCode: ErrorCode.NONE, errorMessage: null, topics: out };
}

export interface AlteredShareTopic {
  topicName: string;
  topicId: Buffer;
  partitions: Array<{ partition: number; errorCode: number }>;
}

/** Sets start offsets: each share-partition's state starts over there (state epoch + 1). */
export async function alterShareGroupOffsets(broker: ShareOffsetsBroker, groupId: string, topics: ReadonlyArray<{ name: string; partitions: Array<{ partition: number; startOffset: number }> }>): Promise<ShareOffsetsResult<AlteredShareTopic>> {
  const refused = groupRefusal<AlteredShareTopic>(broker, groupId, true);
  if (refused !== null) return refused;
  const out: AlteredShareTopic[] = [];
  for (const t of topics) {
    const topic = broker.metadata.topic(t.name);
    const altered: AlteredShareTopic = { topicName: t.name, topicId: topic?.id ?? Buffer.alloc(16), partitions: [] };
    out.push(altered);
    for (const p of t.partitions) {
      if (topic === undefined || p.partition < 0 || p.partition >= topic.partitions.length) {
        altered.partitions.push({ partition: p.partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
        continue;
      }
      const topicId = topic.id.toString('hex');
      const key = { groupId, topicId, partition: p.partition };
      const marked = { topicId, topicName: t.name, partitions: [p.partition] };
      // Kafka's steps: the partition is initializing in the group's state partition metadata, the persister re-initializes it, then it is initialized.
      let code = await broker.groups.appendShareRecords(groupId, broker.groups.share.markStatePartitions(groupId, marked, false));
      const read = code === ErrorCode.NONE ? await broker.share.persister.read(key, -1) : null;
      if (read !== null) code = read.errorCode;
      if (read !== null && code === ErrorCode.NONE) code = await broker.share.persister.initialize(key, (read.state?.stateEpoch ?? 0) + 1, p.startOffset);
      if (code === ErrorCode.NONE) {
        broker.share.sharePartitions.unload(key);
        code = await broker.groups.appendShareRecords(groupId, broker.groups.share.markStatePartitions(groupId, marked, true));
      }
      altered.partitions.push({ partition: p.partition, errorCode: code });
    }
  }
  return { errorCode: ErrorCode.NONE, errorMessage: null, topics: out };
}

export interface DeletedShareTopic {
  topicName: string;
  topicId: Buffer;
  errorCode: number;
  errorMessage: string | null;
}

/**
 * Forgets the state of the topics' share-partitions, in Kafka's steps: the group's state
 * partition metadata moves the topics with state to deleting (the others are refused), the
 * persister deletes their share-partitions' state, and the topics whose state went leave
 * deleting. Answered in Kafka's order: deleted topics, refused ones, then failed ones.
 */
export async function deleteShareGroupOffsets(broker: ShareOffsetsBroker, groupId: string, topicNames: readonly string[]): Promise<ShareOffsetsResult<DeletedShareTopic>> {
  const refusedGroup = groupRefusal<DeletedShareTopic>(broker, groupId, true);
  if (refusedGroup !== null) return refusedGroup;
  const { records, topics, refused } = broker.groups.share.beginDeleteOffsets(groupId, topicNames);
  const written = await broker.groups.appendShareRecords(groupId, records);
  if (written !== ErrorCode.NONE) return { errorCode: written, errorMessage: null, topics: [] };
  const deleted: DeletedShareTopic[] = [];
  const failed: DeletedShareTopic[] = [];
  for (const t of topics) {
    const code = await broker.share.deleteState(groupId, [t]);
    const row = { topicName: t.topicName, topicId: Buffer.from(t.topicId, 'hex'), errorCode: code, errorMessage: code === ErrorCode.NONE ? null : errorMessage(code) };
    (code === ErrorCode.NONE ? deleted : failed).push(row);
  }
  const done = broker.groups.share.completeDeleteOffsets(groupId, deleted.map((t) => t.topicId.toString('hex')));
  const completed = await broker.groups.appendShareRecords(groupId, done);
  if (completed !== ErrorCode.NONE) return { errorCode: completed, errorMessage: null, topics: [] };
  const rejected = refused.map((r) => ({ topicName: r.topicName, topicId: broker.metadata.topic(r.topicName)?.id ?? Buffer.alloc(16), errorCode: r.errorCode, errorMessage: r.errorMessage ?? errorMessage(r.errorCode) }));
  return { errorCode: ErrorCode.NONE, errorMessage: null, topics: [...deleted, ...rejected, ...failed] };
}

/** The group's error: not coordinated here, not a share group, or (for changes) not empty. */
function groupRefusal<T>(broker: ShareOffsetsBroker, groupId: string, mustBeEmpty: boolean): ShareOffsetsResult<T> | null {
  const notHere = broker.groups.groupError(groupId);
  if (notHere !== ErrorCode.NONE) return { errorCode: notHere, errorMessage: null, topics: [] };
  const group = broker.groups.share.group(groupId);
  if (group === undefined) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.`, topics: [] };
  if (mustBeEmpty && group.state !== ShareGroupState.Empty) {
    return { errorCode: ErrorCode.NON_EMPTY_GROUP, errorMessage: 'The group has active members. Offsets can only be changed for an empty group.', topics: [] };
  }
  return null;
}

/** The initialized share-partitions of a group, by the topics' current names (deleted topics left out). */
function initializedTopics(broker: ShareOffsetsBroker, groupId: string): Array<{ name: string; partitions: number[] }> {
  const out: Array<{ name: string; partitions: number[] }> = [];
  for (const t of broker.groups.share.group(groupId)!.statePartitions?.initialized ?? []) {
    const topic = broker.metadata.topicById(Buffer.from(t.topicId, 'hex'));
    if (topic !== undefined) out.push({ name: topic.name, partitions: [...t.partitions] });
  }
  return out;
}
