/**
 * The group coordinator (`BrokerContext.groups`): classic consumer groups and committed
 * offsets, with their state in __consumer_offsets. It serves the group APIs through the
 * managers: GroupManager (classic membership and rebalances, classic/), ConsumerGroupManager
 * (KIP-848 groups, consumer/) and OffsetManager (offsets). Records are appended and, for
 * offsets and deletions, applied to the in-memory state at once; a request is answered once
 * its records are committed (the partition's ISR has them).
 *
 * It coordinates the groups of the partitions of __consumer_offsets this broker leads (Kafka's
 * GroupCoordinator.onElection / onResignation): a partition it comes to lead is loaded at its
 * leader epoch, the coordinator epoch (requests for its groups answer
 * COORDINATOR_LOAD_IN_PROGRESS meanwhile), one it stops leading is unloaded (its groups
 * forgotten, parked requests answered NOT_COORDINATOR); groups of any other partition answer
 * NOT_COORDINATOR. A single node leads every partition.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { DescribedGroup } from '../../protocol/generated/describe-groups-response.js';
import type { DeletableGroupResult } from '../../protocol/generated/delete-groups-response.js';
import type { ListedGroup } from '../../protocol/generated/list-groups-response.js';
import type { OffsetCommitResponseTopic } from '../../protocol/generated/offset-commit-response.js';
import type { OffsetDeleteResponseTopic } from '../../protocol/generated/offset-delete-response.js';
import type { OffsetFetchResponseTopics } from '../../protocol/generated/offset-fetch-response.js';
import { systemClock, type Clock } from '../../storage/clock.js';
import type { JoinCallback, SyncCallback } from './classic/classic-member.js';
import { groupConfigFrom, type ConfigValues, type GroupConfig } from './config.js';
import { GroupManager } from './classic/group-manager.js';
import { joinGroup, type JoinRequest } from './classic/join.js';
import { heartbeat, leaveGroup, type HeartbeatRequest, type LeaveResult, type LeavingMember } from './classic/membership.js';
import { OffsetManager, type CommitRequest, type TxnCommitRequest } from './offsets.js';
import { OffsetsTopic, type OffsetsTopicHost, type OwnedOffsetsPartition, type ReplayMarker, type ReplayRecord } from './offsets-topic.js';
import { RecordKind } from './record-codec.js';
import { groupTombstone, type CoordinatorRecord, type OffsetRecord } from './records.js';
import { appendErrorToResponseError, CoordinatorWriteError, type RecordSink } from './sink.js';
import { syncGroup, type SyncRequest } from './classic/sync.js';
import { DeadlineTimer, TimerDriver } from './timer.js';
import { PartitionOwnership } from './partition-ownership.js';
import { ConsumerGroupManager } from './consumer/consumer-group-manager.js';
import { consumerGroupHeartbeat, type ConsumerHeartbeatRequest } from './consumer/consumer-heartbeat.js';
import { describeConsumerGroup, describeConsumerGroupAsClassic, listedConsumerGroup } from './consumer/consumer-group-describe.js';
import { GroupError } from './consumer/errors.js';
import { GroupConversions } from './consumer/conversion.js';
import { classicHeartbeatToConsumerGroup, classicJoinToConsumerGroup, classicLeaveConsumerGroup, classicSyncToConsumerGroup } from './consumer/classic-members.js';
import { syncError } from './classic/sync.js';
import type { TopicsSource } from './consumer/subscriptions.js';
import type { ConsumerGroupHeartbeatResponse } from '../../protocol/generated/consumer-group-heartbeat-response.js';
import type { DescribedGroup as DescribedConsumerGroup } from '../../protocol/generated/consumer-group-describe-response.js';

/** Where records go and where they are loaded from. */
export interface CoordinatorLog extends RecordSink {
  /** Makes sure there is somewhere to write (creates __consumer_offsets); null when there is. */
  ensure(): Promise<void> | null;
  /** The partitions this broker leads now, with their leader epochs (at start-up and after creating the topic). */
  ownedPartitions(): OwnedOffsetsPartition[];
  /**
   * Replays what `partition` holds, in order: each record with the producer id of its
   * transactional batch (-1 for others), each transaction marker with its partition.
   */
  loadPartition(partition: number, replay: ReplayRecord, onMarker: ReplayMarker): Promise<number>;
  partitionFor(groupId: string): number;
  /** TxnOffsetCommit: appends the records as one transactional batch of the producer (see RecordSink.append). */
  appendTransactional(groupId: string, records: readonly CoordinatorRecord[], producerId: number, producerEpoch: number, verificationGuard?: number | null): Promise<void> | null;
}

const enum Status {
  Starting,
  Active,
  Closed,
}

const EXPIRATION_KEY = 'expire-group-metadata';

export type CommitResult = { errorCode: number; topics: OffsetCommitResponseTopic[] };
export type DeleteOffsetsResult = { errorCode: number; topics: OffsetDeleteResponseTopic[] };

export interface CoordinatorOptions {
  config: GroupConfig;
  log: CoordinatorLog;
  logger: Logger;
  clock?: Clock;
  /** false in tests that drive the timer by hand. */
  driveTimer?: boolean;
  /** The topics consumer groups subscribe to (the broker's metadata); none when absent. */
  topics?: TopicsSource | null;
}

export class GroupCoordinator {
  readonly config: GroupConfig;
  readonly clock: Clock;
  readonly timer: DeadlineTimer;
  readonly groups: GroupManager;
  readonly offsets: OffsetManager;
  /** KIP-848 consumer groups. */
  readonly consumer: ConsumerGroupManager;
  /** Classic ⇄ consumer group conversions (group.consumer.migration.policy). */
  readonly conversions: GroupConversions;
  readonly logger: Logger;
  private readonly log: CoordinatorLog;
  private readonly driver: TimerDriver | null;
  private status = Status.Starting;
  /** The partitions of __consumer_offsets this broker leads. */
  private readonly owned: PartitionOwnership;

  constructor(options: CoordinatorOptions) {
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.log = options.log;
    this.timer = new DeadlineTimer(this.clock);
    this.timer.onError = (err, key) => this.logger.error({ err, key }, 'group coordinator timer task failed');
    this.driver = options.driveTimer === false ? null : new TimerDriver(this.timer);
    this.groups = new GroupManager(this.config, this.timer, this.logger, (groupId, records) => this.write(groupId, records, false));
    this.consumer = new ConsumerGroupManager(this.config.consumer, this.timer, this.logger, (groupId, records) => this.write(groupId, records, true), options.topics ?? null);
    this.offsets = new OffsetManager(this.groups, this.consumer);
    this.conversions = new GroupConversions(this.groups, this.consumer, this.config);
    this.owned = new PartitionOwnership(
      (partition, epoch, current) => this.loadPartition(partition, epoch, current),
      (partition) => this.unloadPartition(partition),
    );
  }

  /** The coordinator of a broker, on its __consumer_offsets. */
  static onOffsetsTopic(host: OffsetsTopicHost, settings: ConfigValues, topics: TopicsSource): GroupCoordinator {
    const config = groupConfigFrom(settings);
    const logger = host.logger.child({ component: 'group-coordinator' });
    return new GroupCoordinator({ config, logger, log: new OffsetsTopic(host, config, systemClock), topics });
  }

  /** Starts serving, and loads the partitions this broker leads already. */
  async startup(): Promise<void> {
    if (this.status !== Status.Starting) return;
    this.status = Status.Active;
    this.scheduleExpiration();
    this.driver?.start();
    await Promise.all(this.log.ownedPartitions().map((p) => this.onElection(p.partition, p.coordinatorEpoch)));
  }

  /** Stops: parked JoinGroup and SyncGroup requests are answered NOT_COORDINATOR; later requests COORDINATOR_NOT_AVAILABLE. */
  shutdown(): void {
    if (this.status === Status.Closed) return;
    this.status = Status.Closed;
    this.driver?.stop();
    this.timer.clear();
    this.owned.clear();
    this.groups.unloadAll();
    this.consumer.unloadAll();
    this.offsets.store.clear();
  }

  /**
   * This broker now leads `partition` at `coordinatorEpoch` (its leader epoch): its groups and
   * offsets are loaded. The same election again waits for the same load; a newer one unloads
   * what an older one loaded and loads again. Resolves with the records read.
   */
  onElection(partition: number, coordinatorEpoch: number): Promise<number> {
    if (this.status === Status.Closed) return Promise.resolve(0);
    if (!this.owned.has(partition)) this.logger.info({ partition, coordinatorEpoch }, 'elected as the group coordinator for a partition');
    return this.owned.elect(partition, coordinatorEpoch).catch((err: unknown) => {
      this.logger.error({ err, partition }, 'loading a partition of the group coordinator failed');
      return 0;
    });
  }

  /**
   * This broker no longer leads `partition` (the partition's new leader epoch, when known): its
   * groups and offsets are forgotten. An election at a newer epoch than `coordinatorEpoch`
   * stays.
   */
  onResignation(partition: number, coordinatorEpoch?: number): void {
    if (this.owned.resign(partition, coordinatorEpoch)) this.logger.info({ partition, coordinatorEpoch }, 'resigned as the group coordinator for a partition');
  }

  private async loadPartition(partition: number, coordinatorEpoch: number, owned: () => boolean): Promise<number> {
    const started = this.clock.now();
    const current = () => this.status !== Status.Closed && owned();
    const records = await this.log.loadPartition(
      partition,
      (r, producerId) => {
        if (!current()) return;
        if (producerId >= 0 && r.kind === RecordKind.Offset) this.offsets.replayTransactional(producerId, r);
        else this.replay(r);
      },
      (p, producerId, commit) => {
        if (current()) this.offsets.completeTransaction(producerId, commit, (groupId) => this.log.partitionFor(groupId) === p);
      },
    );
    if (!current()) return 0;
    const owns = (groupId: string) => this.log.partitionFor(groupId) === partition;
    this.groups.onLoaded(owns);
    this.consumer.onLoaded(owns);
    this.logger.info({ partition, coordinatorEpoch, records, ms: this.clock.now() - started }, 'group coordinator loaded a partition');
    return records;
  }

  /** Forgets the groups of `partition` (GroupMetadataManager.removeGroupsForPartition). */
  private unloadPartition(partition: number): void {
    const owns = (groupId: string) => this.log.partitionFor(groupId) === partition;
    const groups = this.groups.unloadGroups(owns) + this.consumer.unloadGroups(owns);
    this.offsets.unloadGroups(owns);
    this.logger.info({ partition, groups }, 'group coordinator unloaded a partition');
  }

  /**
   * NONE when the coordinator runs, else the error every group request answers with
   * (COORDINATOR_LOAD_IN_PROGRESS before start-up, COORDINATOR_NOT_AVAILABLE once stopped).
   * Whether it coordinates a given group is groupError's answer.
   */
  statusError(): number {
    if (this.status === Status.Closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.status === Status.Starting) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /** ListGroups: as statusError, and COORDINATOR_LOAD_IN_PROGRESS while a partition loads (Kafka lists only when none does). */
  listError(): number {
    const status = this.statusError();
    if (status !== ErrorCode.NONE) return status;
    return this.owned.anyLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
  }

  /**
   * NONE when this broker coordinates `groupId`; else the error its requests answer:
   * NOT_COORDINATOR when another broker leads its partition, COORDINATOR_LOAD_IN_PROGRESS while
   * the partition loads, COORDINATOR_NOT_AVAILABLE once stopped.
   */
  groupError(groupId: string): number {
    return this.partitionError(this.log.partitionFor(groupId));
  }

  /** As groupError, for a partition of __consumer_offsets. */
  partitionError(partition: number): number {
    if (this.status !== Status.Active) return this.status === Status.Closed ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return this.owned.error(partition);
  }

  /**
   * Creates __consumer_offsets if needed and loads the partitions it gave this broker; null
   * when it exists. Rejects with a CoordinatorWriteError.
   */
  ready(): Promise<void> | null {
    const creating = this.log.ensure();
    if (creating === null) return null;
    return creating.then(async () => {
      const fresh = this.log.ownedPartitions().filter((p) => !this.owned.has(p.partition));
      await Promise.all(fresh.map((p) => this.onElection(p.partition, p.coordinatorEpoch)));
    });
  }

  partitionFor(groupId: string): number {
    return this.log.partitionFor(groupId);
  }

  // ---- writes and replay ----------------------------------------------------------------------

  /**
   * Appends records (throws CoordinatorWriteError); with `apply`, changes the state as a load
   * would. Group metadata written by rebalances is not applied: the group changed already.
   */
  private write(groupId: string, records: CoordinatorRecord[], apply: boolean): Promise<void> | null {
    const done = this.log.append(groupId, records);
    if (apply) for (const r of records) this.replay(r);
    return done;
  }

  private replay(r: CoordinatorRecord): void {
    if (r.kind === RecordKind.Offset) this.offsets.replay(r);
    else if (r.kind === RecordKind.Consumer) this.consumer.replay(r);
    else this.groups.replay(r.group, r.value);
  }

  private static errorOf(err: unknown): number {
    return err instanceof CoordinatorWriteError ? appendErrorToResponseError(err.errorCode) : ErrorCode.UNKNOWN_SERVER_ERROR;
  }

  // ---- membership -------------------------------------------------------------------------------

  /**
   * JoinGroup. An empty consumer group under the id is replaced by a classic group (its
   * records get tombstones first, as Kafka's maybeDeleteEmptyConsumerGroup); a consumer group
   * with members takes the member in as a classic member (classic-members.ts).
   */
  join(req: JoinRequest, respond: JoinCallback): void {
    const consumer = this.consumer.group(req.groupId);
    const fail = (errorCode: number) => respond({ throttleTimeMs: 0, errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId: req.memberId, members: [] });
    if (consumer !== undefined && !consumer.isEmpty) {
      let outcome;
      try {
        outcome = classicJoinToConsumerGroup(this.consumer, consumer, req);
      } catch (err) {
        if (err instanceof GroupError) return fail(err.errorCode);
        throw err;
      }
      const { response, records, after } = outcome;
      let done: Promise<void> | null;
      try {
        done = this.write(req.groupId, records, true);
      } catch (err) {
        return fail(GroupCoordinator.errorOf(err));
      }
      const finish = () => {
        after?.();
        respond(response);
      };
      if (done === null) finish();
      else done.then(finish, (err: unknown) => fail(GroupCoordinator.errorOf(err)));
      return;
    }
    if (consumer !== undefined) {
      try {
        this.write(req.groupId, ConsumerGroupManager.groupTombstones(consumer), true)?.catch((err: unknown) => this.logger.warn({ err, groupId: req.groupId }, 'failed to delete the empty consumer group'));
        this.logger.info({ groupId: req.groupId }, 'converted the empty consumer group to a classic group');
      } catch (err) {
        return fail(GroupCoordinator.errorOf(err));
      }
    }
    joinGroup(this.groups, req, respond);
  }

  // ---- consumer groups (KIP-848) ------------------------------------------------------------------

  /** ConsumerGroupHeartbeat: answered once its records are committed. */
  consumerGroupHeartbeat(req: ConsumerHeartbeatRequest): ConsumerGroupHeartbeatResponse | Promise<ConsumerGroupHeartbeatResponse> {
    const fail = (errorCode: number, errorMessage: string | null): ConsumerGroupHeartbeatResponse => ({
      throttleTimeMs: 0, errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null,
    });
    let outcome;
    try {
      outcome = consumerGroupHeartbeat(this.consumer, this.conversions, req);
    } catch (err) {
      if (err instanceof GroupError) return fail(err.errorCode, err.message);
      throw err;
    }
    const { response, records } = outcome;
    if (records.length === 0) return response;
    let done: Promise<void> | null;
    try {
      done = this.write(req.groupId, records, true);
      outcome.after?.();
    } catch (err) {
      this.logger.warn({ err, groupId: req.groupId }, 'failed to write consumer group heartbeat records');
      return fail(GroupCoordinator.errorOf(err), null);
    }
    if (done === null) return response;
    return done.then(
      () => response,
      (err: unknown) => fail(GroupCoordinator.errorOf(err), null),
    );
  }

  /** ConsumerGroupDescribe for one group. */
  consumerGroupDescribe(groupId: string, apiVersion: number): DescribedConsumerGroup {
    const group = this.consumer.group(groupId);
    if (group === undefined) {
      const message = this.groups.group(groupId) !== undefined ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`;
      return {
        errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: message, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '',
        members: [], authorizedOperations: -2147483648,
      };
    }
    return describeConsumerGroup(group, this.consumer.assignorFor(group, null, null).name, this.consumer.topics, apiVersion);
  }

  sync(req: SyncRequest, respond: SyncCallback): void {
    const consumer = this.consumer.group(req.groupId);
    if (consumer === undefined) return syncGroup(this.groups, req, respond);
    try {
      respond(classicSyncToConsumerGroup(this.consumer, consumer, req));
    } catch (err) {
      if (!(err instanceof GroupError)) throw err;
      respond(syncError(err.errorCode));
    }
  }

  heartbeat(req: HeartbeatRequest): number {
    const consumer = this.consumer.group(req.groupId);
    if (consumer === undefined) return heartbeat(this.groups, req);
    try {
      return classicHeartbeatToConsumerGroup(this.consumer, consumer, req);
    } catch (err) {
      if (!(err instanceof GroupError)) throw err;
      return err.errorCode;
    }
  }

  /** LeaveGroup; for classic members of a consumer group, answered once the removal is committed. */
  leave(groupId: string, members: readonly LeavingMember[]): LeaveResult | Promise<LeaveResult> {
    const consumer = this.consumer.group(groupId);
    if (consumer === undefined) return leaveGroup(this.groups, groupId, members);
    const outcome = classicLeaveConsumerGroup(this.consumer, consumer, members);
    const result: LeaveResult = { errorCode: ErrorCode.NONE, members: outcome.members };
    let done: Promise<void> | null;
    try {
      done = this.write(groupId, outcome.records, true);
    } catch (err) {
      return { errorCode: GroupCoordinator.errorOf(err), members: [] };
    }
    if (done === null) return result;
    return done.then(
      () => result,
      (err: unknown) => ({ errorCode: GroupCoordinator.errorOf(err), members: [] }),
    );
  }

  // ---- offsets -------------------------------------------------------------------------------------

  /**
   * OffsetCommit: answered once the commit's records are committed, and only then visible to
   * OffsetFetch (Kafka's pending offset commits, GroupMetadata.onOffsetCommitAppend): a commit
   * whose append fails, or that a new leader of the partition does not have, is never read.
   */
  commitOffsets(req: CommitRequest): CommitResult | Promise<CommitResult> {
    const outcome = this.offsets.commit(req, this.clock.now(), this.config.offsetMetadataMaxSize);
    if (!('records' in outcome)) return { errorCode: outcome.errorCode, topics: [] };
    const result: CommitResult = { errorCode: ErrorCode.NONE, topics: outcome.topics };
    let done: Promise<void> | null;
    try {
      done = this.write(req.groupId, outcome.records, false);
    } catch (err) {
      this.logger.warn({ err, groupId: req.groupId }, 'failed to write offset commit');
      return { errorCode: GroupCoordinator.errorOf(err), topics: [] };
    }
    if (done === null) {
      for (const r of outcome.records) this.replay(r);
      return result;
    }
    const partition = this.log.partitionFor(req.groupId);
    return done.then(
      () => {
        // a partition given up meanwhile is loaded again from its log by its next leader
        if (this.owned.has(partition)) for (const r of outcome.records) this.replay(r);
        return result;
      },
      (err: unknown) => ({ errorCode: GroupCoordinator.errorOf(err), topics: [] }),
    );
  }

  /**
   * OffsetFetch for one group. With `requireStable`, waits for the commits not yet committed
   * (Kafka answers after its pending writes the same way).
   */
  fetchOffsets(
    groupId: string,
    topics: ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null,
    requireStable: boolean,
  ): OffsetFetchResponseTopics[] | Promise<OffsetFetchResponseTopics[]> {
    const pending = requireStable ? this.log.pending(groupId) : null;
    if (pending === null) return this.offsets.fetch(groupId, topics, requireStable);
    return pending.then(
      () => this.offsets.fetch(groupId, topics, requireStable),
      () => this.offsets.fetch(groupId, topics, requireStable),
    );
  }

  /**
   * TxnOffsetCommit, once the transaction coordinator knows the group's partition is in the
   * transaction: the group's checks, then the offsets written as a transactional batch of the
   * producer, pending until the transaction's marker lands on the partition. Answered once
   * the records are committed.
   */
  commitTransactionalOffsets(req: TxnCommitRequest): CommitResult | Promise<CommitResult> {
    const outcome = this.offsets.commitTransactional(req, this.clock.now(), this.config.offsetMetadataMaxSize);
    if (!('records' in outcome)) return { errorCode: outcome.errorCode, topics: [] };
    const result: CommitResult = { errorCode: ErrorCode.NONE, topics: outcome.topics };
    let done: Promise<void> | null;
    try {
      done = this.log.appendTransactional(req.groupId, outcome.records, req.producerId, req.producerEpoch, req.verificationGuard ?? null);
      for (const r of outcome.records) this.offsets.replayTransactional(req.producerId, r);
    } catch (err) {
      this.logger.warn({ err, groupId: req.groupId }, 'failed to write transactional offset commit');
      return { errorCode: GroupCoordinator.errorOf(err), topics: [] };
    }
    if (done === null) return result;
    return done.then(
      () => result,
      (err: unknown) => ({ errorCode: GroupCoordinator.errorOf(err), topics: [] }),
    );
  }

  /**
   * A transaction's marker was written to `partition` of __consumer_offsets: the producer's
   * pending offsets of the groups there are committed, or dropped on abort.
   */
  completeTransaction(partition: number, producerId: number, commit: boolean): void {
    const n = this.offsets.completeTransaction(producerId, commit, (groupId) => this.log.partitionFor(groupId) === partition);
    if (n > 0) this.logger.debug({ partition, producerId, offsets: n }, 'committed transactional offsets');
  }

  /**
   * OffsetFetch v9's member checks, for consumer groups (ConsumerGroup.validateOffsetFetch):
   * UNKNOWN_MEMBER_ID or STALE_MEMBER_EPOCH; NONE for other groups and for admin fetches.
   */
  validateOffsetFetch(groupId: string, memberId: string | null, memberEpoch: number): number {
    const group = this.consumer.group(groupId);
    if (group === undefined) return ErrorCode.NONE;
    try {
      this.consumer.validateOffsetFetch(group, memberId, memberEpoch);
      return ErrorCode.NONE;
    } catch (err) {
      if (err instanceof GroupError) return err.errorCode;
      throw err;
    }
  }

  deleteOffsets(groupId: string, topics: ReadonlyArray<{ name: string; partitions: ReadonlyArray<{ partitionIndex: number }> }>): DeleteOffsetsResult | Promise<DeleteOffsetsResult> {
    const outcome = this.offsets.delete(groupId, topics);
    if (!('records' in outcome)) return { errorCode: outcome.errorCode, topics: [] };
    const result: DeleteOffsetsResult = { errorCode: ErrorCode.NONE, topics: outcome.topics };
    let done: Promise<void> | null;
    try {
      done = this.write(groupId, outcome.records, true);
    } catch (err) {
      return { errorCode: GroupCoordinator.errorOf(err), topics: [] };
    }
    if (done === null) return result;
    return done.then(
      () => result,
      (err: unknown) => ({ errorCode: GroupCoordinator.errorOf(err), topics: [] }),
    );
  }

  // ---- groups ---------------------------------------------------------------------------------------

  describeGroup(groupId: string, apiVersion: number): DescribedGroup {
    const consumer = this.consumer.group(groupId);
    if (consumer !== undefined) return describeConsumerGroupAsClassic(consumer, apiVersion);
    return this.groups.describe(groupId, apiVersion);
  }

  /** ListGroups: classic and consumer groups, filtered by state and type (case-insensitive). */
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): ListedGroup[] {
    const out = this.groups.list(statesFilter, typesFilter);
    const states = new Set(statesFilter.map((s) => s.trim().toLowerCase()));
    const types = new Set(typesFilter.map((t) => t.trim().toLowerCase()));
    if (types.size > 0 && !types.has('consumer')) return out;
    for (const g of this.consumer.groups.values()) {
      if (states.size > 0 && !states.has(g.stateName.toLowerCase())) continue;
      out.push(listedConsumerGroup(g));
    }
    return out;
  }

  /** DeleteGroups: each empty group's offsets and metadata get tombstones; answered once written. */
  async deleteGroups(groupIds: readonly string[]): Promise<DeletableGroupResult[]> {
    const results: DeletableGroupResult[] = [];
    const waits: Array<Promise<void>> = [];
    for (const groupId of new Set(groupIds)) {
      const consumer = this.consumer.group(groupId);
      const notHere = this.groupError(groupId);
      const invalid = notHere !== ErrorCode.NONE ? notHere : consumer !== undefined ? this.consumer.validateDeleteGroup(groupId) : this.groups.validateDeleteGroup(groupId);
      const result: DeletableGroupResult = { groupId, errorCode: invalid };
      results.push(result);
      if (invalid !== ErrorCode.NONE) continue;
      const records: CoordinatorRecord[] = [];
      const deleted = this.offsets.deleteAll(groupId, records as OffsetRecord[]);
      if (consumer !== undefined) records.push(...ConsumerGroupManager.groupTombstones(consumer));
      else records.push(groupTombstone(groupId));
      try {
        const done = this.write(groupId, records, true);
        if (done !== null) waits.push(done.catch((err: unknown) => void (result.errorCode = GroupCoordinator.errorOf(err))));
        this.logger.info({ groupId, offsets: deleted }, 'deleted group');
      } catch (err) {
        result.errorCode = GroupCoordinator.errorOf(err);
      }
    }
    if (waits.length > 0) await Promise.all(waits);
    return results;
  }

  /**
   * A topic was deleted: every group's offsets for it get tombstones (Kafka's
   * onPartitionsDeleted), so that a new topic of the same name starts without them.
   */
  onTopicDeleted(topic: string): void {
    if (this.status !== Status.Active) return;
    for (const [groupId, records] of this.offsets.deleteTopic(topic)) {
      try {
        this.write(groupId, records, true)?.catch((err: unknown) => this.logger.warn({ err, groupId, topic }, 'failed to delete the offsets of a deleted topic'));
      } catch (err) {
        this.logger.warn({ err, groupId, topic }, 'failed to delete the offsets of a deleted topic');
      }
    }
  }

  // ---- expiry ---------------------------------------------------------------------------------------

  private scheduleExpiration(): void {
    this.timer.schedule(EXPIRATION_KEY, this.config.offsetsRetentionCheckIntervalMs, () => {
      this.cleanupGroupMetadata();
      this.scheduleExpiration();
    });
  }

  /**
   * Kafka's periodic cleanup: expired offsets get tombstones, and an Empty group left without
   * offsets is deleted. Returns the number of records written.
   */
  cleanupGroupMetadata(): number {
    const now = this.clock.now();
    let written = 0;
    for (const groupId of [...this.groups.groups.keys(), ...this.consumer.groups.keys()]) {
      const records: CoordinatorRecord[] = [];
      const allExpired = this.offsets.expire(groupId, now, this.config.offsetsRetentionMs, records as OffsetRecord[]);
      const consumer = this.consumer.group(groupId);
      if (consumer !== undefined) {
        if (allExpired && consumer.isEmpty) records.push(...ConsumerGroupManager.groupTombstones(consumer));
      } else if (allExpired && this.groups.validateDeleteGroup(groupId) === ErrorCode.NONE) {
        records.push(groupTombstone(groupId));
      }
      if (records.length === 0) continue;
      try {
        this.write(groupId, records, true)?.catch((err: unknown) => this.logger.warn({ err, groupId }, 'failed to write expired offsets'));
        written += records.length;
      } catch (err) {
        this.logger.warn({ err, groupId }, 'failed to write expired offsets');
      }
    }
    if (written > 0) this.logger.info({ records: written }, 'expired group metadata and offsets');
    return written;
  }
}
