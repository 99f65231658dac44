import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { KafkaClient } from './client.js';
import { KafkaResponseError } from './errors.js';

/** ListOffsets' special timestamps. */
export const EARLIEST_TIMESTAMP = -2n;
export const LATEST_TIMESTAMP = -1n;
/** The offset of the record with the largest timestamp (ListOffsets v7+, KIP-734). */
export const MAX_TIMESTAMP = -3n;

export interface ListedOffset {
  partition: number;
  /** -1n when no record has a timestamp at or after the one asked for. */
  offset: bigint;
  /** The found record's timestamp (-1n for earliest and latest). */
  timestamp: bigint;
  leaderEpoch: number;
}

export interface ListOffsetsOptions {
  /** 0: read_uncommitted (the high watermark), 1: read_committed (the last stable offset). */
  isolationLevel?: 0 | 1;
}

/**
 * The offset of each partition of `topic` at `timestamp`: -2n the log start (earliest),
 * -1n the log end (latest), -3n the record with the largest timestamp, or a time in ms (the
 * first record at or after it). `partitions` null means every partition. Each leader is asked
 * for its own partitions; a leader change or a topic still being created is retried.
 */
export async function listOffsets(client: KafkaClient, topic: string, partitions: readonly number[] | null,
  timestamp: bigint, options: ListOffsetsOptions = {}): Promise<Map<number, bigint>> {
  const detailed = await listOffsetsDetailed(client, topic, partitions, timestamp, options);
  const out = new Map<number, bigint>();
  for (const [p, o] of detailed) out.set(p, o.offset);
  return out;
}

/** listOffsets with each answer's timestamp and leader epoch. */
export async function listOffsetsDetailed(client: KafkaClient, topic: string, partitions: readonly number[] | null,
  timestamp: bigint, options: ListOffsetsOptions = {}): Promise<Map<number, ListedOffset>> {
  const result = new Map<number, ListedOffset>();
  await client.retrying(async () => {
    const leaders = await client.leaders(topic);
    const wanted = partitions ?? [...leaders.keys()].sort((a, b) => a - b);
    const byLeader = new Map<number, number[]>();
    for (const p of wanted) {
      if (result.has(p)) continue;
      const leader = leaders.get(p);
      if (leader === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `ListOffsets for ${topic}-${p}`, 'no such partition');
      if (leader < 0) throw new KafkaResponseError(ErrorCode.LEADER_NOT_AVAILABLE, `ListOffsets for ${topic}-${p}`);
      let list = byLeader.get(leader);
      if (list === undefined) byLeader.set(leader, list = []);
      list.push(p);
    }
    let retriable: KafkaResponseError | undefined;
    await Promise.all([...byLeader].map(async ([leader, ps]) => {
      const conn = await client.node(leader);
      const v = conn.version(ApiKey.ListOffsets);
      if (timestamp === MAX_TIMESTAMP && v < 7) {
        throw new KafkaResponseError(ErrorCode.UNSUPPORTED_VERSION, `ListOffsets for ${topic}`, 'the max-timestamp lookup needs ListOffsets v7');
      }
      const r = await conn.request(ApiKey.ListOffsets, {
        replicaId: -1,
        isolationLevel: options.isolationLevel ?? 0,
        topics: [{ name: topic, partitions: ps.map((p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp })) }],
        timeoutMs: 30_000,
      }, v);
      for (const t of r.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== ErrorCode.NONE) {
            const err = new KafkaResponseError(p.errorCode, `ListOffsets for ${topic}-${p.partitionIndex}`);
            if (!err.retriable) throw err;
            retriable = err;
            continue;
          }
          result.set(p.partitionIndex, { partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch });
        }
      }
    }));
    if (retriable !== undefined) throw retriable;
  });
  return new Map([...result].sort((a, b) => a[0] - b[0]));
}
