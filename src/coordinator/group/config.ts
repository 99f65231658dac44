/**
 * The group coordinator's settings, by Kafka's broker config names, read once at start-up.
 */
import type { BrokerConfig } from '../../broker/config/broker-config.js';

export interface GroupConfig {
  /** group.initial.rebalance.delay.ms: how long a new group waits for more members. */
  initialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms / group.max.session.timeout.ms. */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** group.max.size. */
  maxSize: number;
  /** How long a new member's JoinGroup may stay parked (Kafka's fixed 5 minutes). */
  newMemberJoinTimeoutMs: number;
  /** offset.metadata.max.bytes. */
  offsetMetadataMaxSize: number;
  /** offsets.retention.minutes, in ms. */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms. */
  offsetsRetentionCheckIntervalMs: number;
  /** offsets.topic.num.partitions, used until __consumer_offsets exists. */
  offsetsTopicNumPartitions: number;
  /** offsets.topic.replication.factor (capped at the brokers there are). */
  offsetsTopicReplicationFactor: number;
  /** offsets.topic.segment.bytes. */
  offsetsTopicSegmentBytes: number;
}

export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export function groupConfigFrom(config: BrokerConfig): GroupConfig {
  return {
    initialRebalanceDelayMs: config.int('group.initial.rebalance.delay.ms'),
    minSessionTimeoutMs: config.int('group.min.session.timeout.ms'),
    maxSessionTimeoutMs: config.int('group.max.session.timeout.ms'),
    maxSize: config.int('group.max.size'),
    newMemberJoinTimeoutMs: NEW_MEMBER_JOIN_TIMEOUT_MS,
    offsetMetadataMaxSize: config.int('offset.metadata.max.bytes'),
    offsetsRetentionMs: config.int('offsets.retention.minutes') * 60_000,
    offsetsRetentionCheckIntervalMs: config.long('offsets.retention.check.interval.ms'),
    offsetsTopicNumPartitions: config.int('offsets.topic.num.partitions'),
    offsetsTopicReplicationFactor: config.int('offsets.topic.replication.factor'),
    offsetsTopicSegmentBytes: config.int('offsets.topic.segment.bytes'),
  };
}

/** Kafka's defaults, for tests that build a coordinator without a broker. */
export function defaultGroupConfig(overrides: Partial<GroupConfig> = {}): GroupConfig {
  return {
    initialRebalanceDelayMs: 3000,
    minSessionTimeoutMs: 6000,
    maxSessionTimeoutMs: 1_800_000,
    maxSize: 2_147_483_647,
    newMemberJoinTimeoutMs: NEW_MEMBER_JOIN_TIMEOUT_MS,
    offsetMetadataMaxSize: 4096,
    offsetsRetentionMs: 10080 * 60_000,
    offsetsRetentionCheckIntervalMs: 600_000,
    offsetsTopicNumPartitions: 50,
    offsetsTopicReplicationFactor: 3,
    offsetsTopicSegmentBytes: 104_857_600,
    ...overrides,
  };
}
