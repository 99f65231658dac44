import { systemClock, type Clock, type ClockTimer } from './clock.js';
import { KvCompactedError, NO_LEASE, type Compare, type Kv, type KvEntry, type KvWatch, type LeaseId, type Op, type RangeResult, type Txn, type TxnResult, type WatchEvent, type WatchListener } from './kv.js';

/** Events kept for watches that start in the past. */
const HISTORY_LIMIT = 100_000;

interface MemLease {
  ttlMs: number;
  timer: ClockTimer;
  keys: Set<string>;
}

interface MemWatch {
  prefix: string;
  listener: WatchListener;
  queue: WatchEvent[];
  scheduled: boolean;
  cancelled: boolean;
}

/**
 * The key-value store in this process, with etcd's semantics: one revision counter bumped
 * once per writing transaction (every event of a transaction carries its revision), versions
 * and create/mod revisions per key, leases whose expiry deletes their keys in one revision,
 * and watches that replay history from a revision before they follow new events. Several
 * metadata stores share one instance, as brokers share an etcd cluster: the embedded
 * multi-broker cluster of tests. Watch events arrive asynchronously (a microtask later), as
 * they would over a network.
 */
export class MemoryKv implements Kv {
  private readonly clock: Clock;
  private readonly data = new Map<string, KvEntry>();
  private readonly leases = new Map<LeaseId, MemLease>();
  private readonly watches = new Set<MemWatch>();
  /** Every event since the last compaction, in revision order. */
  private history: WatchEvent[] = [];
  private compacted = 0;
  private revision = 1;
  private nextLease = 0x10000;
  private closed = false;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  /** The current revision. */
  get currentRevision(): number {
    return this.revision;
  }

  async get(key: string): Promise<KvEntry | undefined> {
    this.check();
    const e = this.data.get(key);
    return e === undefined ? undefined : { ...e };
  }

  async range(prefix: string): Promise<RangeResult> {
    this.check();
    const entries: KvEntry[] = [];
    for (const e of this.data.values()) if (e.key.startsWith(prefix)) entries.push({ ...e });
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { entries, revision: this.revision };
  }

  async txn(txn: Txn): Promise<TxnResult> {
    this.check();
    const succeeded = txn.compares.every((c) => this.holds(c));
    const ops = succeeded ? txn.success : (txn.failure ?? []);
    for (const op of ops) if (op.type === 'put' && op.lease !== undefined && op.lease !== NO_LEASE && !this.leases.has(op.lease)) {
      throw new Error(`etcdserver: requested lease not found (${op.lease})`);
    }
    this.apply(ops);
    return { succeeded, revision: this.revision };
  }

  async grantLease(ttlSeconds: number): Promise<LeaseId> {
    this.check();
    if (!(ttlSeconds >= 1)) throw new RangeError(`a lease TTL must be at least 1 second, got ${ttlSeconds}`);
    const id = String(this.nextLease++);
    const ttlMs = Math.round(ttlSeconds * 1000);
    this.leases.set(id, { ttlMs, timer: this.clock.schedule(ttlMs, () => this.expire(id)), keys: new Set() });
    return id;
  }

  async keepAlive(lease: LeaseId): Promise<number> {
    this.check();
    const l = this.leases.get(lease);
    if (l === undefined) return 0;
    l.timer.cancel();
    l.timer = this.clock.schedule(l.ttlMs, () => this.expire(lease));
    return l.ttlMs / 1000;
  }

  async revokeLease(lease: LeaseId): Promise<void> {
    this.check();
    this.expire(lease);
  }

  async watch(prefix: string, fromRevision: number, listener: WatchListener): Promise<KvWatch> {
    this.check();
    const w: MemWatch = { prefix, listener, queue: [], scheduled: false, cancelled: false };
    if (fromRevision <= this.compacted) {
      queueMicrotask(() => listener.error(new KvCompactedError(this.compacted)));
      return { cancel: async () => {} };
    }
    for (const ev of this.history) if (ev.entry.modRevision >= fromRevision && ev.entry.key.startsWith(prefix)) w.queue.push(ev);
    this.watches.add(w);
    this.schedule(w);
    return {
      cancel: async () => {
        w.cancelled = true;
        this.watches.delete(w);
      },
    };
  }

  /** Forgets history up to `revision`, as etcd's compaction does; older watches then fail. */
  compact(revision: number): void {
    this.compacted = Math.max(this.compacted, Math.min(revision, this.revision));
    this.history = this.history.filter((e) => e.entry.modRevision > this.compacted);
  }

  /**
   * Ends every watch with `err`, as etcd cancels watches (a compaction past them, a member
   * restarting): their holders must read again and watch anew. For tests.
   */
  endWatches(err: Error): void {
    for (const w of this.watches) {
      w.cancelled = true;
      queueMicrotask(() => w.listener.error(err));
    }
    this.watches.clear();
  }

  /** The keys a lease holds (for tests); undefined when the lease is gone. */
  leaseKeys(lease: LeaseId): string[] | undefined {
    const l = this.leases.get(lease);
    return l === undefined ? undefined : [...l.keys];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.leases.values()) l.timer.cancel();
    for (const w of this.watches) w.cancelled = true;
    this.watches.clear();
  }

  private check(): void {
    if (this.closed) throw new Error('the in-memory key-value store is closed');
  }

  private holds(c: Compare): boolean {
    const e = this.data.get(c.key);
    const actual = e === undefined ? 0 : c.target === 'version' ? e.version : c.target === 'createRevision' ? e.createRevision : e.modRevision;
    switch (c.op) {
      case '==': return actual === c.value;
      case '!=': return actual !== c.value;
      case '<': return actual < c.value;
      case '>': return actual > c.value;
    }
  }

  /** Applies a transaction's operations at one new revision (none when nothing changes). */
  private apply(ops: readonly Op[]): void {
    const rev = this.revision + 1;
    const events: WatchEvent[] = [];
    const seen = new Set<string>();
    const touch = (key: string): void => {
      if (seen.has(key)) throw new Error(`etcdserver: duplicate key given in txn request (${key})`);
      seen.add(key);
    };
    for (const op of ops) {
      if (op.type === 'put') {
        touch(op.key);
        const old = this.data.get(op.key);
        const lease = op.lease ?? NO_LEASE;
        const entry: KvEntry = {
          key: op.key,
          value: op.value,
          createRevision: old?.createRevision ?? rev,
          modRevision: rev,
          version: (old?.version ?? 0) + 1,
          lease,
        };
        if (old !== undefined && old.lease !== NO_LEASE) this.leases.get(old.lease)?.keys.delete(op.key);
        if (lease !== NO_LEASE) this.leases.get(lease)!.keys.add(op.key);
        this.data.set(op.key, entry);
        events.push({ type: 'put', entry: { ...entry } });
      } else {
        const keys = op.type === 'delete' ? [op.key] : [...this.data.keys()].filter((k) => k.startsWith(op.prefix)).sort();
        for (const key of keys) {
          const old = this.data.get(key);
          if (old === undefined) continue;
          touch(key);
          if (old.lease !== NO_LEASE) this.leases.get(old.lease)?.keys.delete(key);
          this.data.delete(key);
          events.push({ type: 'delete', entry: { key, value: '', createRevision: 0, modRevision: rev, version: 0, lease: NO_LEASE } });
        }
      }
    }
    if (events.length === 0) return;
    this.revision = rev;
    this.history.push(...events);
    // Bounded history, as etcd's auto-compaction bounds its own: a watch starting before it
    // gets KvCompactedError and reloads.
    if (this.history.length > HISTORY_LIMIT) this.compact(this.history[this.history.length - HISTORY_LIMIT / 2]!.entry.modRevision - 1);
    for (const w of this.watches) {
      let added = false;
      for (const ev of events) if (ev.entry.key.startsWith(w.prefix)) {
        w.queue.push(ev);
        added = true;
      }
      if (added) this.schedule(w);
    }
  }

  private expire(id: LeaseId): void {
    const l = this.leases.get(id);
    if (l === undefined) return;
    l.timer.cancel();
    this.leases.delete(id);
    this.apply([...l.keys].sort().map((key) => ({ type: 'delete' as const, key })));
  }

  private schedule(w: MemWatch): void {
    if (w.scheduled || w.queue.length === 0) return;
    w.scheduled = true;
    queueMicrotask(() => {
      w.scheduled = false;
      if (w.cancelled || w.queue.length === 0) return;
      const batch = w.queue;
      w.queue = [];
      w.listener.events(batch, batch[batch.length - 1]!.entry.modRevision);
    });
  }
}
