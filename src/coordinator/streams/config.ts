/**
 * The streams groups' settings (Kafka's group.streams.* broker configs), with Kafka 4.4's
 * defaults and the checks GroupCoordinatorConfig makes on them.
 */
import { checkAssignmentInterval } from '../group/assignment-interval.js';
import type { ConfigValues } from '../group/config.js';

const TASK_OFFSET_INTERVAL_MS = 60_000;
const ACCEPTABLE_RECOVERY_LAG = 10_000;

export interface StreamsGroupConfig {
  /** group.streams.session.timeout.ms, and the bounds a group config may set it within. */
  sessionTimeoutMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** group.streams.heartbeat.interval.ms (and bounds). */
  heartbeatIntervalMs: number;
  minHeartbeatIntervalMs: number;
  maxHeartbeatIntervalMs: number;
  /** group.streams.assignment.interval.ms (and bounds): the least time between two target assignments. */
  assignmentIntervalMs: number;
  minAssignmentIntervalMs: number;
  maxAssignmentIntervalMs: number;
  /** group.streams.max.size. */
  maxSize: number;
  /** group.streams.initial.rebalance.delay.ms: how long a group's first target assignment waits for more members. */
  initialRebalanceDelayMs: number;
  /** group.streams.num.standby.replicas, at most group.streams.max.standby.replicas. */
  numStandbyReplicas: number;
  maxStandbyReplicas: number;
  /** How often members report their changelog offsets (Kafka's internal group.streams.task.offset.interval.ms, 60 s). */
  taskOffsetIntervalMs: number;
  /** Kafka's internal group.streams.acceptable.recovery.lag (10000 offsets). */
  acceptableRecoveryLag: number;
  /** group.streams.topology.description.plugin.class (KIP-1331): null, the feature off. */
  topologyDescriptionPluginClass: string | null;
}

export function defaultStreamsGroupConfig(overrides: Partial<StreamsGroupConfig> = {}): StreamsGroupConfig {
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
    initialRebalanceDelayMs: 3000,
    numStandbyReplicas: 0,
    maxStandbyReplicas: 2,
    taskOffsetIntervalMs: TASK_OFFSET_INTERVAL_MS,
    acceptableRecoveryLag: ACCEPTABLE_RECOVERY_LAG,
    topologyDescriptionPluginClass: null,
    ...overrides,
  };
}

/** GroupCoordinatorConfig's checks on the streams settings. */
export function checkStreamsGroupConfig(c: StreamsGroupConfig): StreamsGroupConfig {
  const need = (ok: boolean, message: string) => {
    if (!ok) throw new Error(message);
  };
  need(c.maxSessionTimeoutMs >= c.minSessionTimeoutMs, 'group.streams.max.session.timeout.ms must be greater than or equal to group.streams.min.session.timeout.ms');
  need(c.sessionTimeoutMs >= c.minSessionTimeoutMs, 'group.streams.session.timeout.ms must be greater than or equal to group.streams.min.session.timeout.ms');
  need(c.sessionTimeoutMs <= c.maxSessionTimeoutMs, 'group.streams.session.timeout.ms must be less than or equal to group.streams.max.session.timeout.ms');
  need(c.maxHeartbeatIntervalMs >= c.minHeartbeatIntervalMs, 'group.streams.max.heartbeat.interval.ms must be greater than or equal to group.streams.min.heartbeat.interval.ms');
  need(c.heartbeatIntervalMs >= c.minHeartbeatIntervalMs, 'group.streams.heartbeat.interval.ms must be greater than or equal to group.streams.min.heartbeat.interval.ms');
  need(c.heartbeatIntervalMs <= c.maxHeartbeatIntervalMs, 'group.streams.heartbeat.interval.ms must be less than or equal to group.streams.max.heartbeat.interval.ms');
  need(c.heartbeatIntervalMs < c.sessionTimeoutMs, 'group.streams.heartbeat.interval.ms must be less than group.streams.session.timeout.ms');
  need(c.numStandbyReplicas >= 0 && c.numStandbyReplicas <= c.maxStandbyReplicas, 'group.streams.num.standby.replicas must be between 0 and group.streams.max.standby.replicas');
  checkAssignmentInterval('streams', c);
  return c;
}

/** The settings from the broker's configuration, by Kafka's names. */
export function streamsGroupConfigFrom(config: ConfigValues): StreamsGroupConfig {
  return checkStreamsGroupConfig({
    sessionTimeoutMs: config.int('group.streams.session.timeout.ms'),
    minSessionTimeoutMs: config.int('group.streams.min.session.timeout.ms'),
    maxSessionTimeoutMs: config.int('group.streams.max.session.timeout.ms'),
    heartbeatIntervalMs: config.int('group.streams.heartbeat.interval.ms'),
    minHeartbeatIntervalMs: config.int('group.streams.min.heartbeat.interval.ms'),
    maxHeartbeatIntervalMs: config.int('group.streams.max.heartbeat.interval.ms'),
    assignmentIntervalMs: config.int('group.streams.assignment.interval.ms'),
    minAssignmentIntervalMs: config.int('group.streams.min.assignment.interval.ms'),
    maxAssignmentIntervalMs: config.int('group.streams.max.assignment.interval.ms'),
    maxSize: config.int('group.streams.max.size'),
    initialRebalanceDelayMs: config.int('group.streams.initial.rebalance.delay.ms'),
    numStandbyReplicas: config.int('group.streams.num.standby.replicas'),
    maxStandbyReplicas: config.int('group.streams.max.standby.replicas'),
    taskOffsetIntervalMs: TASK_OFFSET_INTERVAL_MS,
    acceptableRecoveryLag: ACCEPTABLE_RECOVERY_LAG,
    topologyDescriptionPluginClass: config.raw('group.streams.topology.description.plugin.class'),
  });
}
