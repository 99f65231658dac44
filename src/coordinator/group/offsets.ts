/**
 * Committed offsets (Kafka's OffsetMetadataManager): OffsetCommit's checks against the group
 * (generation, member, simple commits from outside any group), the records a commit writes,
 * OffsetFetch, OffsetDelete, deleting a group's offsets, and the expiry of offsets under
 * `offsets.retention.minutes`. The store is changed only by replaying records, the same way
 * whether they were just written or are being loaded at start-up.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { OffsetCommitResponseTopic } from '../../protocol/generated/offset-commit-response.js';
import type { OffsetDeleteResponseTopic } from '../../protocol/generated/offset-delete-response.js';
import type { OffsetFetchResponseTopics } from '../../protocol/generated/offset-fetch-response.js';
import type { ClassicGroup } from './classic/classic-group.js';
import type { GroupManager } from './classic/group-manager.js';
import { GroupState } from './classic/group-state.js';
import { offsetRecord, type OffsetAndMetadata, type OffsetRecord } from './records.js';
import { PendingTxnOffsets } from './pending-txn-offsets.js';
import type { ConsumerGroup } from './consumer/consumer-group.js';
import type { ConsumerGroupManager } from './consumer/consumer-group-manager.js';
import type { StreamsGroup } from '../streams/streams-group.js';
import type { StreamsGroupManager } from '../streams/streams-group-manager.js';
import { GroupError } from './consumer/errors.js';
import { ZERO_UUID } from '../../protocol/primitives/codec-helpers.js';

type TopicOffsets = Map<number, OffsetAndMetadata>;
type GroupOffsets = Map<string, TopicOffsets>;

/** group → topic → partition → committed offset. */
export class OffsetStore {
  private readonly byGroup = new Map<string, GroupOffsets>();

  get(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.byGroup.get(groupId)?.get(topic)?.get(partition);
  }

  group(groupId: string): GroupOffsets | undefined {
    return this.byGroup.get(groupId);
  }

  put(groupId: string, topic: string, partition: number, value: OffsetAndMetadata): void {
    let g = this.byGroup.get(groupId);
    if (g === undefined) {
      g = new Map();
      this.byGroup.set(groupId, g);
    }
    let t = g.get(topic);
    if (t === undefined) {
      t = new Map();
      g.set(topic, t);
    }
    t.set(partition, value);
  }

  remove(groupId: string, topic: string, partition: number): boolean {
    const g = this.byGroup.get(groupId);
    const t = g?.get(topic);
    if (t === undefined || !t.delete(partition)) return false;
    if (t.size === 0) g!.delete(topic);
    if (g!.size === 0) this.byGroup.delete(groupId);
    return true;
  }

  clear(): void {
    this.byGroup.clear();
  }

  /** Forgets the offsets of the groups `owns` accepts. */
  removeGroups(owns: (groupId: string) => boolean): void {
    for (const groupId of [...this.byGroup.keys()]) if (owns(groupId)) this.byGroup.delete(groupId);
  }

  groupIds(): IterableIterator<string> {
    return this.byGroup.keys();
  }
}

/** OffsetCommit, whatever its version. */
export interface CommitRequest {
  groupId: string;
  /** -1 for a commit from outside the group's membership (a "simple" consumer or an admin). */
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v2-4 retention time; -1 for the broker's. */
  retentionTimeMs: bigint;
  topics: ReadonlyArray<{
    name: string;
    partitions: ReadonlyArray<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; commitTimestamp: bigint; committedMetadata: string | null }>;
  }>;
  apiVersion: number;
}

/** What a commit writes and answers, or the error for all of its partitions. */
export type CommitOutcome = { errorCode: number } | { errorCode: 0; records: OffsetRecord[]; topics: OffsetCommitResponseTopic[] };

export type DeleteOutcome = { errorCode: number } | { errorCode: 0; records: OffsetRecord[]; topics: OffsetDeleteResponseTopic[] };

/** TxnOffsetCommit, whatever its version (generation and member from v3; -1 and '' before). */
export interface TxnCommitRequest {
  groupId: string;
  producerId: number;
  producerEpoch: number;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: ReadonlyArray<{
    name: string;
    partitions: ReadonlyArray<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }>;
  }>;
  apiVersion: number;
  /** The guard of a verification by a transaction coordinator on another broker, null when verified here (or not at all). */
  verificationGuard?: number | null;
}

export class OffsetManager {
  readonly store = new OffsetStore();
  /** Transactional offsets not yet committed or aborted. */
  readonly pending = new PendingTxnOffsets();
  private readonly groups: GroupManager;
  private readonly consumer: ConsumerGroupManager;
  /** KIP-1071 streams groups, set by the coordinator: their members commit with member epochs as consumer groups' do. */
  streams: StreamsGroupManager | null = null;

  constructor(groups: GroupManager, consumer: ConsumerGroupManager) {
    this.groups = groups;
    this.consumer = consumer;
  }

  /** The groups `owns` accepts are no longer coordinated here: their committed and pending offsets go. */
  unloadGroups(owns: (groupId: string) => boolean): void {
    this.store.removeGroups(owns);
    this.pending.removeGroups(owns);
  }

  /** The consumer or streams group under the id: groups whose members have epochs instead of a generation. */
  private epochGroup(groupId: string): ConsumerGroup | StreamsGroup | undefined {
    return this.consumer.group(groupId) ?? this.streams?.group(groupId);
  }

  /** ClassicGroup.validateOffsetCommit. */
  private validateCommit(group: ClassicGroup, req: CommitRequest): number {
    if (group.state === GroupState.Dead) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const generation = req.generationIdOrMemberEpoch;
    // Outside the membership (generation -1): allowed while nobody is in the group.
    if (generation < 0 && group.state === GroupState.Empty) return ErrorCode.NONE;
    if (generation >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      const invalid = group.validateMember(req.memberId, req.groupInstanceId);
      if (invalid !== ErrorCode.NONE) return invalid;
      if (generation !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (group.state !== GroupState.Empty) {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    // A member with a valid generation that has not got its assignment yet.
    if (group.state === GroupState.CompletingRebalance) return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /**
   * Validates a commit and builds its records and response. A commit for a group that does
   * not exist creates it (empty, without a protocol) when it comes from outside any
   * membership; otherwise it is refused (GROUP_ID_NOT_FOUND from v9, ILLEGAL_GENERATION before).
   */
  commit(req: CommitRequest, now: number, maxMetadataSize: number): CommitOutcome {
    const consumerGroup = this.consumer.group(req.groupId);
    if (consumerGroup !== undefined) {
      try {
        this.consumer.validateOffsetCommit(consumerGroup, req.memberId, req.generationIdOrMemberEpoch, req.apiVersion);
      } catch (err) {
        if (err instanceof GroupError) return { errorCode: err.errorCode };
        throw err;
      }
      return this.commitRecords(req, now, maxMetadataSize);
    }
    const streamsGroup = this.streams?.group(req.groupId);
    if (streamsGroup !== undefined) {
      try {
        this.streams!.validateOffsetCommit(streamsGroup, req.memberId, req.generationIdOrMemberEpoch);
      } catch (err) {
        if (err instanceof GroupError) return { errorCode: err.errorCode };
        throw err;
      }
      return this.commitRecords(req, now, maxMetadataSize);
    }
    let group = this.groups.group(req.groupId);
    if (group === undefined) {
      if (req.generationIdOrMemberEpoch >= 0) {
        return { errorCode: req.apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION };
      }
      group = this.groups.getOrCreate(req.groupId);
    }
    const invalid = this.validateCommit(group, req);
    if (invalid !== ErrorCode.NONE) return { errorCode: invalid };
    // A commit keeps a classic member's session alive.
    if (group.state === GroupState.Stable || group.state === GroupState.PreparingRebalance) {
      const member = group.members.get(req.memberId);
      if (member !== undefined) this.groups.rescheduleHeartbeat(group, member);
    }
    return this.commitRecords(req, now, maxMetadataSize);
  }

  /**
   * TxnOffsetCommit's checks (OffsetMetadataManager.validateTransactionalOffsetCommit): an
   * unknown group is created empty for a commit from outside any membership (generation -1),
   * else ILLEGAL_GENERATION; a classic group checks member and generation (not the rebalance
   * state, and an empty member id is allowed: v0-2 have none); a consumer group checks member
   * and epoch, a stale epoch answering ILLEGAL_GENERATION. Then the records, as for OffsetCommit.
   */
  commitTransactional(req: TxnCommitRequest, now: number, maxMetadataSize: number): CommitOutcome {
    const epochGroup = this.epochGroup(req.groupId);
    if (epochGroup !== undefined) {
      if (!(req.generationId < 0 && epochGroup.isEmpty)) {
        const member = epochGroup.members.get(req.memberId);
        if (member === undefined) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
        if (member.memberEpoch !== req.generationId) return { errorCode: ErrorCode.ILLEGAL_GENERATION };
      }
    } else {
      let group = this.groups.group(req.groupId);
      if (group === undefined) {
        if (req.generationId >= 0) return { errorCode: ErrorCode.ILLEGAL_GENERATION };
        group = this.groups.getOrCreate(req.groupId);
      }
      if (group.state === GroupState.Dead) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
      if (!(req.generationId < 0 && group.state === GroupState.Empty) && (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null)) {
        const invalid = group.validateMember(req.memberId, req.groupInstanceId);
        if (invalid !== ErrorCode.NONE) return { errorCode: invalid };
        if (req.generationId !== group.generationId) return { errorCode: ErrorCode.ILLEGAL_GENERATION };
      }
    }
    return this.commitRecords({
      groupId: req.groupId, generationIdOrMemberEpoch: req.generationId, memberId: req.memberId, groupInstanceId: req.groupInstanceId,
      retentionTimeMs: -1n, apiVersion: req.apiVersion,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ ...p, commitTimestamp: -1n })) })),
    }, now, maxMetadataSize);
  }

  private commitRecords(req: CommitRequest, now: number, maxMetadataSize: number): CommitOutcome {
    const expireTimestampMs = req.retentionTimeMs === -1n ? -1 : now + Number(req.retentionTimeMs);
    const records: OffsetRecord[] = [];
    const topics: OffsetCommitResponseTopic[] = [];
    for (const t of req.topics) {
      const partitions = [];
      for (const p of t.partitions) {
        if (p.committedMetadata !== null && p.committedMetadata.length > maxMetadataSize) {
          partitions.push({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE });
          continue;
        }
        partitions.push({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE });
        records.push(offsetRecord(req.groupId, t.name, p.partitionIndex, {
          committedOffset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch < 0 ? -1 : p.committedLeaderEpoch,
          metadata: p.committedMetadata ?? '',
          commitTimestampMs: p.commitTimestamp === -1n ? now : Number(p.commitTimestamp),
          expireTimestampMs,
          recordOffset: -1,
        }));
      }
      topics.push({ name: t.name, topicId: ZERO_UUID, partitions });
    }
    return { errorCode: ErrorCode.NONE, records, topics };
  }

  /**
   * Committed offsets of the requested partitions (-1 and no metadata for those without), or
   * of every partition the group has when `topics` is null. An unknown group has none.
   */
  fetch(groupId: string, topics: ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null, requireStable = false): OffsetFetchResponseTopics[] {
    const group = this.groups.group(groupId);
    const known = (group !== undefined && group.state !== GroupState.Dead) || this.epochGroup(groupId) !== undefined;
    const offsets = known ? this.store.group(groupId) : undefined;
    // KIP-447: a partition with an offset in an open transaction is unstable for read_committed consumers.
    const unstable = requireStable && this.pending.hasGroup(groupId);
    const answer = (topic: string, partitionIndex: number, o: OffsetAndMetadata | undefined) =>
      unstable && this.hasPending(groupId, topic, partitionIndex) ? unstableOffset(partitionIndex) : fetched(partitionIndex, o);
    const out: OffsetFetchResponseTopics[] = [];
    if (topics === null) {
      if (offsets === undefined) return out;
      for (const [name, partitions] of offsets) {
        const list = [];
        for (const [partitionIndex, o] of partitions) list.push(answer(name, partitionIndex, o));
        out.push({ name, topicId: ZERO_UUID, partitions: list });
      }
      return out;
    }
    for (const t of topics) {
      const byPartition = offsets?.get(t.name);
      out.push({ name: t.name, topicId: ZERO_UUID, partitions: t.partitionIndexes.map((p) => answer(t.name, p, byPartition?.get(p))) });
    }
    return out;
  }

  /**
   * OffsetDelete: refused for a group with members (unless they use the consumer protocol,
   * where only the topics they subscribe to are refused).
   */
  delete(groupId: string, topics: ReadonlyArray<{ name: string; partitions: ReadonlyArray<{ partitionIndex: number }> }>): DeleteOutcome {
    const epochGroup = this.epochGroup(groupId);
    const classic = epochGroup === undefined ? this.groups.group(groupId) : undefined;
    const group: ConsumerGroup | StreamsGroup | ClassicGroup | undefined = epochGroup ?? classic;
    if (group === undefined || (classic !== undefined && classic.state === GroupState.Dead)) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
    // A consumer or streams group never refuses as a whole: only the topics its members consume.
    if (classic !== undefined && classic.state !== GroupState.Empty && !classic.usesConsumerProtocol) return { errorCode: ErrorCode.NON_EMPTY_GROUP };
    const records: OffsetRecord[] = [];
    const out: OffsetDeleteResponseTopic[] = [];
    for (const t of topics) {
      const subscribed = group.isSubscribedToTopic(t.name);
      const partitions = [];
      for (const p of t.partitions) {
        if (subscribed) {
          partitions.push({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC });
          continue;
        }
        partitions.push({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE });
        if (this.store.get(groupId, t.name, p.partitionIndex) !== undefined) records.push(offsetRecord(groupId, t.name, p.partitionIndex, null));
      }
      out.push({ name: t.name, partitions });
    }
    return { errorCode: ErrorCode.NONE, records, topics: out };
  }

  /** Tombstones for every offset of the group (DeleteGroups). */
  deleteAll(groupId: string, records: OffsetRecord[]): number {
    const offsets = this.store.group(groupId);
    let n = 0;
    if (offsets === undefined) return n;
    for (const [topic, partitions] of offsets) {
      for (const partition of partitions.keys()) {
        records.push(offsetRecord(groupId, topic, partition, null));
        n++;
      }
    }
    return n;
  }

  /** Tombstones for every group's offsets of `topic` (the topic was deleted). */
  deleteTopic(topic: string): Map<string, OffsetRecord[]> {
    const out = new Map<string, OffsetRecord[]>();
    for (const groupId of this.store.groupIds()) {
      const partitions = this.store.group(groupId)?.get(topic);
      if (partitions === undefined) continue;
      out.set(groupId, [...partitions.keys()].map((p) => offsetRecord(groupId, topic, p, null)));
    }
    return out;
  }

  /**
   * Tombstones for the group's offsets that have expired; true when the group has no offsets
   * left afterwards. Offsets expire `offsets.retention.minutes` after the group became Empty
   * (or after their commit, for groups without a protocol and for topics a Stable consumer
   * group no longer subscribes to); an explicit v2-4 retention time wins.
   */
  expire(groupId: string, now: number, retentionMs: number, records: OffsetRecord[]): boolean {
    const offsets = this.store.group(groupId);
    // A group with an open transaction's offsets is kept (Kafka's cleanupExpiredOffsets).
    if (offsets === undefined) return !this.pending.hasGroup(groupId);
    const epochGroup = this.epochGroup(groupId);
    const classic = epochGroup === undefined ? this.groups.group(groupId) : undefined;
    const group: ConsumerGroup | StreamsGroup | ClassicGroup | undefined = epochGroup ?? classic;
    if (group === undefined) return false;
    // Consumer and streams groups: offsets expire counting from their commit (ConsumerGroup.offsetExpirationCondition).
    const base = classic !== undefined ? expirationBase(classic) : (o: OffsetAndMetadata) => o.commitTimestampMs;
    if (base === null) return false;
    let allExpired = true;
    for (const [topic, partitions] of offsets) {
      if (group.isSubscribedToTopic(topic)) {
        allExpired = false;
        continue;
      }
      for (const [partition, o] of partitions) {
        // An offset an open transaction is about to replace does not expire (Kafka's cleanupExpiredOffsets).
        if (this.hasPending(groupId, topic, partition)) {
          allExpired = false;
          continue;
        }
        const expired = o.expireTimestampMs >= 0 ? now >= o.expireTimestampMs : now - base(o) >= retentionMs;
        if (expired) records.push(offsetRecord(groupId, topic, partition, null));
        else allExpired = false;
      }
    }
    return allExpired && !this.pending.hasGroup(groupId);
  }

  /**
   * Applies an offset record: a commit (creating the group it names if there is none), or a
   * tombstone. Either one written after a transaction's offset for the same partition wins
   * over it, so that offset is dropped (Kafka compares record offsets when the transaction
   * commits; dropping it now comes to the same).
   */
  replay(r: OffsetRecord): void {
    this.pending.drop(r.group, r.topic, r.partition);
    if (r.value === null) {
      this.store.remove(r.group, r.topic, r.partition);
      return;
    }
    // Offsets committed without group management still need a (simple, empty) group.
    if (this.epochGroup(r.group) === undefined) this.groups.getOrCreate(r.group);
    this.store.put(r.group, r.topic, r.partition, r.value);
  }

  /** Applies an offset record of a transactional batch: pending until the producer's transaction ends. */
  replayTransactional(producerId: number, r: OffsetRecord): void {
    if (r.value === null) {
      this.replay(r);
      return;
    }
    if (this.epochGroup(r.group) === undefined) this.groups.getOrCreate(r.group);
    this.pending.add(producerId, { group: r.group, topic: r.topic, partition: r.partition, value: r.value });
  }

  /**
   * The producer's transaction ended with a marker on the __consumer_offsets partition that
   * `owns` says holds a group (Kafka's replayEndTransactionMarker): its pending offsets of those
   * groups become committed offsets, or are dropped on abort. Returns how many were committed.
   */
  completeTransaction(producerId: number, commit: boolean, owns: (groupId: string) => boolean): number {
    const offsets = this.pending.take(producerId, owns);
    if (!commit) return 0;
    for (const o of offsets) {
      if (this.epochGroup(o.group) === undefined) this.groups.getOrCreate(o.group);
      this.store.put(o.group, o.topic, o.partition, o.value);
    }
    return offsets.length;
  }

  /** True when an open transaction has an offset for the partition (OffsetFetch with requireStable answers UNSTABLE_OFFSET_COMMIT). */
  hasPending(groupId: string, topic: string, partition: number): boolean {
    return this.pending.has(groupId, topic, partition);
  }
}

function unstableOffset(partitionIndex: number) {
  return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
}

function fetched(partitionIndex: number, o: OffsetAndMetadata | undefined) {
  if (o === undefined) return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
  return { partitionIndex, committedOffset: o.committedOffset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE };
}

/** ClassicGroup.offsetExpirationCondition: the time each offset's retention counts from, or null for "never". */
function expirationBase(group: ClassicGroup): ((o: OffsetAndMetadata) => number) | null {
  if (group.protocolType === null) return (o) => o.commitTimestampMs;
  if (group.state === GroupState.Empty) {
    const since = group.currentStateTimestamp;
    return (o) => since ?? o.commitTimestampMs;
  }
  if (group.usesConsumerProtocol && group.subscribedTopics !== null && group.state === GroupState.Stable) return (o) => o.commitTimestampMs;
  return null;
}
