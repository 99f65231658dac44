/**
 * This broker's replication throttles (Kafka's QuotaManagers.leader / .follower with the
 * BrokerConfigHandler and TopicConfigHandler that feed them): the leader-side and follower-side
 * ReplicationQuota, their bounds from the dynamic broker configs
 * `leader.replication.throttled.rate` / `follower.replication.throttled.rate` (this broker's
 * own, else the cluster-wide default, else unbounded — as Kafka reads them), and their
 * throttled partitions from each topic's `*.replication.throttled.replicas`.
 *
 * The bounds are read again whenever the image's dynamic configs change (their records are
 * replaced, never mutated, so a reference comparison tells).
 */
import type { TopicMetadata } from '../cluster/metadata.js';
import type { KvMetadataStore } from '../cluster/kv-metadata-store.js';
import type { Clock } from '../cluster/kv/clock.js';
import type { FollowerQuota } from '../cluster/replication/replica-fetcher.js';
import { parseThrottledReplicas, ReplicationQuota, UNBOUNDED_RATE } from '../cluster/replication/replication-quota.js';
import type { BrokerConfig } from './settings/broker-config.js';

export const LEADER_THROTTLED_RATE = 'leader.replication.throttled.rate';
export const FOLLOWER_THROTTLED_RATE = 'follower.replication.throttled.rate';
export const LEADER_THROTTLED_REPLICAS = 'leader.replication.throttled.replicas';
export const FOLLOWER_THROTTLED_REPLICAS = 'follower.replication.throttled.replicas';

export class ReplicationThrottles implements FollowerQuota {
  readonly leader: ReplicationQuota;
  readonly follower: ReplicationQuota;
  private readonly nodeId: number;
  private readonly store: KvMetadataStore;
  private readonly clock: Clock;
  private nodeConfigs: Readonly<Record<string, string>> | null = null;
  private clusterConfigs: Readonly<Record<string, string>> | null = null;

  constructor(nodeId: number, config: BrokerConfig, store: KvMetadataStore, clock: Clock) {
    this.nodeId = nodeId;
    this.store = store;
    this.clock = clock;
    const windowSeconds = config.int('replication.quota.window.size.seconds');
    const windows = config.int('replication.quota.window.num');
    this.leader = new ReplicationQuota(windowSeconds, windows);
    this.follower = new ReplicationQuota(windowSeconds, windows);
    this.refreshRates();
  }

  /** BrokerConfigHandler: the rates from the dynamic configs, when they changed. */
  refreshRates(): void {
    const node = this.store.brokerConfigs(String(this.nodeId));
    const cluster = this.store.brokerConfigs('');
    if (node === this.nodeConfigs && cluster === this.clusterConfigs) return;
    this.nodeConfigs = node;
    this.clusterConfigs = cluster;
    this.leader.updateQuota(rateOf(node[LEADER_THROTTLED_RATE] ?? cluster[LEADER_THROTTLED_RATE]));
    this.follower.updateQuota(rateOf(node[FOLLOWER_THROTTLED_RATE] ?? cluster[FOLLOWER_THROTTLED_RATE]));
  }

  /** TopicConfigHandler: the topic's throttled partitions on this broker, from its configs. */
  applyTopic(topic: TopicMetadata): void {
    this.leader.markThrottled(topic.name, parseThrottledReplicas(topic.configs[LEADER_THROTTLED_REPLICAS], this.nodeId));
    this.follower.markThrottled(topic.name, parseThrottledReplicas(topic.configs[FOLLOWER_THROTTLED_REPLICAS], this.nodeId));
  }

  removeTopic(name: string): void {
    this.leader.removeThrottle(name);
    this.follower.removeThrottle(name);
  }

  /**
   * ReplicaManager.shouldLeaderThrottle: follower `replicaId` is not in the committed `isr`, the
   * partition is throttled here and the leader's rate is over its quota.
   */
  shouldLeaderThrottle(topic: string, partition: number, isr: readonly number[], replicaId: number): boolean {
    return this.leader.isThrottled(topic, partition) && !isr.includes(replicaId) && this.leader.isQuotaExceeded(this.clock.now());
  }

  recordLeader(topic: string, partition: number, bytes: number): void {
    if (this.leader.isThrottled(topic, partition)) this.leader.record(bytes, this.clock.now());
  }

  // ---- FollowerQuota, for the fetchers ----------------------------------------------------------

  isThrottled(topic: string, partition: number): boolean {
    return this.follower.isThrottled(topic, partition);
  }

  isQuotaExceeded(): boolean {
    return this.follower.isQuotaExceeded(this.clock.now());
  }

  record(bytes: number): void {
    this.follower.record(bytes, this.clock.now());
  }
}

/** A rate config's value in bytes per second; unset or Long.MAX_VALUE: unbounded. */
function rateOf(value: string | undefined): number {
  if (value === undefined) return UNBOUNDED_RATE;
  const n = Number(value.trim());
  return Number.isFinite(n) && n < UNBOUNDED_RATE ? n : UNBOUNDED_RATE;
}
