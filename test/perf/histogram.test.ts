import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../src/perf/histogram.js';
import { Pacer } from '../../src/perf/pacing.js';
import { E2E_HEADER_BYTES, randomPayload, sentTime, timestampedValue } from '../../src/perf/generator.js';
import { formatSummary, progressLine, rates, type PerfResult } from '../../src/perf/report.js';

test('latency histogram: percentiles, windows and power-of-two buckets', () => {
  const h = new LatencyHistogram();
  for (let i = 1; i <= 1000; i++) h.recordMs(i / 10); // 0.1 .. 100 ms
  const s = h.summary();
  assert.equal(s.count, 1000);
  assert.ok(Math.abs(s.p50_ms - 50) < 0.1, String(s.p50_ms));
  assert.ok(Math.abs(s.p99_ms - 99) < 0.1, String(s.p99_ms));
  assert.ok(Math.abs(s.max_ms - 100) < 0.1, String(s.max_ms));
  assert.ok(Math.abs(s.avg_ms - 50.05) < 0.1, String(s.avg_ms));
  const buckets = h.buckets();
  assert.equal(buckets.reduce((a, b) => a + b.count, 0), 1000);
  assert.equal(buckets[0]!.le_ms, 0.125);
  assert.equal(buckets.at(-1)!.le_ms, 128);
  // 0.1 ms lands in the first bucket (≤ 0.125), 64.1..100 in the last but one… (64, 128].
  assert.equal(buckets[0]!.count, 1);
  assert.equal(buckets.at(-1)!.count, 360);
  // The window holds what came since the last call only.
  assert.equal(h.window().count, 1000);
  h.recordMs(5);
  assert.equal(h.window().count, 1);
  assert.equal(h.summary().count, 1001);
  assert.deepEqual(new LatencyHistogram().buckets(), []);
  assert.equal(new LatencyHistogram().summary().p99_ms, 0);
});

test('pacer: records allowed by time at a rate, unlimited at -1', () => {
  const p = new Pacer(1000, 0);
  assert.equal(p.allowed(0), 1);
  assert.equal(p.allowed(10), 11);
  assert.equal(p.delayFor(20, 10), 10);
  assert.equal(p.delayFor(5, 10), 0);
  const u = new Pacer(-1, 0);
  assert.ok(u.unlimited);
  assert.equal(u.allowed(0), Infinity);
  assert.equal(u.delayFor(1e9, 0), 0);
});

test('payloads: random letters, and send times that read back', () => {
  const p = randomPayload(100);
  assert.equal(p.length, 100);
  assert.ok([...p].every((c) => c >= 65 && c < 91));
  const v = timestampedValue(p, 1_700_000_000_123.5);
  assert.equal(v.length, 100);
  assert.equal(sentTime(v), 1_700_000_000_123.5);
  assert.deepEqual(v.subarray(E2E_HEADER_BYTES), p.subarray(E2E_HEADER_BYTES));
  assert.equal(sentTime(p), undefined);
  assert.equal(sentTime(null), undefined);
  assert.equal(timestampedValue(randomPayload(4), 1).length, E2E_HEADER_BYTES);
});

test('report: rates in MB of 2^20 bytes, a summary with percentiles and bars, progress lines', () => {
  assert.deepEqual(rates(1000, 1024 * 1024, 500), { records_per_s: 2000, mb_per_s: 2 });
  const h = new LatencyHistogram();
  for (let i = 0; i < 100; i++) h.recordMs(1 + i);
  const result: PerfResult = {
    mode: 'produce', topic: 't', records: 100, bytes: 102400, record_size: 1024, acks: 'all', compression: 'lz4', throughput_limit: -1,
    elapsed_s: 1, records_per_s: 100, mb_per_s: 0.1, latency: h.summary(), histogram: h.buckets(), errors: 0, first_error: null,
    max_in_flight: 3, settings: {},
  };
  const text = formatSummary(result);
  assert.match(text, /^100 records of 1,024 B produced to t in 1\.00 s \(acks=all, compression=lz4\)/);
  assert.match(text, /p50 \S+ +p95 \S+ +p99 \S+ +p99\.9 \S+ +max 100\n/);
  assert.match(text, /histogram \(ms\):\n {4}<= +1 /);
  assert.match(text, /up to 3 in flight/);
  const line = progressLine('produce', 2000, 5000, 2500, 2500 * 1024, 1000, h.window(), 4);
  assert.equal(line, 'perf produce: 2.0 s, 5,000 records, 2,500 records/s, 2.4 MB/s, p99 99.0 ms, max 100 ms, 4 requests in flight\n');
});
