/**
 * What the console shows of topics, gathered with the client's requests: Metadata for
 * partitions and replicas, ListOffsets for each partition's start and end, DescribeLogDirs
 * (asked of every broker) for the bytes each partition holds on disk.
 */
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from '../../client/offsets.js';
import type { TopicDescription } from '../../client/admin.js';
import type { KafkaClient } from '../../client/client.js';
import type { ConsoleSession } from './session.js';

export interface PartitionSummary {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  start_offset: number;
  end_offset: number;
  size_bytes: number;
}

export interface TopicSummary {
  name: string;
  topic_id: string;
  internal: boolean;
  partitions_count: number;
  replication_factor: number;
  /** Records between each partition's start and end, summed (compaction and markers make it an upper bound). */
  messages: number;
  size_bytes: number;
}

export interface TopicDetail extends TopicSummary {
  partitions: PartitionSummary[];
}

/** Bytes per topic and partition, the largest replica's (a follower catching up holds less). */
export async function logSizes(client: KafkaClient): Promise<Map<string, Map<number, number>>> {
  await client.metadata([]);
  const out = new Map<string, Map<number, number>>();
  await Promise.all(client.brokers().map(async (b) => {
    const conn = await client.node(b.nodeId);
    if (conn.brokerRange(ApiKey.DescribeLogDirs) === undefined) return;
    const r = await conn.request(ApiKey.DescribeLogDirs, { topics: null });
    // Authorization is checked per topic: a principal that may not describe the cluster sees none.
    if (r.errorCode !== ErrorCode.NONE) return;
    for (const dir of r.results) {
      if (dir.errorCode !== ErrorCode.NONE) continue;
      for (const t of dir.topics) {
        let m = out.get(t.name);
        if (m === undefined) out.set(t.name, m = new Map());
        for (const p of t.partitions) {
          if (p.isFutureKey) continue;
          m.set(p.partitionIndex, Math.max(m.get(p.partitionIndex) ?? 0, Number(p.partitionSize)));
        }
      }
    }
  }));
  return out;
}

/** Start and end offsets of every partition of a topic. */
export async function offsetRange(client: KafkaClient, topic: string): Promise<{ start: Map<number, bigint>; end: Map<number, bigint> }> {
  const [start, end] = await Promise.all([
    listOffsets(client, topic, null, EARLIEST_TIMESTAMP),
    listOffsets(client, topic, null, LATEST_TIMESTAMP),
  ]);
  return { start, end };
}

/** Every topic the session may describe, with sizes and record counts. */
export async function topicSummaries(session: ConsoleSession, includeInternal: boolean): Promise<TopicSummary[]> {
  const names = await session.admin.listTopics(includeInternal);
  if (names.length === 0) return [];
  const [descriptions, sizes] = await Promise.all([session.admin.describeTopics(names), logSizes(session.client)]);
  return Promise.all(descriptions.map(async (d) => summarize(d, sizes.get(d.name), await offsetRange(session.client, d.name)).summary));
}

/** One topic with its partitions; the client's UNKNOWN_TOPIC_OR_PARTITION (404) when it does not exist. */
export async function topicDetail(session: ConsoleSession, name: string): Promise<TopicDetail> {
  const [descriptions, sizes] = await Promise.all([session.admin.describeTopics([name]), logSizes(session.client)]);
  const d = descriptions[0]!;
  const { summary, partitions } = summarize(d, sizes.get(name), await offsetRange(session.client, name));
  return { ...summary, partitions };
}

function summarize(d: TopicDescription, sizes: Map<number, number> | undefined,
  range: { start: Map<number, bigint>; end: Map<number, bigint> }): { summary: TopicSummary; partitions: PartitionSummary[] } {
  const partitions = d.partitions.map((p) => ({
    partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr,
    start_offset: Number(range.start.get(p.partition) ?? 0n), end_offset: Number(range.end.get(p.partition) ?? 0n),
    size_bytes: sizes?.get(p.partition) ?? 0,
  }));
  return {
    summary: {
      name: d.name, topic_id: d.topicId, internal: d.internal, partitions_count: partitions.length,
      replication_factor: d.partitions[0]?.replicas.length ?? 0,
      messages: partitions.reduce((s, p) => s + (p.end_offset - p.start_offset), 0),
      size_bytes: partitions.reduce((s, p) => s + p.size_bytes, 0),
    },
    partitions,
  };
}
