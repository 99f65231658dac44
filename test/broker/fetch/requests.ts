import { defaultFetchPartition, defaultFetchRequest, type FetchPartition, type FetchRequest } from '../../../src/protocol/generated/fetch-request.js';
import type { FetchResponse, PartitionData } from '../../../src/protocol/generated/fetch-response.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

export interface TopicSpec {
  topic?: string;
  topicId?: Buffer;
  partitions: Array<Partial<FetchPartition> & { partition: number }>;
}

/** A Fetch request that does not wait, with 1 MiB per partition unless told otherwise. */
export function fetchRequest(topics: TopicSpec[], opts: Partial<FetchRequest> = {}): FetchRequest {
  return {
    ...defaultFetchRequest(),
    maxWaitMs: 0,
    minBytes: 1,
    ...opts,
    topics: topics.map((t) => ({
      topic: t.topic ?? '',
      topicId: t.topicId ?? ZERO_UUID,
      partitions: t.partitions.map((p) => ({ ...defaultFetchPartition(), partitionMaxBytes: 1 << 20, ...p })),
    })),
  };
}

/** Partitions of a response as `topic-or-id:partition` → data. */
export function partitionsOf(res: FetchResponse): Map<string, PartitionData> {
  const out = new Map<string, PartitionData>();
  for (const t of res.responses) {
    const name = t.topic !== '' ? t.topic : t.topicId.toString('hex');
    for (const p of t.partitions) out.set(`${name}:${p.partitionIndex}`, p);
  }
  return out;
}

export function onlyPartition(res: FetchResponse): PartitionData {
  const all = [...partitionsOf(res).values()];
  if (all.length !== 1) throw new Error(`expected one partition, got ${all.length}`);
  return all[0]!;
}
