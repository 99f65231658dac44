/**
 * The highest version of each API the client's code speaks, where that is below the codec's:
 * the generated codecs follow Kafka's specs (Kafka 4.4), but a newer version can change what a
 * request means (topic ids in place of names, new fields the caller must fill), so the client
 * moves to one only when its code handles it. APIs not listed go up to the codec's maximum.
 */
import { ApiKey } from '../protocol/generated/api-keys.js';

const CAPS: ReadonlyArray<readonly [number, number]> = [
  [ApiKey.Produce, 12], // v13 names topics by id (KIP-516)
  [ApiKey.Fetch, 17], // v18 adds a follower's high watermark (KIP-1166)
  [ApiKey.ListOffsets, 10], // v11 adds the earliest-pending-upload timestamp (KIP-1023)
  [ApiKey.OffsetCommit, 9], // v10 names topics by id (KIP-848)
  [ApiKey.OffsetFetch, 9], // v10 names topics by id (KIP-848)
  [ApiKey.ApiVersions, 4], // v5 checks cluster and node ids (KIP-1242)
  [ApiKey.DescribeLogDirs, 4], // v5 adds cordoned log dirs
  [ApiKey.DeleteGroups, 2], // v3 adds per-group error messages
  [ApiKey.InitProducerId, 5], // v6 adds two-phase commit (KIP-939)
  [ApiKey.TxnOffsetCommit, 5], // v6 names topics by id (KIP-1319)
  [ApiKey.ListTransactions, 1], // v2 adds a transactional id pattern (KIP-1152)
  [ApiKey.WriteTxnMarkers, 1], // v2 adds the transaction version (KIP-1228)
  [ApiKey.AlterPartitionReassignments, 0], // v1 can forbid replication factor changes
];

const byKey: number[] = [];
for (const [key, max] of CAPS) byKey[key] = max;

/** The client's own highest version of `apiKey`; Infinity where the codec's maximum applies. */
export function clientMaxVersion(apiKey: number): number {
  return byKey[apiKey] ?? Number.POSITIVE_INFINITY;
}
