/**
 * ElectLeaders against the key-value store: the elections planned over this broker's image
 * (leader-election.ts) are written in transactions of up to MAX_PARTITIONS_PER_TXN partitions,
 * each compare-and-swapping the partition record it was computed from, the way a leader's
 * AlterPartition is written. A transaction that loses a race (the controller or a leader
 * changed one of its partitions meanwhile) is planned again once the image holds the news, so
 * the answer is computed from the partition as it is, never written over it.
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import type { Compare, Kv, Op } from './kv/kv.js';
import type { MetadataImage } from './metadata-image.js';
import { MAX_PARTITIONS_PER_TXN } from './controller.js';
import { planElections, type ElectionResult, type PartitionRef, type PlannedElection } from './leader-election.js';

export type { ElectionResult, PartitionRef } from './leader-election.js';

/** Rounds of planning again after lost races before giving a partition up. */
const MAX_ATTEMPTS = 5;

export async function electLeaders(
  kv: Kv,
  image: MetadataImage,
  type: number,
  partitions: readonly PartitionRef[] | null,
  waitForRevision: (revision: number) => Promise<void>,
): Promise<ElectionResult[]> {
  const all = partitions === null;
  const results: ElectionResult[] = [];
  let planned = planElections(image, type, partitions);
  let written = 0;
  for (let attempt = 1; ; attempt++) {
    const raced: PartitionRef[] = [];
    let seen = 0;
    for (const e of planned) if (e.op === null) results.push(result(e));
    const writes = planned.filter((e) => e.op !== null);
    for (let from = 0; from < writes.length; from += MAX_PARTITIONS_PER_TXN) {
      const batch = writes.slice(from, from + MAX_PARTITIONS_PER_TXN);
      const compares: Compare[] = batch.map((e) => e.compare!);
      const ops: Op[] = batch.map((e) => e.op!);
      const r = await kv.txn({ compares, success: ops });
      if (r.succeeded) {
        written = Math.max(written, r.revision);
        for (const e of batch) results.push(result(e));
      } else {
        seen = Math.max(seen, r.revision);
        for (const e of batch) raced.push({ topic: e.topic, partition: e.partition });
      }
    }
    if (raced.length === 0) break;
    if (attempt >= MAX_ATTEMPTS) {
      for (const r of raced) results.push({ ...r, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR });
      break;
    }
    await waitForRevision(seen);
    planned = planElections(image, type, raced);
    // Asked for every partition, one that needs no election any more is left out, as the rest are.
    if (all) planned = planned.filter((e) => e.errorCode !== ErrorCode.ELECTION_NOT_NEEDED);
  }
  if (written > 0) await waitForRevision(written);
  return results;
}

function result(e: PlannedElection): ElectionResult {
  return { topic: e.topic, partition: e.partition, errorCode: e.errorCode };
}
