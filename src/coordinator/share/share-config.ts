/**
 * Share groups' settings by Kafka 4.4's broker config names (ShareGroupConfig,
 * GroupCoordinatorConfig's group.share.*, ShareCoordinatorConfig's share.coordinator.*), read
 * once at start-up. A group's own configs (share.record.lock.duration.ms and the like) override
 * some of them within the min/max bounds the broker sets.
 */
import { checkAssignmentInterval } from '../group/assignment-interval.js';

export interface ShareGroupConfig {
  /** group.share.session.timeout.ms (45000), within group.share.min/max.session.timeout.ms (45000/60000). */
  sessionTimeoutMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** group.share.heartbeat.interval.ms (5000), within group.share.min/max.heartbeat.interval.ms (5000/15000). */
  heartbeatIntervalMs: number;
  minHeartbeatIntervalMs: number;
  maxHeartbeatIntervalMs: number;
  /** group.share.assignment.interval.ms (1000), within group.share.min/max.assignment.interval.ms (0/15000). */
  assignmentIntervalMs: number;
  minAssignmentIntervalMs: number;
  maxAssignmentIntervalMs: number;
  /** group.share.max.size (200). */
  maxSize: number;
  /** group.share.record.lock.duration.ms (30000), within group.share.min/max.record.lock.duration.ms (15000/60000). */
  recordLockDurationMs: number;
  minRecordLockDurationMs: number;
  maxRecordLockDurationMs: number;
  /** group.share.delivery.count.limit (5), within group.share.min/max.delivery.count.limit (2/10). */
  deliveryCountLimit: number;
  minDeliveryCountLimit: number;
  maxDeliveryCountLimit: number;
  /** group.share.partition.max.record.locks (2000), within group.share.min/max.partition.max.record.locks (100/4000). */
  partitionMaxRecordLocks: number;
  minPartitionMaxRecordLocks: number;
  maxPartitionMaxRecordLocks: number;
  /** group.share.max.share.sessions (2000). */
  maxShareSessions: number;
}

export interface ShareCoordinatorConfig {
  /** share.coordinator.state.topic.num.partitions (50), used until __share_group_state exists. */
  stateTopicNumPartitions: number;
  /** share.coordinator.state.topic.replication.factor (3, capped at the brokers there are). */
  stateTopicReplicationFactor: number;
  /** share.coordinator.state.topic.min.isr (2). */
  stateTopicMinIsr: number;
  /** share.coordinator.state.topic.segment.bytes (100 MiB). */
  stateTopicSegmentBytes: number;
  /** share.coordinator.snapshot.update.records.per.snapshot (500): ShareUpdate records between two ShareSnapshots of a share-partition. */
  snapshotUpdateRecordsPerSnapshot: number;
  /** share.coordinator.write.timeout.ms (5000): how long a write waits for the ISR. */
  writeTimeoutMs: number;
  /** share.coordinator.state.topic.prune.interval.ms (5 min, internal in Kafka): how often __share_group_state is pruned. */
  pruneIntervalMs: number;
  /** share.coordinator.cold.partition.snapshot.interval.ms (5 min, internal in Kafka): how often share-partitions not written get a fresh snapshot. */
  coldPartitionSnapshotIntervalMs: number;
  /** share.coordinator.load.buffer.size (5 MiB): read size while loading. */
  loadBufferSize: number;
}

/** Typed access to settings by Kafka's names (the broker's config implements it). */
export interface ShareConfigValues {
  int(name: string): number;
}

export function shareGroupConfigFrom(c: ShareConfigValues): ShareGroupConfig {
  const config: ShareGroupConfig = {
    sessionTimeoutMs: c.int('group.share.session.timeout.ms'),
    minSessionTimeoutMs: c.int('group.share.min.session.timeout.ms'),
    maxSessionTimeoutMs: c.int('group.share.max.session.timeout.ms'),
    heartbeatIntervalMs: c.int('group.share.heartbeat.interval.ms'),
    minHeartbeatIntervalMs: c.int('group.share.min.heartbeat.interval.ms'),
    maxHeartbeatIntervalMs: c.int('group.share.max.heartbeat.interval.ms'),
    maxSize: c.int('group.share.max.size'),
    recordLockDurationMs: c.int('group.share.record.lock.duration.ms'),
    minRecordLockDurationMs: c.int('group.share.min.record.lock.duration.ms'),
    maxRecordLockDurationMs: c.int('group.share.max.record.lock.duration.ms'),
    deliveryCountLimit: c.int('group.share.delivery.count.limit'),
    minDeliveryCountLimit: c.int('group.share.min.delivery.count.limit'),
    maxDeliveryCountLimit: c.int('group.share.max.delivery.count.limit'),
    partitionMaxRecordLocks: c.int('group.share.partition.max.record.locks'),
    minPartitionMaxRecordLocks: c.int('group.share.min.partition.max.record.locks'),
    maxPartitionMaxRecordLocks: c.int('group.share.max.partition.max.record.locks'),
    maxShareSessions: c.int('group.share.max.share.sessions'),
    assignmentIntervalMs: c.int('group.share.assignment.interval.ms'),
    minAssignmentIntervalMs: c.int('group.share.min.assignment.interval.ms'),
    maxAssignmentIntervalMs: c.int('group.share.max.assignment.interval.ms'),
  };
  checkAssignmentInterval('share', config);
  return config;
}

export function shareCoordinatorConfigFrom(c: ShareConfigValues): ShareCoordinatorConfig {
  return {
    stateTopicNumPartitions: c.int('share.coordinator.state.topic.num.partitions'),
    stateTopicReplicationFactor: c.int('share.coordinator.state.topic.replication.factor'),
    stateTopicMinIsr: c.int('share.coordinator.state.topic.min.isr'),
    stateTopicSegmentBytes: c.int('share.coordinator.state.topic.segment.bytes'),
    snapshotUpdateRecordsPerSnapshot: c.int('share.coordinator.snapshot.update.records.per.snapshot'),
    writeTimeoutMs: c.int('share.coordinator.write.timeout.ms'),
    loadBufferSize: c.int('share.coordinator.load.buffer.size'),
    pruneIntervalMs: c.int('share.coordinator.state.topic.prune.interval.ms'),
    coldPartitionSnapshotIntervalMs: c.int('share.coordinator.cold.partition.snapshot.interval.ms'),
  };
}

/** Kafka 4.4's defaults, for tests and for a coordinator built without a broker. */
export function defaultShareGroupConfig(over: Partial<ShareGroupConfig> = {}): ShareGroupConfig {
  return {
    sessionTimeoutMs: 45_000, minSessionTimeoutMs: 45_000, maxSessionTimeoutMs: 60_000,
    heartbeatIntervalMs: 5_000, minHeartbeatIntervalMs: 5_000, maxHeartbeatIntervalMs: 15_000,
    maxSize: 200,
    recordLockDurationMs: 30_000, minRecordLockDurationMs: 15_000, maxRecordLockDurationMs: 60_000,
    deliveryCountLimit: 5, minDeliveryCountLimit: 2, maxDeliveryCountLimit: 10,
    partitionMaxRecordLocks: 2000, minPartitionMaxRecordLocks: 100, maxPartitionMaxRecordLocks: 4000,
    maxShareSessions: 2000,
    assignmentIntervalMs: 1000, minAssignmentIntervalMs: 0, maxAssignmentIntervalMs: 15_000,
    ...over,
  };
}

export function defaultShareCoordinatorConfig(over: Partial<ShareCoordinatorConfig> = {}): ShareCoordinatorConfig {
  return {
    stateTopicNumPartitions: 50, stateTopicReplicationFactor: 3, stateTopicMinIsr: 2, stateTopicSegmentBytes: 104_857_600,
    snapshotUpdateRecordsPerSnapshot: 500, writeTimeoutMs: 5_000, loadBufferSize: 5_242_880,
    pruneIntervalMs: 300_000, coldPartitionSnapshotIntervalMs: 300_000,
    ...over,
  };
}
