/**
 * Admin-requested partition changes (ElectLeaders, AlterPartitionReassignments) written to the
 * key-value store by the broker that received them, as the controller would write them: in
 * transactions of up to MAX_PARTITIONS_PER_TXN partitions, each compare-and-swapping the
 * partition record it was computed from, the way a leader's AlterPartition is written. A
 * transaction that loses a race (the controller or a leader changed one of its partitions
 * meanwhile) is planned again once the image holds the news, so an answer is computed from the
 * partition as it is, never written over it.
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import type { Compare, Kv, Op } from './kv/kv.js';
import { MAX_PARTITIONS_PER_TXN } from './controller.js';

/** Rounds of planning again after lost races before giving a partition up. */
const MAX_ATTEMPTS = 5;

export interface PlannedChange {
  topic: string;
  partition: number;
  errorCode: number;
  /** The guarded write; null when the change was refused or is not needed. */
  compare: Compare | null;
  op: Op | null;
}

/**
 * Writes what `plan` makes of `refs` (null: the planner's own choice of partitions), planning
 * the partitions of a lost race again over the newer image; resolves, once the image holds the
 * writes, with every partition's plan (UNKNOWN_SERVER_ERROR for one that kept losing).
 */
export async function writePartitionChanges<P extends PlannedChange, R extends { topic: string; partition: number }>(
  kv: Kv,
  refs: readonly R[] | null,
  plan: (refs: readonly R[] | null) => P[],
  again: (p: P) => R,
  waitForRevision: (revision: number) => Promise<void>,
): Promise<P[]> {
  const results: P[] = [];
  let planned = plan(refs);
  let written = 0;
  for (let attempt = 1; ; attempt++) {
    const raced: P[] = [];
    let seen = 0;
    for (const e of planned) if (e.op === null) results.push(e);
    for (const batch of batches(planned.filter((e) => e.op !== null))) {
      const compares: Compare[] = batch.map((e) => e.compare!);
      const ops: Op[] = batch.map((e) => e.op!);
      const r = await kv.txn({ compares, success: ops });
      if (r.succeeded) {
        written = Math.max(written, r.revision);
        results.push(...batch);
      } else {
        seen = Math.max(seen, r.revision);
        raced.push(...batch);
      }
    }
    if (raced.length === 0) break;
    if (attempt >= MAX_ATTEMPTS) {
      for (const e of raced) results.push({ ...e, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, compare: null, op: null });
      break;
    }
    await waitForRevision(seen);
    planned = plan(raced.map(again));
  }
  if (written > 0) await waitForRevision(written);
  return results;
}

/**
 * Transactions of up to MAX_PARTITIONS_PER_TXN writes, never two of one key (etcd refuses a
 * transaction that puts a key twice): a partition named twice in one request goes to a later
 * transaction, where its compare fails and it is planned again over the first one's outcome.
 */
function batches<P extends PlannedChange>(writes: readonly P[]): P[][] {
  const out: P[][] = [];
  let batch: P[] = [];
  let keys = new Set<string>();
  for (const w of writes) {
    const key = w.op!.type === 'put' ? w.op!.key : '';
    if (batch.length >= MAX_PARTITIONS_PER_TXN || keys.has(key)) {
      out.push(batch);
      batch = [];
      keys = new Set();
    }
    batch.push(w);
    keys.add(key);
  }
  if (batch.length > 0) out.push(batch);
  return out;
}
