import type { KafkaClient } from '../client/client.js';
import { Producer } from '../client/producer.js';
import type { ProducerOptions, ProducerRecord } from '../client/producer-types.js';
import { randomPayload } from './generator.js';
import { LatencyHistogram } from './histogram.js';
import { Pacer, sleep, yieldToIo } from './pacing.js';
import { Progress } from './progress.js';
import { rates, round, type PerfResult } from './report.js';

export interface ProduceRunOptions {
  client: KafkaClient;
  topic: string;
  numRecords: number;
  recordSize: number;
  /** Records/s to aim for; -1 unlimited. */
  throughput: number;
  producer: ProducerOptions;
  /** Live progress every this many ms (0: none). */
  reportingIntervalMs: number;
  onProgress?: (line: string) => void;
}

/** Records handed to the producer per turn of the event loop before its I/O gets a turn. */
const CHUNK_BYTES = 1024 * 1024;
/** Records sharing one send time and callback. */
const BLOCK = 16;

let completedAt = -1;
/**
 * The time now, read once per burst of completions: a produce response completes all of its
 * records in one synchronous loop, so they share one clock read.
 */
export function completionTime(): number {
  if (completedAt < 0) {
    completedAt = performance.now();
    queueMicrotask(resetCompletionTime);
  }
  return completedAt;
}

function resetCompletionTime(): void {
  completedAt = -1;
}

/**
 * Sends `numRecords` records of `recordSize` bytes as fast as allowed (or at `throughput`),
 * as Kafka's ProducerPerformance does, timing each from send to acknowledgement. The
 * producer pipelines: up to `maxInFlightPerBroker` produce requests wait on each connection.
 */
export async function runProduce(o: ProduceRunOptions): Promise<PerfResult> {
  const producer = new Producer(o.client, o.producer);
  const hist = new LatencyHistogram();
  const payload = randomPayload(o.recordSize);
  const record: ProducerRecord = { topic: o.topic, value: payload };
  const state = { acked: 0, errors: 0, firstError: null as string | null };
  // Look the topic up (auto-creating it) before the clock starts, as the Java tool's first send does.
  await producer.partitionsFor(o.topic);

  const progress = new Progress('produce', o.reportingIntervalMs, o.onProgress, hist, () => ({
    records: state.acked, bytes: state.acked * o.recordSize, inFlight: producer.inFlightRequests,
  }));
  const start = performance.now();
  const pacer = new Pacer(o.throughput, start);
  const chunk = Math.max(1, Math.floor(CHUNK_BYTES / Math.max(1, o.recordSize)));
  let sent = 0;
  // One callback (and one send time) per block of BLOCK records handed over together: the
  // records of a block are sent within microseconds of each other, and a clock read and a
  // closure per record cost more than the tool should.
  const onAck = (t0: number) => (err: Error | null): void => {
    if (err !== null) {
      state.errors++;
      state.firstError ??= err.message;
      return;
    }
    state.acked++;
    hist.recordMs(completionTime() - t0);
  };
  try {
    while (sent < o.numRecords) {
      if (producer.bufferedBytes >= (o.producer.bufferMemory ?? 32 * 1024 * 1024)) await producer.waitForBuffer();
      const allowed = Math.min(o.numRecords, pacer.allowed(), sent + chunk);
      if (allowed <= sent) {
        await sleep(Math.max(1, pacer.delayFor(sent)));
        continue;
      }
      while (sent < allowed) {
        const cb = onAck(performance.now());
        const end = Math.min(allowed, sent + BLOCK);
        for (; sent < end; sent++) producer.sendCallback(record, cb);
      }
      await yieldToIo();
    }
    await producer.flush();
  } finally {
    progress.stop();
    await producer.close().catch(() => {});
  }
  const elapsed = performance.now() - start;
  return {
    mode: 'produce',
    topic: o.topic,
    records: state.acked,
    bytes: state.acked * o.recordSize,
    record_size: o.recordSize,
    acks: acksName(o.producer.acks ?? -1),
    compression: o.producer.compression ?? 'none',
    throughput_limit: o.throughput > 0 ? o.throughput : -1,
    elapsed_s: round(elapsed / 1000, 3),
    ...rates(state.acked, state.acked * o.recordSize, elapsed),
    latency: hist.summary(),
    histogram: hist.buckets(),
    errors: state.errors,
    first_error: state.firstError,
    max_in_flight: producer.maxInFlightRequests,
    settings: producerSettings(o.producer),
  };
}

export function acksName(acks: number): string {
  return acks === -1 ? 'all' : String(acks);
}

export function producerSettings(p: ProducerOptions): Record<string, string | number | boolean> {
  return {
    batch_size: p.batchSize ?? 16384,
    linger_ms: p.lingerMs ?? 5,
    max_in_flight_per_broker: p.maxInFlightPerBroker ?? 5,
    idempotent: p.idempotent ?? false,
  };
}
