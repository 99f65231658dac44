import type { Clock, ClockTimer } from './clock.js';
import type { Kv, LeaseId } from './kv.js';

export interface LeaseSessionOptions {
  kv: Kv;
  clock: Clock;
  ttlSeconds: number;
  /** Called once when the lease is known or presumed gone: the holder's keys are deleted (or will be). */
  onLost: (reason: string) => void;
}

/**
 * A lease kept alive (etcd's concurrency.Session): a keep-alive every third of the TTL. The
 * session is lost when the store says the lease expired, or when no keep-alive has succeeded
 * for a whole TTL (the store may have expired it meanwhile: acting on as if it still held
 * would let a fenced broker lead). Lost is final; the holder starts a new session.
 */
export class LeaseSession {
  readonly id: LeaseId;
  private readonly options: LeaseSessionOptions;
  private lastRenewed: number;
  private timer: ClockTimer | null = null;
  private state: 'live' | 'lost' | 'closed' = 'live';

  private constructor(id: LeaseId, options: LeaseSessionOptions) {
    this.id = id;
    this.options = options;
    this.lastRenewed = options.clock.now();
    this.arm();
  }

  static async start(options: LeaseSessionOptions): Promise<LeaseSession> {
    const id = await options.kv.grantLease(options.ttlSeconds);
    return new LeaseSession(id, options);
  }

  get live(): boolean {
    return this.state === 'live';
  }

  /** Stops the keep-alives and revokes the lease, deleting its keys at once. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasLive = this.state === 'live';
    this.state = 'closed';
    this.timer?.cancel();
    if (wasLive) await this.options.kv.revokeLease(this.id);
  }

  /** Stops the keep-alives without revoking: the lease expires after its TTL, as when a process dies. */
  abandon(): void {
    this.state = 'closed';
    this.timer?.cancel();
  }

  private arm(): void {
    const interval = Math.max(50, Math.floor((this.options.ttlSeconds * 1000) / 3));
    this.timer = this.options.clock.schedule(interval, () => void this.renew());
  }

  private async renew(): Promise<void> {
    if (this.state !== 'live') return;
    const started = this.options.clock.now();
    let ttl: number | null = null;
    let failure = '';
    try {
      ttl = await this.options.kv.keepAlive(this.id);
    } catch (err) {
      failure = (err as Error).message;
    }
    if (this.state !== 'live') return;
    if (ttl !== null && ttl > 0) {
      this.lastRenewed = started;
      this.arm();
      return;
    }
    if (ttl === 0) return this.lose(`lease ${this.id} expired`);
    if (this.options.clock.now() - this.lastRenewed >= this.options.ttlSeconds * 1000) {
      return this.lose(`no keep-alive of lease ${this.id} succeeded for ${this.options.ttlSeconds} s: ${failure}`);
    }
    this.arm();
  }

  private lose(reason: string): void {
    this.state = 'lost';
    this.timer?.cancel();
    this.options.onLost(reason);
  }
}
