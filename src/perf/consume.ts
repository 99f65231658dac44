import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { KafkaClient } from '../client/client.js';
import { KafkaResponseError } from '../client/errors.js';
import { Fetcher, type FetcherOptions } from '../client/fetcher.js';
import { LatencyHistogram } from './histogram.js';
import { Progress } from './progress.js';
import { rates, round, type PerfResult } from './report.js';
import { ZERO_UUID } from '../protocol/primitives/codec-helpers.js';

export interface ConsumeRunOptions {
  client: KafkaClient;
  topic: string;
  numRecords: number;
  fetcher: FetcherOptions;
  /** Stop when no record arrives for this long (Kafka's ConsumerPerformance --timeout, 10000). */
  timeoutMs: number;
  /** Commit the final positions for this group (so `group describe` shows them). */
  group?: string;
  reportingIntervalMs: number;
  onProgress?: (line: string) => void;
}

/**
 * Reads `numRecords` records of `topic` from the beginning of every partition, without a
 * group (as kcat -C and ConsumerPerformance with assign do), decoding each record; the
 * histogram holds the time of each poll that returned records.
 */
export async function runConsume(o: ConsumeRunOptions): Promise<PerfResult> {
  const partitions = [...(await o.client.retrying(() => o.client.leaders(o.topic))).keys()].sort((a, b) => a - b);
  const fetcher = new Fetcher(o.client, { autoOffsetReset: 'earliest', ...o.fetcher });
  fetcher.assign(partitions.map((partition) => ({ topic: o.topic, partition, offset: -2n })));
  const hist = new LatencyHistogram();
  let records = 0;
  let bytes = 0;
  const progress = new Progress('consume', o.reportingIntervalMs, o.onProgress, hist, () => ({ records, bytes, inFlight: null }));
  const start = performance.now();
  let lastRecordAt = start;
  let end = start;
  try {
    while (records < o.numRecords) {
      const t0 = performance.now();
      const got = await fetcher.poll();
      const t1 = performance.now();
      if (got.length === 0) {
        if (t1 - lastRecordAt >= o.timeoutMs) break;
        continue;
      }
      hist.recordMs(t1 - t0);
      lastRecordAt = t1;
      const take = Math.min(got.length, o.numRecords - records);
      for (let i = 0; i < take; i++) {
        const r = got[i]!;
        bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
      }
      records += take;
      end = t1;
    }
    if (o.group !== undefined) await commit(o.client, o.group, o.topic, partitions.map((p) => [p, fetcher.position(o.topic, p)] as const));
  } finally {
    progress.stop();
    fetcher.close();
  }
  const elapsed = (records > 0 ? end : performance.now()) - start;
  return {
    mode: 'consume',
    topic: o.topic,
    records,
    bytes,
    record_size: records > 0 ? Math.round(bytes / records) : null,
    acks: null,
    compression: null,
    throughput_limit: -1,
    elapsed_s: round(elapsed / 1000, 3),
    ...rates(records, bytes, elapsed),
    latency: hist.summary(),
    histogram: hist.buckets(),
    errors: records < o.numRecords ? 1 : 0,
    first_error: records < o.numRecords ? `only ${records} of ${o.numRecords} records arrived within ${o.timeoutMs} ms of the last one` : null,
    max_in_flight: null,
    settings: { max_wait_ms: o.fetcher.maxWaitMs ?? 500, max_partition_bytes: o.fetcher.maxPartitionBytes ?? 1_048_576, group: o.group ?? '' },
  };
}

/** Commits positions for a group outside any generation (as kafka-consumer-groups' resets do). */
async function commit(client: KafkaClient, group: string, topic: string, positions: readonly (readonly [number, bigint | undefined])[]): Promise<void> {
  const partitions = positions.filter(([, o]) => o !== undefined).map(([p, o]) => ({
    partitionIndex: p, committedOffset: o!, committedLeaderEpoch: -1, committedMetadata: '',
  }));
  if (partitions.length === 0) return;
  await client.retrying(async () => {
    const coord = await client.coordinator(group);
    const r = await coord.request(ApiKey.OffsetCommit, {
      groupId: group, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: topic, topicId: ZERO_UUID, partitions }],
    });
    for (const t of r.topics) for (const p of t.partitions) {
      if (p.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(p.errorCode, `OffsetCommit for ${group} ${topic}-${p.partitionIndex}`);
    }
  });
}
