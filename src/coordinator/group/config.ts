/**
 * The group coordinator's settings, by Kafka's broker config names, read once at start-up.
 */
import { checkAssignmentInterval } from './assignment-interval.js';
import { defaultStreamsGroupConfig, streamsGroupConfigFrom, type StreamsGroupConfig } from '../streams/config.js';

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
  /** offsets.commit.timeout.ms: how long a write waits for the ISR of its partition. */
  offsetCommitTimeoutMs: number;
  /** The KIP-848 consumer groups' settings (group.consumer.*). */
  consumer: ConsumerGroupConfig;
  /** The KIP-1071 streams groups' settings (group.streams.*). */
  streams: StreamsGroupConfig;
}

/** Kafka's ConsumerGroupMigrationPolicy: which online conversions between classic and consumer groups are allowed. */
export type MigrationPolicy = 'disabled' | 'upgrade' | 'downgrade' | 'bidirectional';

export interface ConsumerGroupConfig {
  /** group.consumer.session.timeout.ms, and the bounds a group config may set it within. */
  sessionTimeoutMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms (and bounds). */
  heartbeatIntervalMs: number;
  minHeartbeatIntervalMs: number;
  maxHeartbeatIntervalMs: number;
  /** group.consumer.assignment.interval.ms (and bounds): the least time between two target assignments. */
  assignmentIntervalMs: number;
  minAssignmentIntervalMs: number;
  maxAssignmentIntervalMs: number;
  /** group.consumer.max.size. */
  maxSize: number;
  /** group.consumer.assignors as assignor names (uniform, range), the first being the default. */
  assignors: string[];
  /** group.consumer.migration.policy. */
  migrationPolicy: MigrationPolicy;
}

const ASSIGNOR_CLASSES: Readonly<Record<string, string>> = {
  'org.apache.kafka.coordinator.group.assignor.UniformAssignor': 'uniform',
  'org.apache.kafka.coordinator.group.assignor.RangeAssignor': 'range',
};

/**
 * group.consumer.assignors takes Kafka's class names or the assignors' names; anything else
 * is refused at start-up, as Kafka refuses a class it cannot load.
 */
export function assignorNames(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const name = ASSIGNOR_CLASSES[v] ?? v;
    if (name !== 'uniform' && name !== 'range') throw new Error(`group.consumer.assignors: unknown assignor ${v} (expected uniform or range)`);
    if (!out.includes(name)) out.push(name);
  }
  if (out.length === 0) throw new Error('group.consumer.assignors must name at least one assignor');
  return out;
}

function migrationPolicy(value: string): MigrationPolicy {
  const v = value.trim().toLowerCase();
  if (v === 'disabled' || v === 'upgrade' || v === 'downgrade' || v === 'bidirectional') return v;
  throw new Error(`group.consumer.migration.policy: expected one of disabled, upgrade, downgrade, bidirectional, not ${value}`);
}

/** GroupCoordinatorConfig's checks on the consumer settings. */
function checkConsumerConfig(c: ConsumerGroupConfig): ConsumerGroupConfig {
  const need = (ok: boolean, message: string) => {
    if (!ok) throw new Error(message);
  };
  need(c.maxSessionTimeoutMs >= c.minSessionTimeoutMs, 'group.consumer.max.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms');
  need(c.sessionTimeoutMs >= c.minSessionTimeoutMs, 'group.consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms');
  need(c.sessionTimeoutMs <= c.maxSessionTimeoutMs, 'group.consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms');
  need(c.maxHeartbeatIntervalMs >= c.minHeartbeatIntervalMs, 'group.consumer.max.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms');
  need(c.heartbeatIntervalMs >= c.minHeartbeatIntervalMs, 'group.consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms');
  need(c.heartbeatIntervalMs <= c.maxHeartbeatIntervalMs, 'group.consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms');
  need(c.heartbeatIntervalMs < c.sessionTimeoutMs, 'group.consumer.heartbeat.interval.ms must be less than group.consumer.session.timeout.ms');
  checkAssignmentInterval('consumer', c);
  return c;
}

export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

/** Typed access to settings by Kafka's names (the broker's config implements it). */
export interface ConfigValues {
  int(name: string): number;
  long(name: string): number;
  list(name: string): string[];
  /** The value as written, or null when unset and without a default. */
  raw(name: string): string | null;
}

export function groupConfigFrom(config: ConfigValues): GroupConfig {
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
    offsetCommitTimeoutMs: config.int('offsets.commit.timeout.ms'),
    consumer: checkConsumerConfig({
      sessionTimeoutMs: config.int('group.consumer.session.timeout.ms'),
      minSessionTimeoutMs: config.int('group.consumer.min.session.timeout.ms'),
      maxSessionTimeoutMs: config.int('group.consumer.max.session.timeout.ms'),
      heartbeatIntervalMs: config.int('group.consumer.heartbeat.interval.ms'),
      minHeartbeatIntervalMs: config.int('group.consumer.min.heartbeat.interval.ms'),
      maxHeartbeatIntervalMs: config.int('group.consumer.max.heartbeat.interval.ms'),
      assignmentIntervalMs: config.int('group.consumer.assignment.interval.ms'),
      minAssignmentIntervalMs: config.int('group.consumer.min.assignment.interval.ms'),
      maxAssignmentIntervalMs: config.int('group.consumer.max.assignment.interval.ms'),
      maxSize: config.int('group.consumer.max.size'),
      assignors: assignorNames(config.list('group.consumer.assignors')),
      migrationPolicy: migrationPolicy(config.raw('group.consumer.migration.policy') ?? 'bidirectional'),
    }),
    streams: streamsGroupConfigFrom(config),
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
    offsetCommitTimeoutMs: 5000,
    ...overrides,
    consumer: defaultConsumerGroupConfig(overrides.consumer),
    streams: defaultStreamsGroupConfig(overrides.streams),
  };
}

/** Kafka's consumer group defaults, for tests. */
export function defaultConsumerGroupConfig(overrides: Partial<ConsumerGroupConfig> = {}): ConsumerGroupConfig {
  return {
    sessionTimeoutMs: 45_000,
    minSessionTimeoutMs: 45_000,
    maxSessionTimeoutMs: 60_000,
    heartbeatIntervalMs: 5000,
    minHeartbeatIntervalMs: 5000,
    maxHeartbeatIntervalMs: 15_000,
    assignmentIntervalMs: 1000,
    minAssignmentIntervalMs: 0,
    maxAssignmentIntervalMs: 15_000,
    maxSize: 2_147_483_647,
    assignors: ['uniform', 'range'],
    migrationPolicy: 'bidirectional',
    ...overrides,
  };
}
