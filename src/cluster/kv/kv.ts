/**
 * The key-value store cluster metadata lives in: exactly what the metadata needs of etcd and
 * no more. Reads by key or prefix; writes only through transactions that compare what the
 * writer read (a key's version, create or mod revision), so two writers never both win;
 * leases that delete their keys when they expire; watches of a prefix from a revision.
 *
 * Two implementations: `EtcdKv` (etcd through the `etcd3` client) and `MemoryKv` (in this
 * process, with etcd's semantics: one revision counter, a revision per transaction, lease
 * expiry as one deletion, watches replayed from history). Keys are strings, values UTF-8 text.
 */

/** A lease id; etcd's are int64, kept as decimal text. '0' is no lease. */
export type LeaseId = string;

export const NO_LEASE: LeaseId = '0';

export interface KvEntry {
  key: string;
  value: string;
  /** Revision of the transaction that created the key (since its last deletion). */
  createRevision: number;
  /** Revision of the transaction that last changed it. */
  modRevision: number;
  /** Changes since creation: 1 when just created; 0 for a key that does not exist. */
  version: number;
  lease: LeaseId;
}

/** A transaction's guard on one key. A missing key has version, createRevision and modRevision 0. */
export interface Compare {
  key: string;
  target: 'version' | 'createRevision' | 'modRevision';
  op: '==' | '!=' | '<' | '>';
  value: number;
}

export type Op =
  | { type: 'put'; key: string; value: string; lease?: LeaseId }
  | { type: 'delete'; key: string }
  /** Deletes every key starting with `prefix`. */
  | { type: 'deletePrefix'; prefix: string };

export interface Txn {
  compares: readonly Compare[];
  success: readonly Op[];
  failure?: readonly Op[];
}

export interface TxnResult {
  succeeded: boolean;
  /** The store's revision after the transaction (its own revision when it wrote). */
  revision: number;
}

export interface RangeResult {
  entries: KvEntry[];
  /** The store revision the entries are a snapshot of; watch from `revision + 1`. */
  revision: number;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  /** For a delete: the key with value '' and the deletion's modRevision. */
  entry: KvEntry;
}

export interface WatchListener {
  /** Events of one or more revisions, in revision order; `revision` is the last one's. */
  events(events: readonly WatchEvent[], revision: number): void;
  /**
   * The watch ended and will deliver nothing more: KvCompactedError when the history it
   * needed is gone (re-read with `range` and watch again), else a failure to report.
   */
  error(err: Error): void;
}

export interface KvWatch {
  cancel(): Promise<void>;
}

export interface Kv {
  get(key: string): Promise<KvEntry | undefined>;
  /** Every key starting with `prefix`, in key order, with the revision they were read at. */
  range(prefix: string): Promise<RangeResult>;
  txn(txn: Txn): Promise<TxnResult>;
  grantLease(ttlSeconds: number): Promise<LeaseId>;
  /** Renews a lease; resolves with its TTL in seconds, 0 when it has expired or was revoked. */
  keepAlive(lease: LeaseId): Promise<number>;
  /** Revokes a lease, deleting its keys; a lease already gone is not an error. */
  revokeLease(lease: LeaseId): Promise<void>;
  /** Watches keys starting with `prefix`, from `fromRevision` on (history replayed first). */
  watch(prefix: string, fromRevision: number, listener: WatchListener): Promise<KvWatch>;
  close(): Promise<void>;
}

/** The history a watch asked for was compacted away. */
export class KvCompactedError extends Error {
  readonly compactRevision: number;
  constructor(compactRevision: number) {
    super(`required revision has been compacted (compact revision ${compactRevision})`);
    this.name = 'KvCompactedError';
    this.compactRevision = compactRevision;
  }
}

/** Shorthands for the guards the metadata uses. */
export const absent = (key: string): Compare => ({ key, target: 'version', op: '==', value: 0 });
export const present = (key: string): Compare => ({ key, target: 'version', op: '>', value: 0 });
export const modRevisionIs = (key: string, value: number): Compare => ({ key, target: 'modRevision', op: '==', value });
export const createRevisionIs = (key: string, value: number): Compare => ({ key, target: 'createRevision', op: '==', value });
