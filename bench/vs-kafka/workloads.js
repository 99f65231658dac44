// The workloads of issue 7, run with tools we did not write: Kafka's own Java load tools
// (ProducerPerformance, ConsumerPerformance, EndToEndLatency from kafka-tools) and kcat
// (librdkafka). Each returns the metrics of one run entry; the broker's RSS and CPU are added
// by the caller.

import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIBS_DIR, KAFKA_JVM_PERFORMANCE_OPTS } from '../../tools/kafka/kafka-process.js';
import { round, run } from './proc.js';

const MiB = 1024 * 1024;

/**
 * @typedef {object} Sizes
 * @property {number} records1k    records for the 1 KiB produce/consume workloads (issue: 2M)
 * @property {number} records100b  records for the 100 B produce workload (and the 100 B consumes over its topic)
 * @property {number} e2eMessages  round trips for EndToEndLatency
 * @property {number} kcatRecords  1 KiB records for the kcat produce/consume workloads
 * @property {number} e2eRateRecords 1 KiB records for the end-to-end run at a fixed 20 MB/s
 */

/**
 * @typedef {object} Ctx
 * @property {'kafka'|'millrace'} system
 * @property {string} bootstrap
 * @property {Sizes} sizes
 * @property {string} logFile     tool output is appended here
 * @property {string} kcatFile    pre-generated newline-delimited 1 KiB records
 * @property {string} [payloadFile] newline-delimited 1 KiB JSON-like records (payload.js) for the compressed workloads
 * @property {string} [java]
 * @property {string} [libsDir]
 * @property {string} [millraceRoot] a built Millrace whose `millrace perf` drives the fixed-rate run
 */

function java(ctx, heap, mainClass, args, timeoutMs = 600000) {
  const bin = ctx.java ?? 'java';
  return run(bin, [heap, ...KAFKA_JVM_PERFORMANCE_OPTS, '-cp', path.join(ctx.libsDir ?? DEFAULT_LIBS_DIR, '*'), mainClass, ...args], {
    logFile: ctx.logFile,
    timeoutMs,
  });
}

/** The topics the workloads use (6 partitions, as in the issue; EndToEndLatency's topic has 1, as the tool creates it). */
export const TOPICS = [
  { name: 'perf-1k-acks1', partitions: 6 },
  { name: 'perf-1k-acksall', partitions: 6 },
  { name: 'perf-100b-acks1', partitions: 6 },
  { name: 'perf-1k-lz4', partitions: 6 },
  { name: 'perf-1k-zstd', partitions: 6 },
  { name: 'e2e-1k', partitions: 1 },
  { name: 'kcat-1k', partitions: 6 },
  { name: 'kcat-1k-acks1', partitions: 6 },
  { name: 'e2e-20mbs-1k', partitions: 6 },
];

/** Old workload names still accepted by --workloads (results files keep the name they were run under). */
export const ALIASES = { 'kcat-produce-1k': 'kcat-produce-1k-acksall' };

/** Creates the topics with Kafka's TopicCommand (kafka-topics.sh). */
export async function createTopics(ctx) {
  for (const t of TOPICS) {
    const r = await java(ctx, '-Xmx256M', 'org.apache.kafka.tools.TopicCommand', [
      '--bootstrap-server',
      ctx.bootstrap,
      '--create',
      '--topic',
      t.name,
      '--partitions',
      String(t.partitions),
      '--replication-factor',
      '1',
    ], 120000);
    if (r.code !== 0) throw new Error(`creating topic ${t.name} failed: ${lastLines(r.stdout + r.stderr)}`);
  }
}

function lastLines(text, n = 3) {
  return text.trim().split('\n').filter((l) => !/^\s+at /.test(l)).slice(-n).join(' | ');
}

const PRODUCER_PERF_LINE =
  /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/;

/** Parses ProducerPerformance's final summary line. */
export function parseProducerPerformance(text) {
  const lines = text.split('\n').filter((l) => PRODUCER_PERF_LINE.test(l));
  if (lines.length === 0) return null;
  const m = /** @type {RegExpExecArray} */ (PRODUCER_PERF_LINE.exec(lines[lines.length - 1]));
  return {
    records: Number(m[1]),
    records_per_s: Number(m[2]),
    mb_per_s: Number(m[3]),
    avg_ms: Number(m[4]),
    max_ms: Number(m[5]),
    p50_ms: Number(m[6]),
    p95_ms: Number(m[7]),
    p99_ms: Number(m[8]),
    p999_ms: Number(m[9]),
  };
}

/** Parses EndToEndLatency's "Avg latency" and "Percentiles" lines. */
export function parseEndToEndLatency(text) {
  const avg = /Avg latency: ([\d.]+) ms/.exec(text);
  const p = /Percentiles: 50th = (\d+), 99th = (\d+), 99\.9th = (\d+)/.exec(text);
  if (!avg || !p) return null;
  return { avg_ms: Number(avg[1]), p50_ms: Number(p[1]), p99_ms: Number(p[2]), p999_ms: Number(p[3]) };
}

/** Parses ConsumerPerformance's CSV header + data line into { column: value }. */
export function parseConsumerPerformance(text) {
  const lines = text.split('\n').map((l) => l.trim());
  const h = lines.findIndex((l) => l.startsWith('start.time'));
  if (h < 0 || !lines[h + 1]) return null;
  const cols = lines[h].split(/,\s*/);
  const vals = lines[h + 1].split(/,\s*/);
  if (vals.length !== cols.length) return null;
  return Object.fromEntries(cols.map((c, i) => [c, i < 2 ? vals[i] : Number(vals[i])]));
}

/**
 * ProducerPerformance. With `compression` (lz4, zstd, ...) the producer compresses its batches
 * and the records are lines of ctx.payloadFile (1 KiB JSON-like text, see payload.js; the
 * tool's own random letters do not compress like real payloads) instead of --record-size.
 */
function producerPerf(name, topic, recordSize, count, acks, compression) {
  const what = compression ? `${recordSize} B JSON-like records (--payload-file), compression.type=${compression}` : `${recordSize} B records`;
  return {
    name,
    tool: 'ProducerPerformance',
    description: `kafka-producer-perf-test: ${what}, acks=${acks}, 6 partitions, --throughput -1`,
    /** @param {Ctx} ctx */
    async run(ctx) {
      const n = count(ctx.sizes);
      if (compression && !ctx.payloadFile) throw new Error('no payload file for a compressed workload');
      const payload = compression ? ['--payload-file', /** @type {string} */ (ctx.payloadFile)] : ['--record-size', String(recordSize)];
      const props = compression ? [`compression.type=${compression}`] : [];
      const r = await java(ctx, '-Xmx512M', 'org.apache.kafka.tools.ProducerPerformance', [
        '--topic',
        topic,
        '--num-records',
        String(n),
        ...payload,
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=${ctx.bootstrap}`,
        `acks=${acks}`,
        ...props,
      ]);
      const m = parseProducerPerformance(r.stdout);
      if (!m) throw new Error(`no summary line (exit ${r.code}): ${lastLines(r.stdout + r.stderr)}`);
      const notes = [];
      if (r.code !== 0) notes.push(`tool exit ${r.code}: ${lastLines(r.stderr)}`);
      if (m.records !== n) notes.push(`sent ${m.records} of ${n}`);
      return { ...m, records: n, record_bytes: recordSize, ...(compression ? { compression } : {}), elapsed_s: round(r.ms / 1000, 2), notes };
    },
  };
}

function consumerPerf(name, topic, recordSize, count, filledBy) {
  return {
    name,
    tool: 'ConsumerPerformance',
    description: `kafka-consumer-perf-test over the ${filledBy} topic, ${recordSize} B records (fetch.* figures: excludes the group join)`,
    needsGroups: true,
    /** @param {Ctx} ctx */
    async run(ctx) {
      const n = count(ctx.sizes);
      const r = await java(ctx, '-Xmx512M', 'org.apache.kafka.tools.ConsumerPerformance', [
        '--bootstrap-server',
        ctx.bootstrap,
        '--topic',
        topic,
        '--messages',
        String(n),
        '--timeout',
        '30000',
      ]);
      const m = parseConsumerPerformance(r.stdout);
      if (!m) throw new Error(`no result line (exit ${r.code}): ${lastLines(r.stdout + r.stderr)}`);
      const notes = [];
      if (r.code !== 0) notes.push(`tool exit ${r.code}: ${lastLines(r.stderr)}`);
      if (m['data.consumed.in.nMsg'] !== n) notes.push(`consumed ${m['data.consumed.in.nMsg']} of ${n}`);
      return {
        mb_per_s: round(m['fetch.MB.sec'], 2),
        records_per_s: round(m['fetch.nMsg.sec'], 1),
        records: m['data.consumed.in.nMsg'],
        record_bytes: recordSize,
        total_mb_per_s: round(m['MB.sec'], 2),
        rebalance_ms: m['rebalance.time.ms'],
        fetch_ms: m['fetch.time.ms'],
        elapsed_s: round(r.ms / 1000, 2),
        notes,
      };
    },
  };
}

function kcatProduce(name, topic, acks) {
  return {
    name,
    tool: 'kcat',
    description: `kcat -P -l <file> -X acks=${acks}: 1 KiB records from a pre-generated file, librdkafka defaults otherwise (linger.ms=5), timed from spawn to exit`,
    /** @param {Ctx} ctx */
    async run(ctx) {
      const n = ctx.sizes.kcatRecords;
      const r = await run('kcat', ['-P', '-b', ctx.bootstrap, '-t', topic, '-X', `acks=${acks}`, '-l', ctx.kcatFile], { logFile: ctx.logFile, timeoutMs: 600000 });
      if (r.code !== 0) throw new Error(`kcat exit ${r.code}: ${lastLines(r.stderr)}`);
      const s = r.ms / 1000;
      return { mb_per_s: round((n * 1024) / MiB / s, 2), records_per_s: round(n / s, 1), records: n, record_bytes: 1024, acks, elapsed_s: round(s, 2), notes: [] };
    },
  };
}

function kcatConsume(name, topic, recordSize, count, filledBy) {
  return {
    name,
    tool: 'kcat',
    description: `kcat -C -e -o beginning (assign-style, no group) over ${filledBy}, ${recordSize} B records, timed from spawn to exit`,
    /** @param {Ctx} ctx */
    async run(ctx) {
      const n = count(ctx.sizes);
      // One newline per message (-f '\n') so the count is checked without piping the values.
      const r = await run('kcat', ['-C', '-b', ctx.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '\\n'], {
        logFile: ctx.logFile,
        timeoutMs: 600000,
        stdoutLimit: 64 << 20,
      });
      if (r.code !== 0) throw new Error(`kcat exit ${r.code}: ${lastLines(r.stderr)}`);
      const got = r.stdoutBytes;
      const s = r.ms / 1000;
      const notes = got === n ? [] : [`consumed ${got} of ${n}`];
      return { mb_per_s: round((got * recordSize) / MiB / s, 2), records_per_s: round(got / s, 1), records: got, record_bytes: recordSize, elapsed_s: round(s, 2), notes };
    },
  };
}

const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const E2E_RATE_RECORDS_PER_S = 20 * 1024;

/**
 * End-to-end latency under a steady 20 MB/s (issue 7's latency goal). Kafka's EndToEndLatency
 * sends one record at a time, so this uses `millrace perf e2e` (our producer and fetcher),
 * the same tool against both brokers.
 */
function perfE2eAtRate(name, topic) {
  return {
    name,
    tool: 'millrace perf e2e',
    description: `millrace perf e2e: 1 KiB records at a fixed ${E2E_RATE_RECORDS_PER_S} records/s (20 MB/s), acks=1, 6 partitions, produce -> fetch latency per record`,
    /** @param {Ctx} ctx */
    async run(ctx) {
      const n = ctx.sizes.e2eRateRecords;
      const bin = path.join(ctx.millraceRoot ?? REPO_ROOT, 'bin', 'millrace.js');
      const r = await run(process.execPath, [bin, 'perf', 'e2e', '--bootstrap-server', ctx.bootstrap, '--topic', topic,
        '--num-records', String(n), '--record-size', '1024', '--acks', '1', '--throughput', String(E2E_RATE_RECORDS_PER_S),
        '--json', '--quiet'], { logFile: ctx.logFile, timeoutMs: 600000 });
      if (r.code !== 0) throw new Error(`millrace perf exit ${r.code}: ${lastLines(r.stderr)}`);
      const m = JSON.parse(r.stdout);
      const notes = [];
      if (m.records !== n) notes.push(`read ${m.records} of ${n}`);
      if (m.errors > 0) notes.push(`${m.errors} errors, first: ${m.first_error}`);
      const l = m.latency;
      return { mb_per_s: m.mb_per_s, records_per_s: m.records_per_s, avg_ms: l.avg_ms, p50_ms: l.p50_ms, p99_ms: l.p99_ms, p999_ms: l.p999_ms,
        max_ms: l.max_ms, records: m.records, record_bytes: 1024, elapsed_s: round(r.ms / 1000, 2), notes };
    },
  };
}

/** @type {{name: string, tool: string, description: string, needsGroups?: boolean, run: (ctx: Ctx) => Promise<Record<string, unknown>>}[]} */
export const WORKLOADS = [
  producerPerf('produce-1k-acks1', 'perf-1k-acks1', 1024, (s) => s.records1k, '1'),
  producerPerf('produce-1k-acksall', 'perf-1k-acksall', 1024, (s) => s.records1k, 'all'),
  producerPerf('produce-100b-acks1', 'perf-100b-acks1', 100, (s) => s.records100b, '1'),
  producerPerf('produce-1k-lz4', 'perf-1k-lz4', 1024, (s) => s.records1k, '1', 'lz4'),
  producerPerf('produce-1k-zstd', 'perf-1k-zstd', 1024, (s) => s.records1k, '1', 'zstd'),
  consumerPerf('consume-1k', 'perf-1k-acks1', 1024, (s) => s.records1k, 'produce-1k-acks1'),
  consumerPerf('consume-100b', 'perf-100b-acks1', 100, (s) => s.records100b, 'produce-100b-acks1'),
  {
    name: 'e2e-latency-1k',
    tool: 'EndToEndLatency',
    description: 'kafka-e2e-latency: one 1 KiB record at a time, acks=1, produce -> consume round trip (percentiles are whole ms, as the tool prints them)',
    async run(ctx) {
      const n = ctx.sizes.e2eMessages;
      const r = await java(ctx, '-Xmx256M', 'org.apache.kafka.tools.EndToEndLatency', [ctx.bootstrap, 'e2e-1k', String(n), '1', '1024']);
      const m = parseEndToEndLatency(r.stdout);
      if (!m) throw new Error(`no latency lines (exit ${r.code}): ${lastLines(r.stdout + r.stderr)}`);
      const notes = [];
      if (r.code !== 0) notes.push(`tool exit ${r.code} after printing its results: ${lastLines(r.stdout + r.stderr, 1)}`);
      return { ...m, records: n, record_bytes: 1024, elapsed_s: round(r.ms / 1000, 2), notes };
    },
  },
  perfE2eAtRate('e2e-20mbs-1k', 'e2e-20mbs-1k'),
  kcatProduce('kcat-produce-1k-acks1', 'kcat-1k-acks1', '1'),
  kcatProduce('kcat-produce-1k-acksall', 'kcat-1k', 'all'),
  kcatConsume('kcat-consume-1k', 'kcat-1k', 1024, (s) => s.kcatRecords, 'the kcat-produce-1k-acksall topic'),
  kcatConsume('kcat-consume-100b', 'perf-100b-acks1', 100, (s) => s.records100b, 'the produce-100b-acks1 topic (filled by ProducerPerformance)'),
];

/** Writes `count` newline-terminated 1024-byte printable records (kcat -l input), once. */
export function ensureKcatFile(dir, count) {
  const file = path.join(dir, `kcat-1k-${count}.txt`);
  if (fs.existsSync(file) && fs.statSync(file).size === count * 1025) return file;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  const per = 1024;
  const chunkRecords = 1024;
  const chunk = Buffer.alloc(chunkRecords * (per + 1));
  let seed = 12345;
  for (let i = 0; i < chunk.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    chunk[i] = 33 + ((seed >>> 16) % 94);
  }
  for (let r = 0; r < chunkRecords; r++) chunk[r * (per + 1) + per] = 10;
  for (let done = 0; done < count; done += chunkRecords) {
    const k = Math.min(chunkRecords, count - done);
    fs.writeSync(fd, chunk, 0, k * (per + 1));
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  return file;
}
