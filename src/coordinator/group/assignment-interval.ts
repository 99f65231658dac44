/**
 * KIP-1263's assignment interval (`group.{consumer,share,streams}.assignment.interval.ms`,
 * default 1 s, or the group's own `*.assignment.interval.ms`): a group's target assignment is
 * computed again at most once per interval. A heartbeat that bumps the group epoch within it
 * keeps the last target; the first heartbeat after it computes one for the newest epoch, so
 * a burst of joins and leaves costs one assignor run. Kafka's canComputeNextTargetAssignment:
 * a group that never had one (timestamp 0), or an interval of 0, never waits.
 */
export function canComputeNextTargetAssignment(lastAssignmentMs: number, intervalMs: number, nowMs: number): boolean {
  if (lastAssignmentMs === 0 || intervalMs === 0) return true;
  return nowMs >= lastAssignmentMs + intervalMs;
}

/** GroupCoordinatorConfig's checks on group.<type>.assignment.interval.ms and its bounds. */
export function checkAssignmentInterval(type: 'consumer' | 'share' | 'streams', c: { assignmentIntervalMs: number; minAssignmentIntervalMs: number; maxAssignmentIntervalMs: number }): void {
  const name = (s: string) => `group.${type}.${s}assignment.interval.ms`;
  const need = (ok: boolean, message: string) => {
    if (!ok) throw new Error(message);
  };
  need(c.maxAssignmentIntervalMs >= c.minAssignmentIntervalMs, `${name('max.')} must be greater than or equal to ${name('min.')}`);
  need(c.assignmentIntervalMs >= c.minAssignmentIntervalMs, `${name('')} must be greater than or equal to ${name('min.')}`);
  need(c.assignmentIntervalMs <= c.maxAssignmentIntervalMs, `${name('')} must be less than or equal to ${name('max.')}`);
}
