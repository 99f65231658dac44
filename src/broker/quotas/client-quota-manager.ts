/**
 * Client quotas enforced (Kafka's ClientQuotaManager with its DefaultQuotaCallback, and
 * ClientRequestQuotaManager): one manager per quota key (`producer_byte_rate`,
 * `consumer_byte_rate`, `request_percentage`). A request's user and client id resolve to the
 * entity whose quota applies, in Kafka's precedence:
 *   1 /config/users/<user>/clients/<client-id>   2 /config/users/<user>/clients/<default>
 *   3 /config/users/<user>                        4 /config/users/<default>/clients/<client-id>
 *   5 /config/users/<default>/clients/<default>   6 /config/users/<default>
 *   7 /config/clients/<client-id>                 8 /config/clients/<default>
 * and to the metric tags (user, client id) that name the sensor the value is recorded in:
 * clients sharing a user-level quota share one sensor, as in Kafka. The entities and bounds
 * come from the metadata store's snapshot and are re-read when it is replaced. Rates are
 * Kafka's Rate over a SampledStat (`SampledRate`, shared with the connection-rate quota).
 */
import { quotaEntityKey, REQUEST_PERCENTAGE, type ClientQuotaSnapshot } from '../../cluster/client-quotas.js';
import { SampledRate } from '../network/connection-quotas.js';

/** Kafka's quota.sensor inactivity expiry (ClientQuotaManager.InactiveSensorExpirationTimeSeconds, 1 h). */
const SENSOR_EXPIRY_MS = 3_600_000;

/** A quota sensor: its rate and when it last recorded (idle ones expire). */
interface Sensor {
  rate: SampledRate;
  lastRecordMs: number;
}

interface Resolved {
  /** Null: no quota applies. */
  sensor: Sensor | null;
  bound: number;
}

const UNLIMITED: Resolved = { sensor: null, bound: Infinity };

/**
 * Sensor.record with a quota, then QuotaUtils.throttleTime: 0 while the rate after recording
 * `value` is within `bound`, else the delay X that brings the observed rate O back to the
 * bound T over the window W (O * W / (W + X) = T, so X = (O - T) / T * W), rounded.
 */
export function recordAndGetThrottleTimeMs(rate: SampledRate, bound: number, value: number, nowMs: number): number {
  rate.record(value, nowMs);
  const observed = rate.rate(nowMs);
  if (observed <= bound) return 0;
  return Math.round(((observed - bound) / bound) * rate.windowSize(nowMs));
}

/** Bounds of one quota key by entity key. */
export type QuotaBounds = ReadonlyMap<string, number>;

const key = (user: string | null | undefined, clientId: string | null | undefined): string => {
  const e: { user?: string | null; clientId?: string | null } = {};
  if (user !== undefined) e.user = user;
  if (clientId !== undefined) e.clientId = clientId;
  return quotaEntityKey(e);
};

/**
 * DefaultQuotaCallback.quotaMetricTags: the (user, client id) tags of the sensor for a
 * request of `user` with `clientId`; '' leaves a part out.
 */
export function quotaMetricTags(bounds: QuotaBounds, user: string, clientId: string): [string, string] {
  if (bounds.has(key(user, clientId)) || bounds.has(key(user, null))) return [user, clientId];
  if (bounds.has(key(user, undefined))) return [user, ''];
  if (bounds.has(key(null, clientId)) || bounds.has(key(null, null))) return [user, clientId];
  if (bounds.has(key(null, undefined))) return [user, ''];
  return ['', clientId];
}

/** DefaultQuotaCallback.quotaLimit: the bound for a sensor's tags, undefined for none. */
export function quotaLimit(bounds: QuotaBounds, userTag: string, clientTag: string): number | undefined {
  if (userTag !== '' && clientTag !== '') {
    return bounds.get(key(userTag, clientTag)) ?? bounds.get(key(userTag, null)) ?? bounds.get(key(null, clientTag)) ?? bounds.get(key(null, null));
  }
  if (userTag !== '') return bounds.get(key(userTag, undefined)) ?? bounds.get(key(null, undefined));
  if (clientTag !== '') return bounds.get(key(undefined, clientTag)) ?? bounds.get(key(undefined, null));
  return undefined;
}

export class ClientQuotaManager {
  readonly quotaKey: string;
  private readonly windowMs: number;
  private readonly samples: number;
  /** ClientRequestQuotaManager bounds a throttle to one window; byte rates are unbounded. */
  private readonly maxThrottleMs: number;
  private bounds: Map<string, number> = new Map();
  /** By user and client id: the sensor and bound that apply, until the quotas change. */
  private readonly resolved = new Map<string, Resolved>();
  /** By metric tags. */
  private readonly sensors = new Map<string, Sensor>();
  private lastSweepMs = 0;

  constructor(quotaKey: string, windowMs: number, samples: number) {
    this.quotaKey = quotaKey;
    this.windowMs = windowMs;
    this.samples = samples;
    this.maxThrottleMs = quotaKey === REQUEST_PERCENTAGE ? windowMs : Number.MAX_SAFE_INTEGER;
  }

  /** True when some entity has a quota of this key. */
  get enabled(): boolean {
    return this.bounds.size > 0;
  }

  /** The quotas changed: this key's bounds again; sensors keep their history, as Kafka's do. */
  update(snapshot: ClientQuotaSnapshot): void {
    const bounds = new Map<string, number>();
    for (const [entityKey, entry] of snapshot.entries) {
      const v = entry.quotas[this.quotaKey];
      if (v !== undefined) bounds.set(entityKey, v);
    }
    this.bounds = bounds;
    this.resolved.clear();
  }

  /** The bound for `user` / `clientId` (Infinity: none); for tests and tools. */
  quota(user: string, clientId: string): number {
    return this.resolve(user, clientId).bound;
  }

  /**
   * ClientQuotaManager.getMaxValueInQuotaWindow: the most that can be recorded without being
   * throttled for certain (the bound over samples - 1 windows); Infinity without a quota.
   * Caps a consumer's Fetch, so a response never exceeds what the quota could ever allow.
   */
  maxValueInQuotaWindow(user: string, clientId: string): number {
    if (this.bounds.size === 0) return Infinity;
    return this.resolve(user, clientId).bound * (this.samples - 1) * (this.windowMs / 1000);
  }

  /** Records `value` and returns the throttle time in ms (ClientQuotaManager.recordAndGetThrottleTimeMs). */
  recordAndGetThrottleTimeMs(user: string, clientId: string, value: number, nowMs: number): number {
    if (this.bounds.size === 0) return 0;
    this.maybeSweep(nowMs);
    const r = this.resolve(user, clientId);
    if (r.sensor === null) return 0;
    r.sensor.lastRecordMs = nowMs;
    return Math.min(recordAndGetThrottleTimeMs(r.sensor.rate, r.bound, value, nowMs), this.maxThrottleMs);
  }

  /** Takes back a value recorded for a response that was not sent (a throttled Fetch's data). */
  unrecord(user: string, clientId: string, value: number, nowMs: number): void {
    const r = this.resolve(user, clientId);
    r.sensor?.rate.record(-value, nowMs);
  }

  private resolve(user: string, clientId: string): Resolved {
    const id = `${user}\u0000${clientId}`;
    let r = this.resolved.get(id);
    if (r !== undefined) return r;
    const [userTag, clientTag] = quotaMetricTags(this.bounds, user, clientId);
    const bound = quotaLimit(this.bounds, userTag, clientTag);
    if (bound === undefined) r = UNLIMITED;
    else {
      const tags = `${userTag}\u0000${clientTag}`;
      let sensor = this.sensors.get(tags);
      if (sensor === undefined) this.sensors.set(tags, (sensor = { rate: new SampledRate(this.samples, this.windowMs), lastRecordMs: 0 }));
      r = { sensor, bound };
    }
    // Bounded like the sensors: a client cycling client ids cannot grow it without limit.
    if (this.resolved.size >= 10_000) this.resolved.clear();
    this.resolved.set(id, r);
    return r;
  }

  /** Drops sensors idle for an hour, as Kafka expires them. */
  private maybeSweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < 60_000) return;
    this.lastSweepMs = nowMs;
    let dropped = false;
    for (const [tags, sensor] of this.sensors) {
      if (nowMs - sensor.lastRecordMs > SENSOR_EXPIRY_MS) {
        this.sensors.delete(tags);
        dropped = true;
      }
    }
    if (dropped) this.resolved.clear();
  }
}
