/**
 * ElectLeaders against the key-value store: the elections planned over this broker's image
 * (leader-election.ts), written as guarded partition changes (partition-writes.ts).
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import type { Kv } from './kv/kv.js';
import type { MetadataImage } from './metadata-image.js';
import { planElections, type ElectionResult, type PartitionRef } from './leader-election.js';
import { writePartitionChanges } from './partition-writes.js';

export type { ElectionResult, PartitionRef } from './leader-election.js';

export async function electLeaders(
  kv: Kv,
  image: MetadataImage,
  type: number,
  partitions: readonly PartitionRef[] | null,
  waitForRevision: (revision: number) => Promise<void>,
): Promise<ElectionResult[]> {
  const all = partitions === null;
  const planned = await writePartitionChanges(
    kv,
    partitions,
    (refs) => {
      const p = planElections(image, type, refs);
      // Asked for every partition, one that needs no election after a lost race is left out, as the rest are.
      return all && refs !== null ? p.filter((e) => e.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) : p;
    },
    (e) => ({ topic: e.topic, partition: e.partition }),
    waitForRevision,
  );
  return planned.map((e) => ({ topic: e.topic, partition: e.partition, errorCode: e.errorCode }));
}
