/**
 * A min.insync.replicas change clears eligible leader replicas (KIP-966), as Kafka 4.4's
 * ConfigurationControlManager.createClearElrRecordsAsNeeded does while
 * `eligible.leader.replicas.version` is 1: a topic's own config clears its partitions' ELR and
 * LastKnownELR, a cluster-wide or per-broker one every topic's. The ELR was computed against the
 * old min ISR, so it no longer says who holds every committed record. Here the broker that
 * wrote the config writes the clears right after it, each a compare-and-swap of the partition
 * record (partition-writes.ts), as the controller's ClearElrRecord would.
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import { encodeRecord } from './cluster-keys.js';
import { elrEnabled, withElr } from './elr.js';
import { modRevisionIs, type Kv } from './kv/kv.js';
import type { MetadataImage } from './metadata-image.js';
import { writePartitionChanges, type PlannedChange } from './partition-writes.js';

const MIN_ISR = 'min.insync.replicas';

/** Whether the configs' min.insync.replicas differs between `before` and `after` (set, changed or removed). */
export function minIsrChanged(before: Readonly<Record<string, string>> | undefined, after: Readonly<Record<string, string>>): boolean {
  return before?.[MIN_ISR] !== after[MIN_ISR];
}

interface PartitionRef {
  topic: string;
  partition: number;
}

/** The clears of the partitions of `topics` (null: every topic) that hold an ELR or LastKnownELR. */
export function planElrClears(image: MetadataImage, topics: readonly string[] | null, refs: readonly PartitionRef[] | null): PlannedChange[] {
  const out: PlannedChange[] = [];
  const one = (topic: string, partition: number): void => {
    const p = image.partitionRecords.get(topic)?.get(partition);
    if (p === undefined || (p.record.elr === undefined && p.record.lastKnownElr === undefined)) return;
    const key = image.keys.partition(topic, partition);
    const cleared = withElr({ ...p.record, partitionEpoch: p.record.partitionEpoch + 1 }, { elr: [], lastKnownElr: [] });
    out.push({ topic, partition, errorCode: ErrorCode.NONE, compare: modRevisionIs(key, p.modRevision), op: { type: 'put', key, value: encodeRecord(cleared) } });
  };
  if (refs !== null) {
    for (const r of refs) one(r.topic, r.partition);
    return out;
  }
  for (const topic of topics ?? [...image.topicRecords.keys()]) {
    for (const partition of image.partitionRecords.get(topic)?.keys() ?? []) one(topic, partition);
  }
  return out;
}

/**
 * After a min.insync.replicas change of `topic` (null: a cluster-wide or broker config), clears
 * the ELR fields it makes stale, when ELR is on; resolves once the image holds the clears.
 */
export async function clearElrsAfterMinIsrChange(kv: Kv, image: MetadataImage, topic: string | null, waitForRevision: (revision: number) => Promise<void>): Promise<void> {
  if (!elrEnabled(image.features)) return;
  const topics = topic === null ? null : [topic];
  await writePartitionChanges<PlannedChange, PartitionRef>(kv, null, (refs) => planElrClears(image, topics, refs), (e) => ({ topic: e.topic, partition: e.partition }), waitForRevision);
}
