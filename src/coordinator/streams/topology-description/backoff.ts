/**
 * How often the coordinator asks a streams group's members for their topology description
 * (Kafka 4.4's StreamsGroupTopologyDescriptionBackoff): per group, the topology epoch last
 * asked for, how many times, and when the next request may go out. Exponential from 30 s,
 * doubling to at most an hour, with ±20% jitter, as Kafka's ExponentialBackoff(30000, 2,
 * 3600000, 0.2). Memory only: a new coordinator asks again at once.
 */

const INITIAL_DELAY_MS = 30_000;
const MAX_DELAY_MS = 3_600_000;
const MULTIPLIER = 2;
const JITTER = 0.2;
/** Kafka's expMax: the exponent at which the delay reaches the maximum. */
const EXP_MAX = Math.log(MAX_DELAY_MS / INITIAL_DELAY_MS) / Math.log(MULTIPLIER);

export interface BackoffEntry {
  topologyEpoch: number;
  attempts: number;
  nextAttemptMs: number;
}

export interface Clock {
  now(): number;
}

export class TopologyDescriptionBackoff {
  private readonly state = new Map<string, BackoffEntry>();
  private readonly clock: Clock;
  /** A number in [0, 1), for the jitter (Math.random unless a test fixes it). */
  private readonly random: () => number;

  constructor(clock: Clock, random: () => number = Math.random) {
    this.clock = clock;
    this.random = random;
  }

  /** The delay after `attempts` earlier attempts (ExponentialBackoff.backoff). */
  delayMs(attempts: number): number {
    const exp = Math.min(attempts, EXP_MAX);
    const term = INITIAL_DELAY_MS * Math.pow(MULTIPLIER, exp);
    const factor = 1 - JITTER + this.random() * 2 * JITTER;
    return Math.min(Math.floor(factor * term), MAX_DELAY_MS);
  }

  /** Whether a request for this epoch is still waiting out its delay. */
  isActive(groupId: string, topologyEpoch: number): boolean {
    const e = this.state.get(groupId);
    return e !== undefined && e.topologyEpoch === topologyEpoch && this.clock.now() < e.nextAttemptMs;
  }

  /** Arms the backoff unless it is active for this epoch; true when armed (the caller may ask now). */
  armIfNotActive(groupId: string, topologyEpoch: number): boolean {
    const now = this.clock.now();
    const e = this.state.get(groupId);
    if (e !== undefined && e.topologyEpoch === topologyEpoch && now < e.nextAttemptMs) return false;
    this.state.set(groupId, this.next(e, topologyEpoch, now));
    return true;
  }

  /** After a failed push: arms, or extends, the backoff, unless it already waits for a newer epoch. */
  armOrExtend(groupId: string, topologyEpoch: number): void {
    const e = this.state.get(groupId);
    if (e !== undefined && e.topologyEpoch > topologyEpoch) return;
    this.state.set(groupId, this.next(e, topologyEpoch, this.clock.now()));
  }

  /** After a stored push: forgets the group's backoff if it was for this epoch. */
  clear(groupId: string, topologyEpoch: number): void {
    if (this.state.get(groupId)?.topologyEpoch === topologyEpoch) this.state.delete(groupId);
  }

  clearGroup(groupId: string): void {
    this.state.delete(groupId);
  }

  entry(groupId: string): BackoffEntry | undefined {
    return this.state.get(groupId);
  }

  private next(e: BackoffEntry | undefined, topologyEpoch: number, now: number): BackoffEntry {
    const attempts = e !== undefined && e.topologyEpoch === topologyEpoch ? e.attempts + 1 : 0;
    return { topologyEpoch, attempts, nextAttemptMs: now + this.delayMs(attempts) };
  }
}
