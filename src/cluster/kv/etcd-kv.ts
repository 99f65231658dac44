import { CompareResult, CompareTarget, Etcd3, EtcdLeaseInvalidError, type ICompare, type IKeyValue, type IRequestOp, type Watcher } from 'etcd3';
import { KvCompactedError, NO_LEASE, type Compare, type Kv, type KvEntry, type KvWatch, type LeaseId, type Op, type RangeResult, type Txn, type TxnResult, type WatchEvent, type WatchListener } from './kv.js';

export interface EtcdKvOptions {
  /** `host:port` of each etcd member. */
  hosts: readonly string[];
  /** Milliseconds to connect before a call fails (default 3000). */
  dialTimeoutMs?: number;
  /** Milliseconds a keep-alive may take before it counts as failed (default 3000). */
  keepAliveTimeoutMs?: number;
}

/**
 * The key-value store on etcd, through the `etcd3` client's KV, Lease and Watch services.
 * The client reconnects by itself (to another member when one is lost) and resumes watches
 * from the revision after the last one delivered.
 */
export class EtcdKv implements Kv {
  readonly client: Etcd3;
  private readonly keepAliveTimeoutMs: number;
  private readonly watchers = new Set<Watcher>();
  private closed = false;

  constructor(options: EtcdKvOptions) {
    this.client = new Etcd3({ hosts: [...options.hosts].map((h) => `http://${h}`), dialTimeout: options.dialTimeoutMs ?? 3000 });
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 3000;
  }

  async get(key: string): Promise<KvEntry | undefined> {
    const res = await this.client.kv.range({ key: Buffer.from(key) });
    const kv = res.kvs[0];
    return kv === undefined ? undefined : toEntry(kv);
  }

  /**
   * Pages of RANGE_PAGE keys, every page read at the first page's revision, so the result is
   * one snapshot however large (a gRPC answer is limited to 4 MiB by default).
   */
  async range(prefix: string): Promise<RangeResult> {
    const rangeEnd = prefixEnd(Buffer.from(prefix));
    const entries: KvEntry[] = [];
    let key = Buffer.from(prefix);
    let revision: string | undefined;
    for (;;) {
      const res = await this.client.kv.range({ key, range_end: rangeEnd, limit: RANGE_PAGE, ...(revision === undefined ? {} : { revision }) });
      revision ??= res.header.revision;
      for (const kv of res.kvs) entries.push(toEntry(kv));
      const last = res.kvs[res.kvs.length - 1];
      if (!res.more || last === undefined) break;
      key = Buffer.concat([last.key, Buffer.from([0])]);
    }
    return { entries, revision: Number(revision) };
  }

  async txn(txn: Txn): Promise<TxnResult> {
    const res = await this.client.kv.txn({
      compare: txn.compares.map(toCompare),
      success: txn.success.map(toRequestOp),
      failure: (txn.failure ?? []).map(toRequestOp),
    });
    return { succeeded: res.succeeded, revision: Number(res.header.revision) };
  }

  async grantLease(ttlSeconds: number): Promise<LeaseId> {
    const res = await this.client.leaseClient.leaseGrant({ TTL: ttlSeconds });
    return String(res.ID);
  }

  async keepAlive(lease: LeaseId): Promise<number> {
    const stream = await this.client.leaseClient.leaseKeepAlive();
    let timer: NodeJS.Timeout | undefined;
    try {
      const res = await new Promise<{ TTL: string }>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`etcd keep-alive of lease ${lease} got no answer in ${this.keepAliveTimeoutMs} ms`)), this.keepAliveTimeoutMs);
        stream.on('data', resolve);
        stream.on('error', reject);
        stream.write({ ID: lease });
      });
      return Number(res.TTL);
    } catch (err) {
      if (err instanceof EtcdLeaseInvalidError) return 0;
      throw err;
    } finally {
      clearTimeout(timer);
      stream.end();
    }
  }

  async revokeLease(lease: LeaseId): Promise<void> {
    try {
      await this.client.leaseClient.leaseRevoke({ ID: lease });
    } catch (err) {
      if (!(err instanceof EtcdLeaseInvalidError)) throw err;
    }
  }

  async watch(prefix: string, fromRevision: number, listener: WatchListener): Promise<KvWatch> {
    const watcher = await this.client.watch().prefix(prefix).startRevision(String(fromRevision)).create();
    this.watchers.add(watcher);
    // A reconnection resumes after the last revision delivered; etcd3 alone would resume after
    // the revision of the last answer's header, skipping history not yet delivered.
    let next = fromRevision;
    const resumeAtNext = (): void => {
      (watcher.request as { start_revision?: string | number }).start_revision = String(next);
    };
    resumeAtNext();
    watcher.on('connected', resumeAtNext);
    watcher.on('data', (res) => {
      if (res.events.length === 0) return;
      const events: WatchEvent[] = res.events.map((ev) => ({
        type: ev.type === 'Delete' ? 'delete' : 'put',
        entry: ev.type === 'Delete'
          ? { key: ev.kv.key.toString(), value: '', createRevision: 0, modRevision: Number(ev.kv.mod_revision), version: 0, lease: NO_LEASE }
          : toEntry(ev.kv),
      }));
      const last = events[events.length - 1]!.entry.modRevision;
      next = last + 1;
      resumeAtNext();
      listener.events(events, last);
    });
    watcher.on('error', (err: Error) => {
      this.watchers.delete(watcher);
      const compacted = /compact/i.exec(err.message) !== null;
      listener.error(compacted ? new KvCompactedError(next - 1) : err);
    });
    return {
      cancel: async () => {
        this.watchers.delete(watcher);
        watcher.removeAllListeners('data');
        // etcd3 waits for etcd to confirm the cancellation; an unreachable etcd never does.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([watcher.cancel(), new Promise<void>((resolve) => { timer = setTimeout(resolve, 2000); })]);
        clearTimeout(timer);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watchers) w.removeAllListeners();
    this.watchers.clear();
    this.client.close();
  }
}

/** Keys per range request. */
const RANGE_PAGE = 2000;

function toEntry(kv: IKeyValue): KvEntry {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    lease: String(kv.lease ?? NO_LEASE),
  };
}

const RESULT: Record<Compare['op'], CompareResult> = {
  '==': CompareResult.Equal,
  '!=': CompareResult.NotEqual,
  '<': CompareResult.Less,
  '>': CompareResult.Greater,
};

function toCompare(c: Compare): ICompare {
  const key = Buffer.from(c.key);
  const result = RESULT[c.op];
  switch (c.target) {
    case 'version': return { key, result, target: CompareTarget.Version, version: c.value };
    case 'createRevision': return { key, result, target: CompareTarget.Create, create_revision: c.value };
    case 'modRevision': return { key, result, target: CompareTarget.Mod, mod_revision: c.value };
  }
}

function toRequestOp(op: Op): IRequestOp {
  switch (op.type) {
    case 'put': {
      const put = { key: Buffer.from(op.key), value: Buffer.from(op.value) };
      return { request_put: op.lease === undefined || op.lease === NO_LEASE ? put : { ...put, lease: op.lease } };
    }
    case 'delete':
      return { request_delete_range: { key: Buffer.from(op.key) } };
    case 'deletePrefix': {
      const key = Buffer.from(op.prefix);
      return { request_delete_range: { key, range_end: prefixEnd(key) } };
    }
  }
}

/** The end of the key range of a prefix: the prefix with its last byte below 0xff incremented. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
