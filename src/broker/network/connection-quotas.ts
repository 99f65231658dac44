/**
 * Kafka's ConnectionQuotas (SocketServer.scala) for one listener:
 *
 * - `max.connections`: at the limit, Kafka's acceptor waits for a slot (the new connection
 *   waits, it is not refused); here accepted sockets wait, paused, in arrival order.
 * - `max.connection.creation.rate`: every new connection is recorded in a rate over
 *   `QUOTA_SAMPLES` windows of `QUOTA_WINDOW_MS`; when the rate goes over the limit the
 *   acceptor waits (rate - limit) / limit x window before serving it and anything after it,
 *   at most one window (QuotaUtils.boundedThrottleTime).
 * - `max.connections.per.ip` and `max.connections.per.ip.overrides`: a connection from an
 *   address that already has its maximum is closed at once (TooManyConnectionsException).
 *
 * While the acceptor "waits", sockets queue here; past `MAX_WAITING` (Kafka's
 * socket.listen.backlog.size default, where the kernel would drop them) they are closed.
 */
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import type { PerIpOverrides } from '../settings/per-ip-overrides.js';

/** quota.window.num and quota.window.size.seconds defaults. */
export const QUOTA_SAMPLES = 11;
export const QUOTA_WINDOW_MS = 1000;
const MAX_WAITING = 50;
export const UNLIMITED = 2147483647;

export interface ConnectionQuotaLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** `max.connections.per.ip.overrides` as written: host (name or address) to count. */
  maxConnectionsPerIpOverrides: PerIpOverrides;
  maxConnectionCreationRate: number;
}

/**
 * Kafka's Rate over a SampledStat: events per second over the live samples, the window
 * counted as at least `samples - 1` full windows.
 */
export class SampledRate {
  private readonly counts: Float64Array;
  private readonly starts: Float64Array;
  private current = 0;

  constructor(
    private readonly samples = QUOTA_SAMPLES,
    private readonly windowMs = QUOTA_WINDOW_MS,
  ) {
    this.counts = new Float64Array(samples);
    this.starts = new Float64Array(samples).fill(-Infinity);
  }

  record(value: number, now: number): void {
    if (now >= this.starts[this.current]! + this.windowMs) {
      this.current = (this.current + 1) % this.samples;
      this.starts[this.current] = now;
      this.counts[this.current] = 0;
    }
    this.counts[this.current]! += value;
  }

  /** Events per second. */
  rate(now: number): number {
    return this.total(now) / (this.windowSize(now) / 1000);
  }

  /** Rate.windowSize: from the oldest live sample, at least samples - 1 windows. */
  windowSize(now: number): number {
    let oldest = now;
    for (let i = 0; i < this.samples; i++) {
      const start = this.starts[i]!;
      if (start > now - this.samples * this.windowMs && start < oldest) oldest = start;
    }
    let elapsed = now - oldest;
    const full = Math.floor(elapsed / this.windowMs);
    if (full < this.samples - 1) elapsed += (this.samples - 1 - full) * this.windowMs;
    return elapsed;
  }

  private total(now: number): number {
    let n = 0;
    for (let i = 0; i < this.samples; i++) if (this.starts[i]! > now - this.samples * this.windowMs) n += this.counts[i]!;
    return n;
  }
}

/** The address a socket's counts are kept under (IPv4-mapped IPv6 as plain IPv4). */
export function addressKey(address: string | undefined): string {
  if (address === undefined) return '?';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export class ConnectionQuotas {
  readonly limits: ConnectionQuotaLimits;
  private readonly perIp = new Map<string, number>();
  /** Overrides by address, resolved from `limits` in `resolve()`. */
  private overrides = new Map<string, number>();
  private readonly rate = new SampledRate();
  total = 0;

  constructor(limits: ConnectionQuotaLimits) {
    this.limits = limits;
    for (const [host, count] of limits.maxConnectionsPerIpOverrides) {
      if (isIP(host) !== 0) this.overrides.set(addressKey(host), count);
    }
  }

  /** Resolves host names in the overrides (Kafka's InetAddress.getByName at start-up). */
  async resolve(): Promise<void> {
    const out = new Map<string, number>();
    for (const [host, count] of this.limits.maxConnectionsPerIpOverrides) {
      if (isIP(host) !== 0) {
        out.set(addressKey(host), count);
        continue;
      }
      try {
        for (const a of await lookup(host, { all: true })) out.set(addressKey(a.address), count);
      } catch {
        // Kafka fails at start-up on an unknown host; an address that never connects is harmless.
      }
    }
    this.overrides = out;
  }

  get rateLimited(): boolean {
    return this.limits.maxConnectionCreationRate < UNLIMITED;
  }

  slotAvailable(): boolean {
    return this.total < this.limits.maxConnections;
  }

  /**
   * Records a new connection in the creation rate; the time the acceptor must wait before
   * serving it (0 when within the rate).
   */
  recordCreation(now: number): number {
    if (!this.rateLimited) return 0;
    const quota = this.limits.maxConnectionCreationRate;
    this.rate.record(1, now);
    const value = this.rate.rate(now);
    if (value <= quota) return 0;
    const throttle = Math.round(((value - quota) / quota) * this.rate.windowSize(now));
    return Math.min(throttle, QUOTA_WINDOW_MS);
  }

  maxFor(ip: string): number {
    return this.overrides.get(ip) ?? this.limits.maxConnectionsPerIp;
  }

  /** Counts a connection from `ip`; false (and nothing counted) when `ip` is at its maximum. */
  tryInc(ip: string): boolean {
    const count = this.perIp.get(ip) ?? 0;
    if (count >= this.maxFor(ip)) return false;
    this.perIp.set(ip, count + 1);
    this.total++;
    return true;
  }

  dec(ip: string): void {
    const count = this.perIp.get(ip) ?? 0;
    if (count <= 1) this.perIp.delete(ip);
    else this.perIp.set(ip, count - 1);
    this.total--;
  }

  connectionsFrom(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }

  static readonly MAX_WAITING = MAX_WAITING;
}
