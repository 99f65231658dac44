/**
 * What a broker's registration carries beyond its endpoint, kept apart from the store that
 * writes it: the previous broker epoch check of KIP-966 (an unclean shutdown takes a broker out
 * of every ELR) and the log directories of KIP-1066 (the controller places no replica on a broker
 * whose every directory is cordoned).
 */
import type { BrokerRecord, ClusterKeys } from './cluster-keys.js';
import { encodeRecord } from './cluster-keys.js';
import type { ClusterLogger } from './cluster-logger.js';
import { createRevisionIs, type Kv } from './kv/kv.js';

/**
 * ClusterControlManager.registerBroker's check: a broker whose previous broker epoch (its
 * clean-shutdown markers', -1 without) is not the epoch of its last registration did not shut
 * down cleanly. A broker never registered before has no ELR to leave.
 */
export async function shutDownUncleanly(kv: Kv, keys: ClusterKeys, nodeId: number, previousBrokerEpoch: number | undefined): Promise<boolean> {
  const last = await kv.get(keys.lastBrokerEpoch(nodeId));
  if (last === undefined) return false;
  return Number(last.value) !== (previousBrokerEpoch ?? -1);
}

/** Keeps a registration's epoch past its session, for the next registration's check. */
export async function recordBrokerEpoch(kv: Kv, keys: ClusterKeys, nodeId: number, registrationKey: string, epoch: number, logger: ClusterLogger): Promise<void> {
  try {
    await kv.txn({ compares: [createRevisionIs(registrationKey, epoch)], success: [{ type: 'put', key: keys.lastBrokerEpoch(nodeId), value: String(epoch) }] });
  } catch (err) {
    // The next start then finds an older epoch and counts as unclean: the safe side.
    logger.warn({ err: (err as Error).message }, 'could not record the broker epoch');
  }
}

function sameDirs(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Rewrites a live registration with new log directories (Kafka's broker sends them in its
 * heartbeats and the controller records a BrokerRegistrationChangeRecord): the same lease, so
 * the broker epoch stays. Writes nothing when they did not change.
 */
export async function rewriteRegistrationDirs(
  kv: Kv, key: string, mine: { record: BrokerRecord; createRevision: number }, lease: string, logDirs: string[], cordonedLogDirs: string[],
): Promise<void> {
  if (sameDirs(mine.record.logDirs, logDirs) && sameDirs(mine.record.cordonedLogDirs, cordonedLogDirs)) return;
  const record: BrokerRecord = { ...mine.record, logDirs, cordonedLogDirs };
  await kv.txn({ compares: [createRevisionIs(key, mine.createRevision)], success: [{ type: 'put', key, value: encodeRecord(record), lease }] });
}
