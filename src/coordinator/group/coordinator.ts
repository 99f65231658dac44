/**
 * The group coordinator (`BrokerContext.groups`): classic consumer groups and committed
 * offsets, with their state in __consumer_offsets. It serves the group APIs through the
 * managers: GroupManager (classic membership and rebalances, classic/), ConsumerGroupManager
 * (KIP-848 groups, consumer/), ShareGroupManager (KIP-932 share groups, ../share/) and
 * OffsetManager (offsets). Records are appended and, for
 * offsets and deletions, applied to the in-memory state at once; a request is answered once
 * its records are committed (the partition's ISR has them).
 *
 * It coordinates the groups of the partitions of __consumer_offsets this broker leads (Kafka's
 * GroupCoordinator.onElection / onResignation): coordinator-runtime.ts loads a partition it
 * comes to lead and unloads one it stops leading (its groups forgotten, parked requests
 * answered NOT_COORDINATOR), and says which error a group not served here gets.
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
import type { GroupOverrides } from './group-configs.js';
import { GroupManager } from './classic/group-manager.js';
import { GroupState } from './classic/group-state.js';
import { joinGroup, type JoinRequest } from './classic/join.js';
import { heartbeat, leaveGroup, type HeartbeatRequest, type LeaveResult, type LeavingMember } from './classic/membership.js';
import { OffsetManager, type CommitRequest, type TxnCommitRequest } from './offsets.js';
import { OffsetsTopic, type OffsetsTopicHost } from './offsets-topic.js';
import { RecordKind } from './record-codec.js';
import { groupTombstone, type CoordinatorRecord, type OffsetRecord } from './records.js';
import { answerAfter, writeErrorOf } from './sink.js';
import { syncGroup, type SyncRequest } from './classic/sync.js';
import { DeadlineTimer, TimerDriver } from './timer.js';
import { CoordinatorRuntime, type CoordinatorLog, type CoordinatorShard } from './coordinator-runtime.js';
import { ConsumerGroupManager } from './consumer/consumer-group-manager.js';
import { consumerGroupHeartbeat, type ConsumerHeartbeatRequest } from './consumer/consumer-heartbeat.js';
import { describeConsumerGroup } from './consumer/consumer-group-describe.js';
import { describeGroup, listGroups } from './group-listing.js';
import { GroupError } from './consumer/errors.js';
import { GroupConversions } from './consumer/conversion.js';
import { classicHeartbeatToConsumerGroup, classicJoinToConsumerGroup, classicLeaveConsumerGroup, classicSyncToConsumerGroup } from './consumer/classic-members.js';
import { syncError } from './classic/sync.js';
import type { TopicsSource } from './consumer/subscriptions.js';
import type { ConsumerGroupHeartbeatResponse } from '../../protocol/generated/consumer-group-heartbeat-response.js';
import type { DescribedGroup as DescribedConsumerGroup } from '../../protocol/generated/consumer-group-describe-response.js';
import { StreamsGroupManager } from '../streams/streams-group-manager.js';
import type { StreamsHeartbeatRequest } from '../streams/heartbeat-types.js';
import type { DescribedStreamsGroup } from '../streams/streams-group-describe.js';
import {
  streamsGroupDescribe, streamsGroupDescription, streamsGroupHeartbeat, streamsGroupTopologyDescriptionUpdate, type StreamsGroupsHost, type StreamsHeartbeatAnswer,
} from './streams-groups.js';
import type { AttachedDescription } from '../streams/topology-description/manager.js';
import { cleanUpDescriptions, deleteDescriptionBeforeGroup, type DescriptionUpdate, type DescriptionUpdateResult } from '../streams/topology-description/update.js';
import { defaultShareGroupConfig, shareGroupConfigFrom, type ShareGroupConfig } from '../share/share-config.js';
import { ShareGroupManager, type ShareHeartbeatRequest } from '../share/share-group-manager.js';
import type { ShareGroupRecord } from '../share/share-group-records.js';
import { appendShareRecords, deleteShareGroup, shareGroupHeartbeat, writeShareRecords, type ShareGroupsHost, type ShareHeartbeatOutcome, type ShareStateDeleter } from './share-groups.js';

const EXPIRATION_KEY = 'expire-group-metadata';

export type CommitResult = { errorCode: number; topics: OffsetCommitResponseTopic[] };
export type DeleteOffsetsResult = { errorCode: number; topics: OffsetDeleteResponseTopic[] };

/** The answer of an offsets request whose write failed: its error, no topics. */
const noTopics = (errorCode: number): { errorCode: number; topics: never[] } => ({ errorCode, topics: [] });

export interface CoordinatorOptions {
  config: GroupConfig;
  log: CoordinatorLog;
  logger: Logger;
  clock?: Clock;
  /** false in tests that drive the timer by hand. */
  driveTimer?: boolean;
  /** The topics consumer groups subscribe to (the broker's metadata); none when absent. */
  topics?: TopicsSource | null;
  /** Share groups' settings (group.share.*); Kafka's defaults when absent. */
  share?: ShareGroupConfig;
}

const NO_TOPICS: TopicsSource = { topics: () => [], topic: () => undefined };

export class GroupCoordinator {
  readonly config: GroupConfig;
  readonly clock: Clock;
  readonly timer: DeadlineTimer;
  readonly groups: GroupManager;
  readonly offsets: OffsetManager;
  /** KIP-848 consumer groups. */
  readonly consumer: ConsumerGroupManager;
  /** KIP-1071 streams groups. */
  readonly streams: StreamsGroupManager;
  /** Classic ⇄ consumer group conversions (group.consumer.migration.policy). */
  readonly conversions: GroupConversions;
  /** KIP-932 share groups. */
  readonly share: ShareGroupManager;
  readonly logger: Logger;
  private readonly log: CoordinatorLog;
  /** Start-up, shutdown and the partitions served here (coordinator-runtime.ts). */
  private readonly runtime: CoordinatorRuntime;
  /** What the streams group operations (streams-groups.ts) use of this coordinator. */
  private readonly streamsHost: StreamsGroupsHost;
  /** What the share group operations (share-groups.ts) use of this coordinator. */
  private readonly shareHost: ShareGroupsHost;

  constructor(options: CoordinatorOptions) {
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.log = options.log;
    this.timer = new DeadlineTimer(this.clock);
    this.timer.onError = (err, key) => this.logger.error({ err, key }, 'group coordinator timer task failed');
    this.groups = new GroupManager(this.config, this.timer, this.logger, (groupId, records) => this.write(groupId, records, false));
    this.consumer = new ConsumerGroupManager(this.config.consumer, this.timer, this.logger, (groupId, records) => this.write(groupId, records, true), options.topics ?? null);
    this.streams = new StreamsGroupManager(this.config.streams, this.timer, this.logger, (groupId, records) => this.write(groupId, records, true), options.topics ?? null);
    this.streams.otherGroupExists = (groupId) => this.consumer.group(groupId) !== undefined || (this.groups.group(groupId) !== undefined && this.groups.group(groupId)!.state !== GroupState.Empty);
    this.offsets = new OffsetManager(this.groups, this.consumer);
    this.offsets.streams = this.streams;
    this.streamsHost = {
      groups: this.groups, consumer: this.consumer, streams: this.streams, logger: this.logger,
      write: (groupId, records) => this.write(groupId, records, true), errorOf: writeErrorOf,
    };
    this.conversions = new GroupConversions(this.groups, this.consumer, this.config);
    this.share = new ShareGroupManager(options.share ?? defaultShareGroupConfig(), this.timer, options.topics ?? NO_TOPICS, this.logger, (groupId, records) => writeShareRecords(this.shareHost, groupId, records));
    this.shareHost = { share: this.share, logger: this.logger, log: this.log, deleteState: null };
    this.share.otherGroupType = (groupId) => (this.consumer.group(groupId) !== undefined ? 'consumer' : this.groups.group(groupId) !== undefined ? 'classic' : null);
    const shard: CoordinatorShard = {
      replay: (r, producerId) => {
        if (producerId >= 0 && r.kind === RecordKind.Offset) this.offsets.replayTransactional(producerId, r);
        else this.replay(r);
      },
      replayMarker: (p, producerId, commit) => void this.offsets.completeTransaction(producerId, commit, (groupId) => this.log.partitionFor(groupId) === p),
      loaded: (owns) => {
        this.groups.onLoaded(owns);
        this.consumer.onLoaded(owns);
        this.streams.onLoaded(owns);
        this.share.onLoaded(owns);
      },
      unload: (owns) => {
        const groups = this.groups.unloadGroups(owns) + this.consumer.unloadGroups(owns) + this.streams.unloadGroups(owns) + this.share.unloadGroups(owns);
        this.offsets.unloadGroups(owns);
        return groups;
      },
    };
    const driver = options.driveTimer === false ? null : new TimerDriver(this.timer);
    this.runtime = new CoordinatorRuntime(this.log, this.logger, this.clock, this.timer, driver, shard);
  }

  /** The coordinator of a broker, on its __consumer_offsets. */
  static onOffsetsTopic(host: OffsetsTopicHost, settings: ConfigValues, topics: TopicsSource): GroupCoordinator {
    const config = groupConfigFrom(settings);
    const logger = host.logger.child({ component: 'group-coordinator' });
    return new GroupCoordinator({ config, logger, log: new OffsetsTopic(host, config, systemClock), topics, share: shareGroupConfigFrom(settings) });
  }

  /** Where the consumer, streams and share groups read each group's own configs (consumer.session.timeout.ms...). */
  useGroupOverrides(overrides: GroupOverrides): void {
    this.consumer.groupOverrides = overrides;
    this.streams.groupOverrides = overrides;
    this.share.groupOverrides = overrides;
  }

  /** Starts serving, and loads the partitions this broker leads already. */
  startup(): Promise<void> {
    return this.runtime.startup(() => this.scheduleExpiration());
  }

  /** Stops: parked JoinGroup and SyncGroup requests are answered NOT_COORDINATOR; later requests COORDINATOR_NOT_AVAILABLE. */
  shutdown(): void {
    if (!this.runtime.shutdown()) return;
    this.groups.unloadAll();
    this.consumer.unloadAll();
    this.streams.unloadGroups(() => true);
    this.streams.descriptions.close();
    this.share.unloadGroups(() => true);
    this.offsets.store.clear();
  }

  // Elections, resignations and the errors of groups not served here: coordinator-runtime.ts.
  onElection(partition: number, coordinatorEpoch: number): Promise<number> {
    return this.runtime.onElection(partition, coordinatorEpoch);
  }
  onResignation(partition: number, coordinatorEpoch?: number): void {
    this.runtime.onResignation(partition, coordinatorEpoch);
  }
  statusError(): number {
    return this.runtime.statusError();
  }
  listError(): number {
    return this.runtime.listError();
  }
  partitionError(partition: number): number {
    return this.runtime.partitionError(partition);
  }
  ready(): Promise<void> | null {
    return this.runtime.ready();
  }

  /**
   * NONE when this broker coordinates `groupId`; else the error its requests answer:
   * NOT_COORDINATOR when another broker leads its partition, COORDINATOR_LOAD_IN_PROGRESS while
   * the partition loads, COORDINATOR_NOT_AVAILABLE once stopped.
   */
  groupError(groupId: string): number {
    return this.runtime.partitionError(this.log.partitionFor(groupId));
  }

  /**
   * groupError once start-up has loaded the coordinator's partitions (COORDINATOR_NOT_AVAILABLE
   * if it failed): what a group request checks before it is served.
   */
  async coordinatorError(groupId: string): Promise<number> {
    const ready = this.ready();
    if (ready !== null) {
      try {
        await ready;
      } catch {
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
    }
    return this.groupError(groupId);
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

  /**
   * Appends offset commit records and applies them only once they are committed (Kafka's
   * pending offset commits): a commit whose append fails, or made on a partition given up
   * meanwhile (its next leader loads it from the log), is never read by OffsetFetch.
   */
  private writeOffsets(groupId: string, records: CoordinatorRecord[]): Promise<void> | null {
    const done = this.log.append(groupId, records);
    if (done === null) {
      for (const r of records) this.replay(r);
      return null;
    }
    const partition = this.log.partitionFor(groupId);
    return done.then(() => {
      if (this.runtime.owns(partition)) for (const r of records) this.replay(r);
    });
  }

  private replay(r: CoordinatorRecord): void {
    if (r.kind === RecordKind.Offset) this.offsets.replay(r);
    else if (r.kind === RecordKind.Consumer) this.consumer.replay(r);
    else if (r.kind === RecordKind.Streams) this.streams.replay(r);
    else if (r.kind === RecordKind.Share) this.share.replay(r.record);
    else this.groups.replay(r.group, r.value);
  }

  // ---- share groups (KIP-932) ---------------------------------------------------------------------

  /** Where DeleteGroups deletes share groups' state: the broker's persister. */
  set shareStateDeleter(deleter: ShareStateDeleter | null) {
    this.shareHost.deleteState = deleter;
  }

  /** Appends share group records `share` made and applied (the offsets APIs' state partition metadata): NONE once committed, else the response error. */
  appendShareRecords(groupId: string, records: readonly ShareGroupRecord[]): Promise<number> {
    return appendShareRecords(this.shareHost, groupId, records);
  }

  /** ShareGroupHeartbeat (share-groups.ts): answered once its records are committed. */
  shareGroupHeartbeat(req: ShareHeartbeatRequest): ShareHeartbeatOutcome | Promise<ShareHeartbeatOutcome> {
    return shareGroupHeartbeat(this.shareHost, req);
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
    // A streams or share group holds the id: a classic member cannot join it (Kafka's getOrMaybeCreateClassicGroup).
    if (this.streams.group(req.groupId) !== undefined || this.share.group(req.groupId) !== undefined) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
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
        return fail(writeErrorOf(err));
      }
      const finish = () => {
        after?.();
        respond(response);
      };
      if (done === null) finish();
      else done.then(finish, (err: unknown) => fail(writeErrorOf(err)));
      return;
    }
    if (consumer !== undefined) {
      try {
        this.write(req.groupId, ConsumerGroupManager.groupTombstones(consumer), true)?.catch((err: unknown) => this.logger.warn({ err, groupId: req.groupId }, 'failed to delete the empty consumer group'));
        this.logger.info({ groupId: req.groupId }, 'converted the empty consumer group to a classic group');
      } catch (err) {
        return fail(writeErrorOf(err));
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
    if (this.streams.group(req.groupId) !== undefined || this.share.group(req.groupId) !== undefined) return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} is not a consumer group.`);
    let outcome;
    try {
      outcome = consumerGroupHeartbeat(this.consumer, this.conversions, req);
    } catch (err) {
      if (err instanceof GroupError) return fail(err.errorCode, err.message);
      throw err;
    }
    const { response, records, after } = outcome;
    if (records.length === 0) return response;
    const write = () => {
      const done = this.write(req.groupId, records, true);
      after?.();
      return done;
    };
    return answerAfter(this.logger, req.groupId, write, response, (errorCode) => fail(errorCode, null), 'consumer group heartbeat records');
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

  // ---- streams groups (KIP-1071) -------------------------------------------------------------------

  /** StreamsGroupHeartbeat (streams-groups.ts): answered once its records are committed. */
  streamsGroupHeartbeat(req: StreamsHeartbeatRequest): StreamsHeartbeatAnswer | Promise<StreamsHeartbeatAnswer> {
    return streamsGroupHeartbeat(this.streamsHost, req);
  }

  /** StreamsGroupDescribe for one group. */
  streamsGroupDescribe(groupId: string): DescribedStreamsGroup {
    return streamsGroupDescribe(this.streamsHost, groupId);
  }

  /** StreamsGroupDescribe v1's topology description and its status, for a group described without error. */
  streamsGroupDescription(groupId: string): AttachedDescription {
    return streamsGroupDescription(this.streamsHost, groupId);
  }

  /** StreamsGroupTopologyDescriptionUpdate (KIP-1331) after the handler's checks. */
  streamsGroupTopologyDescriptionUpdate(req: DescriptionUpdate): Promise<DescriptionUpdateResult> {
    return streamsGroupTopologyDescriptionUpdate(this.streamsHost, req);
  }

  /** Whether group.streams.topology.description.plugin.class names a plugin. */
  get streamsTopologyDescriptionPluginConfigured(): boolean {
    return this.streams.descriptions.configured;
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
    return answerAfter(this.logger, groupId, () => this.write(groupId, outcome.records, true), result, (errorCode) => ({ errorCode, members: [] }));
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
    return answerAfter(this.logger, req.groupId, () => this.writeOffsets(req.groupId, outcome.records), result, noTopics, 'offset commit');
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
    const write = () => {
      const done = this.log.appendTransactional(req.groupId, outcome.records, req.producerId, req.producerEpoch, req.verificationGuard ?? null);
      for (const r of outcome.records) this.offsets.replayTransactional(req.producerId, r);
      return done;
    };
    return answerAfter(this.logger, req.groupId, write, result, noTopics, 'transactional offset commit');
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
   * OffsetFetch v9's member checks, for consumer and streams groups (validateOffsetFetch):
   * UNKNOWN_MEMBER_ID or STALE_MEMBER_EPOCH; NONE for other groups and for admin fetches.
   */
  validateOffsetFetch(groupId: string, memberId: string | null, memberEpoch: number): number {
    const group = this.consumer.group(groupId);
    const streams = group === undefined ? this.streams.group(groupId) : undefined;
    if (group === undefined && streams === undefined) return ErrorCode.NONE;
    try {
      if (group !== undefined) this.consumer.validateOffsetFetch(group, memberId, memberEpoch);
      else this.streams.validateOffsetFetch(streams!, memberId, memberEpoch);
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
    return answerAfter(this.logger, groupId, () => this.write(groupId, outcome.records, true), result, noTopics);
  }

  // ---- groups ---------------------------------------------------------------------------------------

  describeGroup(groupId: string, apiVersion: number): DescribedGroup {
    return describeGroup(this, groupId, apiVersion);
  }

  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): ListedGroup[] {
    return listGroups(this, statesFilter, typesFilter);
  }

  /** DeleteGroups: each empty group's offsets and metadata get tombstones (a share group's state deleted first, share-groups.ts); answered once written. */
  async deleteGroups(groupIds: readonly string[]): Promise<DeletableGroupResult[]> {
    const results: DeletableGroupResult[] = [];
    const waits: Array<Promise<void>> = [];
    for (const groupId of new Set(groupIds)) {
      const consumer = this.consumer.group(groupId);
      const streams = this.streams.group(groupId);
      const share = this.share.group(groupId);
      const notHere = this.groupError(groupId);
      const invalid = notHere !== ErrorCode.NONE ? notHere
        : consumer !== undefined ? this.consumer.validateDeleteGroup(groupId)
        : streams !== undefined ? this.streams.validateDeleteGroup(groupId)
        : share !== undefined ? this.share.validateDeleteGroup(groupId)
        : this.groups.validateDeleteGroup(groupId);
      const result: DeletableGroupResult = { groupId, errorCode: invalid, errorMessage: null };
      results.push(result);
      if (invalid !== ErrorCode.NONE) continue;
      if (share !== undefined) {
        waits.push(deleteShareGroup(this.shareHost, groupId, result));
        continue;
      }
      if (streams !== undefined && !deleteDescriptionBeforeGroup(this.streams, streams, result)) continue;
      const records: CoordinatorRecord[] = [];
      const deleted = this.offsets.deleteAll(groupId, records as OffsetRecord[]);
      if (consumer !== undefined) records.push(...ConsumerGroupManager.groupTombstones(consumer));
      else if (streams !== undefined) records.push(...StreamsGroupManager.groupTombstones(streams));
      else records.push(groupTombstone(groupId));
      try {
        const done = this.write(groupId, records, true);
        if (done !== null) waits.push(done.catch((err: unknown) => void (result.errorCode = writeErrorOf(err))));
        this.logger.info({ groupId, offsets: deleted }, 'deleted group');
      } catch (err) {
        result.errorCode = writeErrorOf(err);
      }
    }
    if (waits.length > 0) await Promise.all(waits);
    return results;
  }

  /**
   * A topic was deleted: every group's offsets for it get tombstones (Kafka's
   * onPartitionsDeleted), so that a new topic of the same name starts without them, and share
   * groups' state partition metadata drops it (maybeCleanupShareGroupState).
   */
  onTopicDeleted(topic: string): void {
    if (!this.runtime.active) return;
    for (const [groupId, records] of this.share.forgetTopic(topic)) writeShareRecords(this.shareHost, groupId, records);
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
      this.cleanupTopologyDescriptions();
      this.scheduleExpiration();
    });
  }

  /** KIP-1331's clean-up cycle (update.ts), at Kafka's interval: empty streams groups' descriptions deleted so that the groups can expire. */
  cleanupTopologyDescriptions(): Promise<number> | null {
    return cleanUpDescriptions(this.streams, (groupId) => (this.offsets.store.group(groupId)?.size ?? 0) > 0);
  }

  /**
   * Kafka's periodic cleanup: expired offsets get tombstones, and an Empty group left without
   * offsets is deleted. Returns the number of records written.
   */
  cleanupGroupMetadata(): number {
    const now = this.clock.now();
    let written = 0;
    for (const groupId of [...this.groups.groups.keys(), ...this.consumer.groups.keys(), ...this.streams.groups.keys()]) {
      const records: CoordinatorRecord[] = [];
      const allExpired = this.offsets.expire(groupId, now, this.config.offsetsRetentionMs, records as OffsetRecord[]);
      const consumer = this.consumer.group(groupId);
      const streams = this.streams.group(groupId);
      if (consumer !== undefined) {
        if (allExpired && consumer.isEmpty) records.push(...ConsumerGroupManager.groupTombstones(consumer));
      } else if (streams !== undefined) {
        // With a description plugin, a group whose description it may hold waits for the description clean-up (StreamsGroup.shouldExpire).
        const expirable = !this.streams.descriptions.configured || streams.storedDescriptionTopologyEpoch === -1;
        if (allExpired && streams.isEmpty && expirable) records.push(...StreamsGroupManager.groupTombstones(streams));
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
