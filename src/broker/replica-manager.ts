/**
 * The broker's replication (the cluster half of Kafka's ReplicaManager): it acts on every
 * change of the metadata image (applyDelta), making this broker leader or follower of each
 * partition it holds a replica of, and it is the `ReplicationHooks` the produce and fetch
 * paths call.
 *
 *   - makeLeader: stop fetching, add the epoch to the log's history at the log end, start the
 *     leader state (cluster/replication/leader-state.ts) with every follower's state reset;
 *   - makeFollower: drop the leader state (waiting acks=all appends get
 *     NOT_LEADER_OR_FOLLOWER), hand the partition to the fetcher of the new leader, which
 *     truncates it by OffsetForLeaderEpoch before fetching (replica-fetcher.ts);
 *   - a follower's fetch updates its state on the leader, may add it to the ISR and move the
 *     high watermark; a leader append may too (a leader alone in its ISR);
 *   - every `replica.lag.time.max.ms` / 2, ISR followers that lag leave the ISR;
 *   - ISR changes are AlterPartition writes (KvMetadataStore.alterPartition), adopted when the
 *     image brings them back;
 *   - a topic gone from the image takes its local logs with it, and so does a replica a
 *     reassignment moved away.
 *
 * Time (lag, caught-up times, produce timeouts) comes from a Clock, which tests move by hand.
 */
import type { BrokerStats } from './stats/broker-stats.js';
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { PartitionMetadata, TopicMetadata } from '../cluster/metadata.js';
import type { KvMetadataStore } from '../cluster/kv-metadata-store.js';
import type { ImageChange } from '../cluster/metadata-image.js';
import type { Clock, ClockTimer } from '../cluster/kv/clock.js';
import { IsrChange, LeaderState } from '../cluster/replication/leader-state.js';
import { ProducePurgatory } from '../cluster/replication/delayed-produce.js';
import { ReplicaFetcher, type FetcherSettings, type ReplicaTransport } from '../cluster/replication/replica-fetcher.js';
import { FollowerPartition } from './follower-partition.js';
import { preferredReadReplica, replicaSelectorFor, type ReplicaSelector } from '../cluster/replication/replica-selector.js';
import type { LogManager } from '../storage/log-manager.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { NO_EPOCH, type Partition, type Partitions, type ReplicationHooks } from './partition.js';
import type { FetchService } from './fetch/fetch-service.js';
import { effectiveMinIsr } from './produce/partition-append.js';
import { topicProduceSettings } from './produce/topic-settings.js';
import type { CoordinatorLeadership } from './group-coordinator-host.js';
import type { BrokerConfig } from './settings/broker-config.js';
import { ReplicationThrottles } from './replication-throttles.js';

/** What replication uses of its broker (the broker passes itself). */
export interface ReplicaManagerHost {
  readonly nodeId: number;
  readonly config: BrokerConfig;
  readonly logs: LogManager;
  readonly partitions: Partitions;
  readonly fetch: FetchService;
  readonly logger: Logger;
  /** IsrShrinksPerSec / IsrExpandsPerSec are counted here. */
  readonly stats: BrokerStats;
}

export class ReplicaManager implements ReplicationHooks {
  readonly purgatory: ProducePurgatory<Partition>;
  private readonly host: ReplicaManagerHost;
  private readonly store: KvMetadataStore;
  private readonly transport: ReplicaTransport;
  private readonly clock: Clock;
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  private readonly leading = new Set<Partition>();
  private readonly following = new Map<Partition, FollowerPartition>();
  /** Partition indexes with a role here, by topic, so a deleted topic is found after the image forgot it. */
  private readonly byTopic = new Map<string, Set<number>>();
  private unsubscribe: (() => void) | null = null;
  private isrTimer: ClockTimer | null = null;
  private fetchersPaused = false;
  /** The first pass over the image at start-up: a log found for a partition not placed here is a stray, set aside. */
  private starting = false;
  private closed = false;
  /** The group and transaction coordinators, told when this broker starts or stops leading a partition of their topics. */
  private readonly coordinators: CoordinatorLeadership | null;
  /** The leader-side and follower-side replication throttles of this broker. */
  readonly throttles: ReplicationThrottles;
  /** `replica.selector.class` (KIP-392); null: consumers read from the leader. */
  private readonly selector: ReplicaSelector | null;

  constructor(host: ReplicaManagerHost, store: KvMetadataStore, transport: ReplicaTransport, clock: Clock, coordinators: CoordinatorLeadership | null = null) {
    this.host = host;
    this.coordinators = coordinators;
    this.store = store;
    this.transport = transport;
    this.clock = clock;
    this.purgatory = new ProducePurgatory<Partition>(clock, (p, offset) => this.verdict(p, offset));
    this.selector = replicaSelectorFor(host.config.raw('replica.selector.class'));
    this.throttles = new ReplicationThrottles(host.nodeId, host.config, store, clock);
  }

  /** Takes the roles the image gives this broker and follows its changes. */
  start(): void {
    this.host.partitions.replication = this;
    this.unsubscribe = this.store.subscribe((change) => this.applyDelta(change));
    this.starting = true;
    try {
      for (const t of [...this.store.topics()]) this.applyTopic(t.name);
      this.setStrayLogsAside();
    } finally {
      this.starting = false;
    }
    this.scheduleIsrCheck();
  }

  /**
   * Logs on disk of topics the image does not know (deleted while this broker was away) are
   * strays: set aside, not deleted, as Kafka does at start-up (LogManager.findStrayReplicas).
   */
  private setStrayLogsAside(): void {
    const logs = this.host.logs;
    for (const log of [...logs.allLogs()]) {
      if (this.store.topic(log.topic) !== undefined || this.store.image.topicRecords.has(log.topic)) continue;
      this.host.logger.warn({ topic: log.topic, partition: log.partition }, 'setting aside the log of a partition this broker holds no replica of (-stray)');
      logs.markStray(log.topic, log.partition);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.isrTimer?.cancel();
    this.purgatory.completeAll(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const fetchers = [...this.fetchers.values()];
    this.fetchers.clear();
    // The hooks stay: requests still in flight until the server closes get answers (awaitIsr).
    await Promise.all(fetchers.map((f) => f.stop()));
  }

  /** The fetcher of each leader this broker follows (tests look at and pause them). */
  fetcherFor(leaderId: number): ReplicaFetcher | undefined {
    return this.fetchers.get(leaderId);
  }

  /** Stops every fetch of this broker without giving up its roles (a stalled follower, for tests). */
  pauseFetchers(): void {
    this.fetchersPaused = true;
    for (const f of this.fetchers.values()) f.pause();
  }

  resumeFetchers(): void {
    this.fetchersPaused = false;
    for (const f of this.fetchers.values()) f.resume();
  }

  // ---- acting on the image (ReplicaManager.applyDelta) --------------------------------------

  private applyDelta(change: ImageChange): void {
    if (this.closed) return;
    this.throttles.refreshRates();
    if (change.brokers) {
      if (!this.store.registered) {
        this.fence();
        return;
      }
      if (this.host.partitions.fenced) {
        this.unfence();
        return;
      }
    }
    if (this.host.partitions.fenced) return;
    for (const name of change.topics) {
      try {
        this.applyTopic(name);
      } catch (err) {
        this.host.logger.error({ err, topic: name }, 'could not apply a metadata change to the local replicas');
      }
    }
  }

  /**
   * The session was lost (a broker silent past its lease is dropped by the controller, which
   * moves its leaderships): lead nothing until registered again, so that no write is taken
   * at an epoch another broker may already have moved past. Waiting acks=all produces are
   * held until they time out or this broker registers again (verdict); the coordinators
   * unload what they held here.
   */
  private fence(): void {
    const partitions = this.host.partitions;
    if (partitions.fenced) return;
    partitions.fenced = true;
    this.host.logger.warn({ leading: this.leading.size }, 'fenced: leading no partition until this broker registers again');
    for (const partition of [...this.leading]) {
      this.coordinators?.onLeadershipChange(partition.topic, partition.index, partition.leaderState!.leaderEpoch, false);
      this.stopLeading(partition);
      // Taken again from the image once registered, at whatever epoch it then holds.
      partition.appliedLeaderEpoch = NO_EPOCH;
    }
  }

  /** Registered again: the roles of the image as it is now; the appends held since the fence are answered. */
  private unfence(): void {
    this.host.partitions.fenced = false;
    this.host.logger.info('registered again: taking the roles the metadata gives this broker');
    for (const t of [...this.store.topics()]) {
      try {
        this.applyTopic(t.name);
      } catch (err) {
        this.host.logger.error({ err, topic: t.name }, 'could not apply a metadata change to the local replicas');
      }
    }
    this.purgatory.checkAll();
  }

  private applyTopic(name: string): void {
    const topic = this.store.topic(name);
    if (topic === undefined) {
      // Served no longer: deleted (its record is gone), or still being created.
      if (!this.store.image.topicRecords.has(name)) {
        this.throttles.removeTopic(name);
        this.dropTopic(name);
      }
      return;
    }
    this.throttles.applyTopic(topic);
    for (const pm of topic.partitions) this.applyPartition(topic, pm);
  }

  private applyPartition(topic: TopicMetadata, pm: PartitionMetadata): void {
    const { nodeId, partitions, logs } = this.host;
    const partition = partitions.get(topic, pm.partition)!;
    if (!pm.replicas.includes(nodeId)) {
      this.stopReplica(partition);
      this.deleteLocalLog(partition);
      return;
    }
    let indexes = this.byTopic.get(topic.name);
    if (indexes === undefined) this.byTopic.set(topic.name, (indexes = new Set()));
    indexes.add(pm.partition);
    const log = logs.getOrCreateLog(topic.name, pm.partition, { ...topic.configs });
    if (pm.leader === nodeId) {
      const ls = partition.leaderState;
      if (ls !== null && ls.leaderEpoch === pm.leaderEpoch) {
        ls.update(pm, log.logEndOffset, this.clock.now());
        // A committed shrink may let the high watermark move; waiting appends see the new ISR.
        this.maybeIncrementHighWatermark(partition, log);
        this.purgatory.checkPartition(partition);
      } else {
        this.makeLeader(partition, log, pm);
      }
    } else if (partition.followedLeader !== pm.leader || partition.appliedLeaderEpoch !== pm.leaderEpoch || partition.leaderState !== null) {
      this.makeFollower(partition, log, topic, pm);
    }
  }

  private makeLeader(partition: Partition, log: PartitionLog, pm: PartitionMetadata): void {
    this.stopFetching(partition);
    partition.epochCache(log).assign(pm.leaderEpoch, log.logEndOffset);
    partition.leaderState = new LeaderState(this.host.nodeId, pm, log.logEndOffset, this.clock.now());
    partition.appliedLeaderEpoch = pm.leaderEpoch;
    this.leading.add(partition);
    this.host.logger.info({ topic: partition.topic, partition: partition.index, leaderEpoch: pm.leaderEpoch, isr: pm.isr, logEndOffset: log.logEndOffset }, 'became leader');
    this.maybeIncrementHighWatermark(partition, log);
    this.purgatory.checkPartition(partition);
    this.host.fetch.purgatory.checkLog(log);
    // The coordinator of the partition's groups or transactions loads it (Kafka's onLeadershipChange callbacks).
    this.coordinators?.onLeadershipChange(partition.topic, partition.index, pm.leaderEpoch, true);
  }

  private makeFollower(partition: Partition, log: PartitionLog, topic: TopicMetadata, pm: PartitionMetadata): void {
    this.stopFetching(partition);
    this.stopLeading(partition);
    partition.followedLeader = pm.leader;
    partition.appliedLeaderEpoch = pm.leaderEpoch;
    this.host.fetch.purgatory.checkLog(log);
    this.host.logger.info({ topic: partition.topic, partition: partition.index, leader: pm.leader, leaderEpoch: pm.leaderEpoch }, 'became follower');
    this.coordinators?.onLeadershipChange(partition.topic, partition.index, pm.leaderEpoch, false);
    if (pm.leader < 0) return; // offline: nobody to fetch from
    const follower = new FollowerPartition(partition, log, topic.id);
    this.following.set(partition, follower);
    this.fetcher(pm.leader).add(follower, pm.leaderEpoch);
  }

  /** No replica here any more (reassigned away) or the topic went. */
  private stopReplica(partition: Partition): void {
    this.stopFetching(partition);
    if (partition.leaderState !== null) this.coordinators?.onLeadershipChange(partition.topic, partition.index, partition.leaderState.leaderEpoch, false);
    this.stopLeading(partition);
    partition.followedLeader = -1;
    partition.appliedLeaderEpoch = -1;
    this.byTopic.get(partition.topic)?.delete(partition.index);
  }

  /**
   * A replica moved away (a reassignment removed this broker) takes its local log with it, as
   * Kafka's StopPartition with deleteLocalLog; fetches waiting on it are answered (they see
   * NOT_LEADER_OR_FOLLOWER). A replica given back later starts from an empty log.
   */
  private deleteLocalLog(partition: Partition): void {
    const log = this.host.logs.getLog(partition.topic, partition.index);
    if (log === undefined) return;
    if (this.starting) {
      // Found at start-up: moved away while this broker was down, or never ours. Kafka sets such strays aside.
      this.host.logger.warn({ topic: partition.topic, partition: partition.index }, 'setting aside the log of a partition this broker holds no replica of (-stray)');
      this.host.logs.markStray(partition.topic, partition.index);
      return;
    }
    this.host.logs.deleteLog(partition.topic, partition.index);
    this.host.fetch.purgatory.checkLog(log);
    this.host.logger.info({ topic: partition.topic, partition: partition.index }, 'deleted the local log of a replica moved away');
  }

  private stopLeading(partition: Partition): void {
    if (partition.leaderState === null) return;
    partition.leaderState = null;
    this.leading.delete(partition);
    this.purgatory.checkPartition(partition);
  }

  private stopFetching(partition: Partition): void {
    const f = this.following.get(partition);
    if (f === undefined) return;
    this.following.delete(partition);
    this.fetchers.get(partition.followedLeader)?.remove(partition.topic, partition.index);
  }

  private dropTopic(name: string): void {
    const indexes = this.byTopic.get(name);
    if (indexes === undefined) return;
    this.byTopic.delete(name);
    for (const p of [...this.leading, ...this.following.keys()]) if (p.topic === name) this.stopReplica(p);
    for (const i of indexes) this.host.logs.deleteLog(name, i);
    this.host.partitions.removeTopic(name);
  }

  private fetcher(leaderId: number): ReplicaFetcher {
    let f = this.fetchers.get(leaderId);
    if (f === undefined) {
      f = new ReplicaFetcher(leaderId, this.transport, this.fetcherSettings());
      if (this.fetchersPaused) f.pause();
      this.fetchers.set(leaderId, f);
    }
    return f;
  }

  private fetcherSettings(): FetcherSettings {
    const c = this.host.config;
    return {
      nodeId: this.host.nodeId,
      brokerEpoch: () => this.store.brokerEpoch,
      maxWaitMs: c.int('replica.fetch.wait.max.ms'),
      minBytes: c.int('replica.fetch.min.bytes'),
      maxBytes: c.int('replica.fetch.max.bytes'),
      responseMaxBytes: c.int('replica.fetch.response.max.bytes'),
      backoffMs: c.int('replica.fetch.backoff.ms'),
      logger: this.host.logger,
      quota: this.throttles,
    };
  }

  // ---- the leader's side ------------------------------------------------------------------------

  onLeaderAppend(partition: Partition, log: PartitionLog): void {
    // Followers waiting at the old log end fetch the new batches now.
    this.host.fetch.purgatory.checkLog(log);
    this.maybeIncrementHighWatermark(partition, log);
  }

  onFollowerFetch(partition: Partition, log: PartitionLog, replicaId: number, fetchOffset: number, followerLogStartOffset: number): void {
    const ls = partition.leaderState;
    if (ls === null || !ls.updateFollower(replicaId, fetchOffset, followerLogStartOffset, this.clock.now(), log.logEndOffset)) return;
    const expanded = ls.expansionFor(replicaId, log.highWatermark);
    if (expanded !== null && this.isReplicaIsrEligible(replicaId)) this.alterIsr(partition, ls, IsrChange.Expand, expanded);
    this.maybeIncrementHighWatermark(partition, log);
  }

  /**
   * Partition.isReplicaIsrEligible (KIP-841): a follower joins the ISR only while registered
   * (not fenced) and not in controlled shutdown. A fenced broker goes on fetching; proposing
   * it would only be refused (INELIGIBLE_REPLICA), once per fetch.
   */
  private isReplicaIsrEligible(replicaId: number): boolean {
    const b = this.store.image.brokers.get(replicaId);
    return b !== undefined && b.record.shuttingDown !== true;
  }

  /**
   * ReplicaManager.findPreferredReadReplica: the candidates are this leader and the followers
   * of the committed ISR whose log covers `fetchOffset` and whose broker is registered; the
   * selector's choice is answered only when it is not the leader.
   */
  preferredReadReplica(partition: Partition, log: PartitionLog, clientRack: string, fetchOffset: number): number {
    const ls = partition.leaderState;
    if (this.selector === null || ls === null) return -1;
    const leader = { rack: this.host.config.raw('broker.rack'), logEndOffset: log.logEndOffset };
    return preferredReadReplica(this.selector, ls, leader, this.store.brokers(), clientRack, fetchOffset, this.clock.now());
  }

  shouldLeaderThrottle(partition: Partition, replicaId: number): boolean {
    const ls = partition.leaderState;
    return ls !== null && this.throttles.shouldLeaderThrottle(partition.topic, partition.index, ls.isr, replicaId);
  }

  recordLeaderReplication(topic: string, partition: number, bytes: number): void {
    this.throttles.recordLeader(topic, partition, bytes);
  }

  awaitIsr(partition: Partition, requiredOffset: number, timeoutMs: number): number | Promise<number> {
    if (this.closed) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return this.purgatory.wait(partition, requiredOffset, timeoutMs);
  }

  /**
   * Partition.maybeIncrementLeaderHW: the least log end offset of the maximal ISR, never while
   * the ISR is below min.insync.replicas. Answers the acks=all appends it completes.
   */
  private maybeIncrementHighWatermark(partition: Partition, log: PartitionLog): boolean {
    const ls = partition.leaderState;
    if (ls === null || ls.isUnderMinIsr(this.minIsr(partition))) return false;
    if (!log.maybeIncrementHighWatermark(ls.highWatermarkCandidate(log.logEndOffset))) return false;
    this.purgatory.checkPartition(partition);
    return true;
  }

  /** The verdict on an acks=all append waiting for the ISR; null while it must wait. */
  private verdict(partition: Partition, requiredOffset: number): number | null {
    const ls = partition.leaderState;
    const log = partition.log;
    // A leader fenced by its lost session holds its waiting appends as a Kafka leader cut off
    // from its controller does (it cannot know): until the request times out
    // (REQUEST_TIMED_OUT: librdkafka counts the records possibly stored) or, registered again,
    // it learns who leads now. Failing them at once said "not stored" of records the new leader
    // may hold, and librdkafka 2.0's epoch bump then sent them again (a duplicate).
    if (ls === null && this.host.partitions.fenced && log !== undefined && !log.isClosed) return null;
    if (ls === null || log === undefined || log.isClosed) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    if (log.isOffline) return ErrorCode.KAFKA_STORAGE_ERROR;
    const r = ls.checkEnoughReplicasReachOffset(requiredOffset, log.highWatermark, this.minIsr(partition));
    return r.done ? r.errorCode : null;
  }

  private minIsr(partition: Partition): number {
    const topic = this.store.topic(partition.topic);
    if (topic === undefined) return 1;
    return effectiveMinIsr(partition.metadata, topicProduceSettings(topic, this.host.config).minInsyncReplicas);
  }

  /** Every replica.lag.time.max.ms / 2 (Kafka's isr-expiration task). */
  private scheduleIsrCheck(): void {
    const every = Math.max(1, Math.floor(this.host.config.long('replica.lag.time.max.ms') / 2));
    this.isrTimer = this.clock.schedule(every, () => {
      if (this.closed) return;
      this.maybeShrinkIsr();
      this.scheduleIsrCheck();
    });
  }

  /** Partition.maybeShrinkIsr for every partition this broker leads. */
  maybeShrinkIsr(): void {
    const maxLagMs = this.host.config.long('replica.lag.time.max.ms');
    const now = this.clock.now();
    for (const partition of this.leading) {
      const ls = partition.leaderState;
      const log = partition.log;
      if (ls === null || log === undefined) continue;
      const shrunk = ls.shrinkCandidate(log.logEndOffset, now, maxLagMs);
      if (shrunk !== null) this.alterIsr(partition, ls, IsrChange.Shrink, shrunk);
    }
  }

  private alterIsr(partition: Partition, ls: LeaderState, kind: IsrChange, isr: number[]): void {
    ls.beginChange(kind, isr);
    this.host.logger.info({ topic: partition.topic, partition: partition.index, from: ls.isr, to: isr }, kind === IsrChange.Expand ? 'expanding ISR' : 'shrinking ISR');
    const request = {
      topic: partition.topic,
      partition: partition.index,
      brokerId: this.host.nodeId,
      brokerEpoch: this.store.brokerEpoch,
      leaderEpoch: ls.leaderEpoch,
      partitionEpoch: ls.partitionEpoch,
      newIsr: isr,
    };
    this.store.alterPartition(request).then(
      (code) => {
        if (code === ErrorCode.NONE) {
          // The image brought it (LeaderState.update adopted it); Kafka counts the change once committed.
          if (kind === IsrChange.Expand) this.host.stats.isrExpands++;
          else this.host.stats.isrShrinks++;
          return;
        }
        this.host.logger.info({ topic: partition.topic, partition: partition.index, errorCode: code }, 'ISR change refused');
        if (partition.leaderState === ls && ls.pending !== null && ls.pending.isr === isr) ls.abandonChange();
      },
      (err: unknown) => {
        this.host.logger.warn({ err, topic: partition.topic, partition: partition.index }, 'ISR change failed');
        if (partition.leaderState === ls && ls.pending !== null && ls.pending.isr === isr) ls.abandonChange();
      },
    );
  }
}

