/**
 * The broker's share-group delivery state (KIP-932), what ShareFetch and ShareAcknowledge use:
 * the share sessions, the share-partitions this broker leads (SharePartitionManager), their
 * durable state in __share_group_state (ShareStateTopic, on the coordinators' topic host), and
 * one timer, driven by its own Node timer, for the share-partitions' acquisition locks, and
 * the writer of the groups' dead-letter queues (share.version 2, KIP-1191).
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { Clock } from '../../storage/clock.js';
import type { CoordinatorTopicHost } from '../../coordinator/coordinator-topic.js';
import { DeadlineTimer, TimerDriver } from '../../coordinator/group/timer.js';
import { shareCoordinatorConfigFrom, shareGroupConfigFrom, type ShareConfigValues, type ShareCoordinatorConfig, type ShareGroupConfig } from '../../coordinator/share/share-config.js';
import { SharePartitionManager, type LedPartitionInfo, type SharePartitionHost } from '../../coordinator/share/share-partition-manager.js';
import type { SharePartitionConfig } from '../../coordinator/share/share-partition.js';
import { ShareSessionCache } from '../../coordinator/share/share-session-cache.js';
import { ShareStateTopic } from '../../coordinator/share/share-state-topic.js';
import { SHARE_GROUP_STATE_TOPIC } from '../../coordinator/share/share-state-records.js';
import { ShareStateRouter, type ShareStateTransport } from './share-state-router.js';
import type { MetadataStore } from '../../cluster/metadata.js';
import { OffsetsIsolation, type Partition, type Partitions } from '../partition.js';
import type { FetchService } from '../fetch/fetch-service.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { ShareFetchWaiters } from './share-fetch-waiters.js';
import { groupInt, parseAutoOffsetReset, type AutoOffsetReset } from '../../coordinator/group/group-configs.js';
import type { DeadLetterRun } from '../../coordinator/share/share-partition.js';
import type { SharePartitionKey } from '../../coordinator/share/share-state-records.js';
import { featureLevel, SHARE_VERSION } from '../../cluster/features.js';
import type { BrokerConfig } from '../settings/broker-config.js';
import { ShareDeadLetterWriter, type DeadLetterTransport } from './share-dlq-writer.js';
import { DLQ_TOPIC_NAME_CONFIG } from './share-dlq.js';

const PRUNE_KEY = 'share-state-prune';
const COLD_SNAPSHOT_KEY = 'share-state-cold-snapshots';

/** What the share services need of the broker. */
export interface ShareServicesBroker {
  readonly metadata: MetadataStore;
  readonly partitions: Partitions;
  readonly fetch: FetchService;
  readonly config: BrokerConfig;
  /** Creates a topic with the broker's default partitions and replicas (CreateTopics' rules); Kafka's error, or null. */
  createTopicWithDefaults(name: string, configs: Readonly<Record<string, string>>): Promise<{ errorCode: number; message: string } | null>;
}

export class ShareServices implements SharePartitionHost {
  readonly config: ShareGroupConfig;
  readonly sessions: ShareSessionCache;
  /** The coordinator side: the __share_group_state partitions this broker leads. */
  readonly stateTopic: ShareStateTopic;
  /** The share-partition leader side: each share-partition's state at its coordinator, here or elsewhere. */
  readonly persister: ShareStateRouter;
  /** Requests to other brokers' share coordinators (set by a broker of a cluster). */
  transport: (ShareStateTransport & DeadLetterTransport) | null = null;
  readonly sharePartitions: SharePartitionManager;
  readonly timer: DeadlineTimer;
  /** ShareFetches waiting for records. */
  readonly waiters: ShareFetchWaiters;
  /** Writes dead-lettered records to their group's DLQ topic. */
  readonly deadLetters: ShareDeadLetterWriter;
  private readonly driver: TimerDriver;
  private readonly clock: Clock;
  private readonly broker: ShareServicesBroker;
  private readonly coordinatorConfig: ShareCoordinatorConfig;
  private readonly logger: Logger;

  constructor(broker: ShareServicesBroker, host: CoordinatorTopicHost, settings: ShareConfigValues, clock: Clock, logger: Logger) {
    this.broker = broker;
    this.clock = clock;
    this.config = shareGroupConfigFrom(settings);
    this.sessions = new ShareSessionCache(this.config.maxShareSessions);
    this.coordinatorConfig = shareCoordinatorConfigFrom(settings);
    this.logger = logger;
    this.stateTopic = new ShareStateTopic(host, this.coordinatorConfig, clock);
    this.persister = new ShareStateRouter(this.stateTopic, {
      nodeId: host.nodeId,
      leaderOf: (p) => broker.metadata.topic(SHARE_GROUP_STATE_TOPIC)?.partitions[p]?.leader ?? -1,
      transport: () => this.transport,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    this.timer = new DeadlineTimer(clock);
    this.timer.onError = (err, key) => logger.error({ err, key }, 'share-partition timer task failed');
    this.driver = new TimerDriver(this.timer);
    this.sharePartitions = new SharePartitionManager(this.persister, this.timer, clock, this, logger.child({ component: 'share-partitions' }));
    const watchers = broker.fetch.purgatory.watchers;
    this.waiters = new ShareFetchWaiters({ watch: (log, w) => watchers.watch(log, w), unwatch: (log, w) => watchers.unwatch(log, w) }, () => clock.now());
    this.deadLetters = new ShareDeadLetterWriter({
      nodeId: host.nodeId,
      metadata: broker.metadata,
      config: broker.config,
      leaderLog: (topicId, partition) => this.leaderLog(topicId, partition),
      createTopic: (name, configs) => broker.createTopicWithDefaults(name, configs),
      appendLocal: (topic, partition, batch, timeoutMs) => host.appendAsCoordinator(topic, partition, batch, timeoutMs),
      // The inter-broker client the share-state requests use also carries the DLQ's Produce.
      transport: () => this.transport,
    });
    // Locks that expire make records available to the ShareFetches waiting.
    this.sharePartitions.onRecordsReleased = () => this.waiters.wakeAll();
  }

  /** A member left its share group or was fenced: its session ends, what it held goes back to the others. */
  memberLeft(groupId: string, memberId: string): void {
    const session = this.sessions.remove(groupId, memberId);
    if (session !== undefined) void this.releaseSession(groupId, memberId, [...session.partitions.values()]);
  }

  /** The sessions opened on a connection that closed end: what their members held goes back to the others. */
  connectionClosed(connectionId: string): void {
    if (this.sessions.size === 0) return;
    for (const session of this.sessions.removeConnection(connectionId)) {
      void this.releaseSession(session.groupId, session.memberId, [...session.partitions.values()]);
    }
  }

  private async releaseSession(groupId: string, memberId: string, partitions: Array<{ topicId: string; partition: number }>): Promise<void> {
    for (const p of partitions) await this.sharePartitions.releaseMember({ groupId, topicId: p.topicId, partition: p.partition }, memberId);
    this.waiters.wakeAll();
  }

  /**
   * Deletes the state of share-partitions (DeleteGroups, DeleteShareGroupOffsets): each one
   * forgotten in __share_group_state and unloaded here. NONE, or the first error.
   */
  async deleteState(groupId: string, topics: ReadonlyArray<{ topicId: string; partitions: readonly number[] }>): Promise<number> {
    let first: number = ErrorCode.NONE;
    for (const t of topics) {
      for (const partition of t.partitions) {
        const key = { groupId, topicId: t.topicId, partition };
        const code = await this.persister.delete(key);
        if (code === ErrorCode.NONE) this.sharePartitions.unload(key);
        else if (first === ErrorCode.NONE) first = code;
      }
    }
    return first;
  }

  /** A topic was deleted: its share-partitions are forgotten here and their state deleted (Kafka's onTopicsDeleted). */
  async topicDeleted(topicId: string): Promise<void> {
    this.sharePartitions.unloadTopic(topicId);
    const n = await this.stateTopic.deleteTopicState(topicId);
    if (n > 0) this.logger.info({ topicId, sharePartitions: n }, 'deleted the share-group state of a deleted topic');
  }

  /** The log of a partition this broker leads (what a parked ShareFetch watches). */
  leaderLog(topicId: string, partition: number): PartitionLog | undefined {
    return this.led(topicId, partition)?.log;
  }

  start(): void {
    this.schedulePrune();
    this.scheduleColdSnapshots();
    this.driver.start();
  }

  /** __share_group_state's pruning, every share.coordinator.state.topic.prune.interval.ms (ShareCoordinatorService). */
  private schedulePrune(): void {
    this.timer.schedule(PRUNE_KEY, this.coordinatorConfig.pruneIntervalMs, () => {
      const moved = this.stateTopic.prune();
      if (moved > 0) this.logger.debug({ partitions: moved }, 'pruned share-group state');
      this.schedulePrune();
    });
  }

  /** Fresh snapshots of cold share-partitions, every share.coordinator.cold.partition.snapshot.interval.ms. */
  private scheduleColdSnapshots(): void {
    this.timer.schedule(COLD_SNAPSHOT_KEY, this.coordinatorConfig.coldPartitionSnapshotIntervalMs, () => {
      this.stateTopic.snapshotColdPartitions().then(
        () => this.scheduleColdSnapshots(),
        (err: unknown) => {
          this.logger.warn({ err }, 'cold share-partition snapshots failed');
          this.scheduleColdSnapshots();
        },
      );
    });
  }

  stop(): void {
    this.waiters.expireAll();
    this.driver.stop();
    this.timer.clear();
    this.stateTopic.unloadAll();
  }

  ledPartition(topicId: string, partition: number): LedPartitionInfo | undefined {
    const led = this.led(topicId, partition);
    if (led === null) return undefined;
    // "latest" is the high watermark, the end a read_uncommitted consumer sees (Kafka's LATEST_TIMESTAMP lookup).
    return { leaderEpoch: led.p.leaderEpoch, logStartOffset: led.log.logStartOffset, logEndOffset: led.log.highWatermark };
  }

  /** ReplicaManagerPartitionMetadataProvider.offsetForTimestamp: read_uncommitted, below the high watermark. */
  async offsetForTimestamp(topicId: string, partition: number, timestamp: number): Promise<number | null> {
    const led = this.led(topicId, partition);
    if (led === null) return null;
    const found = await led.p.fetchOffsetForTimestamp(led.log, timestamp, OffsetsIsolation.HighWatermark);
    return found === null ? null : found.offset;
  }

  /** The partition and its local log, when this broker leads it. */
  private led(topicId: string, partition: number): { p: Partition; log: PartitionLog } | null {
    const topic = this.broker.metadata.topicById(Buffer.from(topicId, 'hex'));
    const p = this.broker.partitions.get(topic, partition);
    if (p === undefined || !p.isLeader) return null;
    const log = p.localLogOrError();
    return typeof log === 'number' ? null : { p, log };
  }

  /** share.isolation.level of the group: read_committed delivers committed transactional records only. */
  readCommitted(groupId: string): boolean {
    return this.broker.metadata.entityConfigs('groups', groupId)['share.isolation.level'] === 'read_committed';
  }

  /** share.version 2 and a DLQ topic named by the group (SharePartition.isDLQEnabledForGroup). */
  deadLetterQueueEnabled(groupId: string): boolean {
    if (featureLevel(this.broker.metadata.finalizedFeatures(), SHARE_VERSION) < 2) return false;
    return (this.broker.metadata.entityConfigs('groups', groupId)[DLQ_TOPIC_NAME_CONFIG] ?? '') !== '';
  }

  writeDeadLetters(key: SharePartitionKey, run: DeadLetterRun): Promise<void> {
    return this.deadLetters.write(key, run, () => this.clock.now());
  }

  /**
   * A share group's delivery settings: its own configs (the GROUP config resource:
   * share.record.lock.duration.ms, share.delivery.count.limit, share.partition.max.record.locks,
   * share.renew.acknowledge.enable, share.auto.offset.reset) clamped into the broker's bounds as
   * Kafka's GroupConfig.evaluate does, else the broker's group.share.* settings.
   */
  groupSettings(groupId: string): { partition: SharePartitionConfig; autoOffsetReset: AutoOffsetReset } {
    const o = this.broker.metadata.entityConfigs('groups', groupId);
    const c = this.config;
    return {
      partition: {
        recordLockDurationMs: groupInt(o, 'share.record.lock.duration.ms', c.recordLockDurationMs, c.minRecordLockDurationMs, c.maxRecordLockDurationMs),
        deliveryCountLimit: groupInt(o, 'share.delivery.count.limit', c.deliveryCountLimit, c.minDeliveryCountLimit, c.maxDeliveryCountLimit),
        maxInFlightRecords: groupInt(o, 'share.partition.max.record.locks', c.partitionMaxRecordLocks, c.minPartitionMaxRecordLocks, c.maxPartitionMaxRecordLocks),
        renewAcknowledgeEnabled: o['share.renew.acknowledge.enable'] !== 'false',
        deadLetterQueue: this.deadLetterQueueEnabled(groupId),
      },
      // Stored values were validated when set; GroupConfig's default is latest.
      autoOffsetReset: parseAutoOffsetReset(o['share.auto.offset.reset'] ?? 'latest') ?? { kind: 'latest' },
    };
  }
}
