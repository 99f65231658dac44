/**
 * The KIP-848 consumer groups (the consumer half of Kafka's GroupMetadataManager): the
 * groups by id, the session and rebalance deadlines of their members, fencing members that
 * miss them, replaying records, and the checks and records other APIs need (offset commit
 * and fetch epochs, deletion, listing). The heartbeat itself is in consumer-heartbeat.ts.
 *
 * Operations build their records first and apply them through replay; then the records are
 * appended to __consumer_offsets and the response waits until they are committed. A failed
 * append leaves the applied state in place (as the classic groups do here); Kafka reverts it.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ErrorCode } from '../../../protocol/generated/errors.js';
import type { ConsumerGroupConfig } from '../config.js';
import type { CoordinatorRecord } from '../records.js';
import type { DeadlineTimer } from '../timer.js';
import { RangeAssignor } from './assignors/range.js';
import { UniformAssignor } from './assignors/uniform.js';
import type { ConsumerGroupAssignor } from './assignors/assignor.js';
import { ConsumerGroup, ConsumerGroupState } from './consumer-group.js';
import { replayConsumerRecord } from './consumer-group-replay.js';
import { MemberState, type ConsumerMember } from './consumer-member.js';
import {
  currentAssignmentTombstone, groupEpochRecord, memberMetadataTombstone, subscriptionMetadataRecord, targetEpochRecord, targetMemberRecord,
  type ConsumerGroupRecord,
} from './consumer-records.js';
import { GroupError } from './errors.js';
import { computeSubscriptionMetadata, RegexResolver, subscriptionMetadataEqual, type TopicsSource } from './subscriptions.js';
import { memberTopicNames, membersAfter } from './target-assignment.js';
import { groupInt, NO_GROUP_OVERRIDES, type GroupOverrides } from '../group-configs.js';

/** Appends records (see RecordSink.append) and replays them; throws CoordinatorWriteError. */
export type ConsumerGroupWriter = (groupId: string, records: CoordinatorRecord[]) => Promise<void> | null;

const ASSIGNORS: Readonly<Record<string, () => ConsumerGroupAssignor>> = {
  uniform: () => new UniformAssignor(),
  range: () => new RangeAssignor(),
};

/** A new member id in the form of Kafka's Uuid.toString (22 characters of URL-safe base64). */
export function newMemberId(): string {
  return randomBytes(16).toString('base64url');
}

function sessionKey(groupId: string, memberId: string): string {
  return `consumer-group-session-timeout-${groupId}-${memberId}`;
}

function rebalanceKey(groupId: string, memberId: string): string {
  return `consumer-group-rebalance-timeout-${groupId}-${memberId}`;
}

function joinKey(groupId: string, memberId: string): string {
  return `consumer-group-join-timeout-${groupId}-${memberId}`;
}

function syncKey(groupId: string, memberId: string): string {
  return `consumer-group-sync-timeout-${groupId}-${memberId}`;
}

/** Records to write and what to do once they are applied (a downgrade's rebalance). */
export interface FenceOutcome {
  records: CoordinatorRecord[];
  after: (() => void) | null;
}

/** Turns a consumer group whose remaining members all use the classic protocol back into a classic group. */
export type Downgrade = (group: ConsumerGroup, leavingMemberId: string) => FenceOutcome | null;

export class ConsumerGroupManager {
  readonly groups = new Map<string, ConsumerGroup>();
  readonly config: ConsumerGroupConfig;
  readonly timer: DeadlineTimer;
  readonly logger: Logger;
  readonly topics: TopicsSource | null;
  /** Assignor name → assignor, in group.consumer.assignors order (the first is the default). */
  readonly assignors = new Map<string, ConsumerGroupAssignor>();
  private readonly writer: ConsumerGroupWriter;
  /** Set by the coordinator: the online downgrade (group.consumer.migration.policy). */
  downgrade: Downgrade | null = null;
  /** Set by the broker: each group's own configs (consumer.session.timeout.ms...). */
  groupOverrides: GroupOverrides = NO_GROUP_OVERRIDES;

  constructor(config: ConsumerGroupConfig, timer: DeadlineTimer, logger: Logger, writer: ConsumerGroupWriter, topics: TopicsSource | null) {
    this.config = config;
    this.timer = timer;
    this.logger = logger;
    this.writer = writer;
    this.topics = topics;
    for (const name of config.assignors) this.assignors.set(name, ASSIGNORS[name]!());
  }

  group(groupId: string): ConsumerGroup | undefined {
    return this.groups.get(groupId);
  }

  get defaultAssignor(): ConsumerGroupAssignor {
    return this.assignors.values().next().value!;
  }

  /** The assignor a group uses: the one most of its members ask for, else the default. */
  assignorFor(group: ConsumerGroup, replacing: ConsumerMember | null, updated: ConsumerMember | null): ConsumerGroupAssignor {
    const name = group.preferredServerAssignor(replacing, updated);
    return (name !== null ? this.assignors.get(name) : undefined) ?? this.defaultAssignor;
  }

  /** Appends records nobody waits for (the coordinator replays them into the groups), logging a failure. */
  private writeQuietly(groupId: string, records: CoordinatorRecord[], what: string): void {
    try {
      this.writer(groupId, records)?.catch((err: unknown) => this.logger.warn({ err, groupId }, `failed to write ${what}`));
    } catch (err) {
      this.logger.warn({ err, groupId }, `failed to write ${what}`);
    }
  }

  replay(r: ConsumerGroupRecord): void {
    replayConsumerRecord(this.groups, r);
  }

  // ---- deadlines ----------------------------------------------------------------------------

  /** consumer.session.timeout.ms of the group (within the broker's bounds), else group.consumer.session.timeout.ms. */
  sessionTimeoutMs(groupId: string): number {
    return groupInt(this.groupOverrides(groupId), 'consumer.session.timeout.ms', this.config.sessionTimeoutMs, this.config.minSessionTimeoutMs, this.config.maxSessionTimeoutMs);
  }

  /** consumer.heartbeat.interval.ms of the group (within the broker's bounds), else group.consumer.heartbeat.interval.ms. */
  heartbeatIntervalMs(groupId: string): number {
    return groupInt(this.groupOverrides(groupId), 'consumer.heartbeat.interval.ms', this.config.heartbeatIntervalMs, this.config.minHeartbeatIntervalMs, this.config.maxHeartbeatIntervalMs);
  }

  /** consumer.assignment.interval.ms of the group, else group.consumer.assignment.interval.ms (assignment-interval.ts). */
  assignmentIntervalMs(groupId: string): number {
    return groupInt(this.groupOverrides(groupId), 'consumer.assignment.interval.ms', this.config.assignmentIntervalMs);
  }

  /** The member's session: the group's session timeout, or a classic member's own session timeout. */
  scheduleSessionTimeout(groupId: string, memberId: string, timeoutMs = this.sessionTimeoutMs(groupId)): void {
    this.timer.schedule(sessionKey(groupId, memberId), timeoutMs, () => this.fenceOnTimeout(groupId, memberId, 'session timeout'));
  }

  /** A classic member told to rejoin must do so within its rebalance timeout. */
  scheduleJoinTimeoutIfAbsent(groupId: string, memberId: string, timeoutMs: number): void {
    const key = joinKey(groupId, memberId);
    if (!this.timer.has(key)) this.timer.schedule(key, timeoutMs, () => this.fenceOnTimeout(groupId, memberId, 'join timeout'));
  }

  cancelJoinTimeout(groupId: string, memberId: string): void {
    this.timer.cancel(joinKey(groupId, memberId));
  }

  /** A classic member that joined must send SyncGroup within its rebalance timeout. */
  scheduleSyncTimeout(groupId: string, memberId: string, timeoutMs: number): void {
    this.timer.schedule(syncKey(groupId, memberId), timeoutMs, () => this.fenceOnTimeout(groupId, memberId, 'sync timeout'));
  }

  cancelSyncTimeout(groupId: string, memberId: string): void {
    this.timer.cancel(syncKey(groupId, memberId));
  }

  scheduleRebalanceTimeout(groupId: string, member: ConsumerMember): void {
    const { memberId, memberEpoch } = member;
    this.timer.schedule(rebalanceKey(groupId, memberId), member.rebalanceTimeoutMs, () => this.onRebalanceTimeout(groupId, memberId, memberEpoch));
  }

  cancelRebalanceTimeout(groupId: string, memberId: string): void {
    this.timer.cancel(rebalanceKey(groupId, memberId));
  }

  cancelTimers(groupId: string, memberId: string): void {
    this.timer.cancel(sessionKey(groupId, memberId));
    this.timer.cancel(rebalanceKey(groupId, memberId));
    this.timer.cancel(joinKey(groupId, memberId));
    this.timer.cancel(syncKey(groupId, memberId));
  }

  private fenceOnTimeout(groupId: string, memberId: string, why: string): void {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return;
    this.logger.info({ groupId, memberId }, `member fenced from the consumer group: ${why}`);
    this.writeFence(groupId, this.fenceMember(group, member));
  }

  /** Writes a fence's records (nobody waits for them) and runs what follows. */
  writeFence(groupId: string, outcome: FenceOutcome): void {
    this.writeQuietly(groupId, outcome.records, 'fenced member');
    outcome.after?.();
  }

  /** The member did not revoke its partitions within its rebalance timeout. */
  private onRebalanceTimeout(groupId: string, memberId: string, memberEpoch: number): void {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return;
    if (member.memberEpoch !== memberEpoch || member.state !== MemberState.UnrevokedPartitions) return;
    this.logger.info({ groupId, memberId, memberEpoch }, 'member fenced from the consumer group: it did not revoke its partitions within the rebalance timeout');
    this.writeFence(groupId, this.fenceMember(group, member));
  }

  // ---- removing members and groups ----------------------------------------------------------

  /** Tombstones for a member's current assignment, target assignment and metadata, in Kafka's order. */
  static removeMemberRecords(groupId: string, memberId: string): ConsumerGroupRecord[] {
    return [currentAssignmentTombstone(groupId, memberId), targetMemberRecord(groupId, memberId, null), memberMetadataTombstone(groupId, memberId)];
  }

  /**
   * Removes a member (Kafka's consumerGroupFenceMember): when only classic members would be
   * left, the group goes back to being a classic group (if the migration policy allows);
   * otherwise the member's records get tombstones and the group epoch is bumped.
   */
  fenceMember(group: ConsumerGroup, member: ConsumerMember): FenceOutcome {
    const downgraded = this.downgrade?.(group, member.memberId) ?? null;
    if (downgraded !== null) {
      for (const m of group.members.values()) this.cancelTimers(group.groupId, m.memberId);
      return downgraded;
    }
    return { records: this.fenceMemberRecords(group, [member]), after: null };
  }

  /**
   * Tombstones for members leaving and a bumped group epoch so that the others get a new
   * target assignment; the subscription metadata is recomputed without them.
   */
  fenceMemberRecords(group: ConsumerGroup, leaving: readonly ConsumerMember[]): ConsumerGroupRecord[] {
    const records: ConsumerGroupRecord[] = [];
    for (const member of leaving) {
      records.push(...ConsumerGroupManager.removeMemberRecords(group.groupId, member.memberId));
      this.cancelTimers(group.groupId, member.memberId);
    }
    const gone = new Set(leaving.map((m) => m.memberId));
    const resolver = new RegexResolver(this.topics);
    const names = new Set<string>();
    for (const m of membersAfter(group, null, null)) if (!gone.has(m.memberId)) for (const t of memberTopicNames(m, resolver.resolve)) names.add(t);
    const metadata = computeSubscriptionMetadata(names, this.topics);
    if (!subscriptionMetadataEqual(metadata, group.subscriptionMetadata)) records.push(subscriptionMetadataRecord(group.groupId, metadata));
    records.push(groupEpochRecord(group.groupId, group.groupEpoch + 1));
    return records;
  }

  /** Every record of a group as tombstones (ConsumerGroup.createGroupTombstoneRecords). */
  static groupTombstones(group: ConsumerGroup): ConsumerGroupRecord[] {
    const id = group.groupId;
    const out: ConsumerGroupRecord[] = [];
    for (const memberId of group.members.keys()) out.push(currentAssignmentTombstone(id, memberId));
    for (const memberId of group.members.keys()) out.push(targetMemberRecord(id, memberId, null));
    out.push(targetEpochRecord(id, null));
    for (const memberId of group.members.keys()) out.push(memberMetadataTombstone(id, memberId));
    out.push(subscriptionMetadataRecord(id, null));
    out.push(groupEpochRecord(id, null));
    return out;
  }

  /** DeleteGroups' check: NON_EMPTY_GROUP unless the group has no members. */
  validateDeleteGroup(groupId: string): number {
    const group = this.groups.get(groupId);
    if (group === undefined) return ErrorCode.GROUP_ID_NOT_FOUND;
    return group.state === ConsumerGroupState.Empty ? ErrorCode.NONE : ErrorCode.NON_EMPTY_GROUP;
  }

  /** After loading: every member must heartbeat again within a session. */
  /** After a load: the loaded groups (those `owns` accepts) get their session and rebalance deadlines. */
  onLoaded(owns: (groupId: string) => boolean = () => true): void {
    for (const group of this.groups.values()) {
      if (!owns(group.groupId)) continue;
      for (const member of group.members.values()) {
        this.scheduleSessionTimeout(group.groupId, member.memberId, member.classicMemberMetadata?.sessionTimeoutMs ?? this.sessionTimeoutMs(group.groupId));
        if (member.state === MemberState.UnrevokedPartitions) this.scheduleRebalanceTimeout(group.groupId, member);
      }
    }
  }

  unloadAll(): void {
    for (const group of this.groups.values()) group.state = ConsumerGroupState.Dead;
    this.groups.clear();
  }

  /** The groups `owns` accepts are no longer coordinated here (their partition moved); returns how many went. */
  unloadGroups(owns: (groupId: string) => boolean): number {
    let n = 0;
    for (const group of [...this.groups.values()]) {
      if (!owns(group.groupId)) continue;
      group.state = ConsumerGroupState.Dead;
      this.groups.delete(group.groupId);
      n++;
    }
    return n;
  }

  // ---- offsets ------------------------------------------------------------------------------

  /**
   * ConsumerGroup.validateOffsetCommit: a commit from outside the group (epoch -1) is allowed
   * only while it is empty; a member must use OffsetCommit v9+ and its current epoch.
   */
  validateOffsetCommit(group: ConsumerGroup, memberId: string, memberEpoch: number, apiVersion: number): void {
    if (memberEpoch < 0 && group.isEmpty) return;
    const member = group.members.get(memberId);
    if (member === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
    if (!member.useClassicProtocol && apiVersion < 9) {
      throw new GroupError(ErrorCode.UNSUPPORTED_VERSION, 'OffsetCommit version 9 or above must be used by members using the modern group protocol');
    }
    validateMemberEpoch(member, memberEpoch);
  }

  /** ConsumerGroup.validateOffsetFetch: anyone may fetch without a member id; a member must give its current epoch. */
  validateOffsetFetch(group: ConsumerGroup, memberId: string | null, memberEpoch: number): void {
    if (memberEpoch < 0 && memberId === null) return;
    const member = memberId === null ? undefined : group.members.get(memberId);
    if (member === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
    validateMemberEpoch(member, memberEpoch);
  }
}

function validateMemberEpoch(member: ConsumerMember, received: number): void {
  if (received === member.memberEpoch) return;
  if (member.useClassicProtocol) throw new GroupError(ErrorCode.ILLEGAL_GENERATION, 'The generation id provided in the request is not the current generation.');
  throw new GroupError(ErrorCode.STALE_MEMBER_EPOCH, `The member epoch ${received} is stale; the current epoch is ${member.memberEpoch}.`);
}
