import type { KafkaClient } from '../client/client.js';
import { Fetcher, type FetcherOptions } from '../client/fetcher.js';
import { LATEST_TIMESTAMP, listOffsets } from '../client/offsets.js';
import { Producer } from '../client/producer.js';
import type { ProducerOptions } from '../client/producer-types.js';
import { nowMs, randomPayload, sentTime, timestampedValue } from './generator.js';
import { LatencyHistogram } from './histogram.js';
import { Pacer, sleep, yieldToIo } from './pacing.js';
import { Progress } from './progress.js';
import { acksName, producerSettings } from './produce.js';
import { rates, round, type PerfResult } from './report.js';

export interface E2eRunOptions {
  client: KafkaClient;
  topic: string;
  numRecords: number;
  recordSize: number;
  throughput: number;
  producer: ProducerOptions;
  fetcher: FetcherOptions;
  /** Give up when no record arrives for this long. */
  timeoutMs: number;
  reportingIntervalMs: number;
  onProgress?: (line: string) => void;
}

const CHUNK_RECORDS = 1000;

/**
 * Produces records that carry their send time at `throughput` while a fetcher in the same
 * process reads the topic from its current end; each record's latency is the time from
 * send to being returned by poll() (Kafka's EndToEndLatency, at a rate instead of one
 * record at a time). Records without the send-time marker (other producers) are ignored.
 */
export async function runE2e(o: E2eRunOptions): Promise<PerfResult> {
  const producer = new Producer(o.client, o.producer);
  const partitions = await producer.partitionsFor(o.topic);
  const ends = await listOffsets(o.client, o.topic, null, LATEST_TIMESTAMP);
  const fetcher = new Fetcher(o.client, { maxWaitMs: 100, ...o.fetcher, autoOffsetReset: 'latest' });
  fetcher.assign(Array.from({ length: partitions }, (_, partition) => ({ topic: o.topic, partition, offset: ends.get(partition) ?? -1n })));
  const hist = new LatencyHistogram();
  const payload = randomPayload(o.recordSize);
  const state = { received: 0, bytes: 0, errors: 0, firstError: null as string | null, producing: true };
  const progress = new Progress('e2e', o.reportingIntervalMs, o.onProgress, hist, () => ({
    records: state.received, bytes: state.bytes, inFlight: producer.inFlightRequests,
  }));
  const onAck = (err: Error | null) => {
    if (err === null) return;
    state.errors++;
    state.firstError ??= err.message;
  };

  const start = performance.now();
  const consuming = (async () => {
    let last = performance.now();
    while (state.received < o.numRecords) {
      const got = await fetcher.poll();
      const now = nowMs();
      for (const r of got) {
        const sent = sentTime(r.value);
        if (sent === undefined) continue;
        hist.recordMs(Math.max(0, now - sent));
        state.received++;
        state.bytes += r.value!.length;
      }
      if (got.length > 0) last = performance.now();
      else if (!state.producing && performance.now() - last >= o.timeoutMs) break;
      if (state.errors > 0 && !state.producing) break;
    }
  })();

  const pacer = new Pacer(o.throughput, start);
  let sent = 0;
  try {
    while (sent < o.numRecords) {
      if (producer.bufferedBytes >= (o.producer.bufferMemory ?? 32 * 1024 * 1024)) await producer.waitForBuffer();
      const allowed = Math.min(o.numRecords, pacer.allowed(), sent + CHUNK_RECORDS);
      if (allowed <= sent) {
        await sleep(Math.max(1, pacer.delayFor(sent)));
        continue;
      }
      for (; sent < allowed; sent++) producer.sendCallback({ topic: o.topic, value: timestampedValue(payload, nowMs()) }, onAck);
      await yieldToIo();
    }
    await producer.flush();
  } finally {
    state.producing = false;
    await producer.close().catch(() => {});
  }
  try {
    await consuming;
  } finally {
    progress.stop();
    fetcher.close();
  }
  const elapsed = performance.now() - start;
  const missing = o.numRecords - state.received;
  return {
    mode: 'e2e',
    topic: o.topic,
    records: state.received,
    bytes: state.bytes,
    record_size: Math.max(o.recordSize, 12),
    acks: acksName(o.producer.acks ?? -1),
    compression: o.producer.compression ?? 'none',
    throughput_limit: o.throughput > 0 ? o.throughput : -1,
    elapsed_s: round(elapsed / 1000, 3),
    ...rates(state.received, state.bytes, elapsed),
    latency: hist.summary(),
    histogram: hist.buckets(),
    errors: state.errors + (missing > 0 && state.errors === 0 ? 1 : 0),
    first_error: state.firstError ?? (missing > 0 ? `${missing} of ${o.numRecords} records were not read back within ${o.timeoutMs} ms` : null),
    max_in_flight: producer.maxInFlightRequests,
    settings: { ...producerSettings(o.producer), max_wait_ms: o.fetcher.maxWaitMs ?? 100 },
  };
}
