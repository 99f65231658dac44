// Byte compatibility with Apache Kafka 4.4.0 in both directions:
// 1. Kafka's own `kafka-dump-log` (org.apache.kafka.tools.DumpLogSegments) reads the segments, indexes,
//    time indexes and producer snapshots Millrace writes, finds every record, and reports no
//    index or time-index mismatch.
// 2. Millrace opens a log directory a real Kafka broker wrote (five codecs, idempotent and
//    transactional producers, clean shutdown), reads every record, and finds offsets by
//    timestamp through Kafka's time indexes; then recovers the same directory after an
//    unclean start without losing a byte. Two transactional producers interleave on another
//    topic with aborts: Millrace reads Kafka's .txnindex, rebuilds it byte for byte when it
//    recovers, and its read_committed reads give exactly the committed records.
//
// Needs java and the Kafka jars: the compat set-up (../setup/kafka.ts) installs a JDK and runs
// tools/kafka/fetch.sh (Maven Central). A missing JVM or jar fails the test; nothing is skipped.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CompressionType, decodeBatch, encodeBatch } from '../../../src/protocol/records/index.js';
import { LogManager } from '../../../src/storage/log-manager.js';
import { MemoryLogger } from '../../../src/storage/logger.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { decodeAbortedTxns } from '../../../src/storage/transaction-index.js';
import { ensureKafkaJars } from '../setup/kafka.js';
import { repoRoot } from '../setup/paths.js';
import { freePort } from '../setup/target.js';
import { TOOL_JVM_FLAGS } from '../setup/java.js';
import { runKafkaTool } from '../setup/kafka-tool.js';

const run = promisify(execFile);

const root = repoRoot;
const libs = path.join(root, 'bench', '.cache', 'kafka', 'libs');
const classpath = path.join(libs, '*');

before(async () => {
  // Java must be there: this test fails rather than skip without it.
  await ensureKafkaJars();
  assert.ok(fs.existsSync(path.join(libs, '.complete')), `Kafka jars missing in ${libs}`);
});

interface DumpedRecord {
  offset: number;
  timestampType: string;
  timestamp: number;
  key: string | null;
  value: string | null;
}

interface Dump {
  records: Map<string, DumpedRecord[]>;
  batches: Map<string, { baseOffset: number; lastOffset: number; valid: boolean; codec: string; producerId: number; deleteHorizon: string }[]>;
  snapshots: Map<string, string[]>;
  stdout: string;
  stderr: string;
}

async function dumpLogSegments(files: string[], extra: string[] = []): Promise<Dump> {
  const { code, signal, stdout, stderr } = await runKafkaTool('org.apache.kafka.tools.DumpLogSegments', [...extra, '--files', files.join(',')]);
  assert.equal(code, 0, `DumpLogSegments ended with ${signal ?? `exit ${code}`}:\n${stderr}`);
  const dump: Dump = { records: new Map(), batches: new Map(), snapshots: new Map(), stdout, stderr };
  let current = '';
  for (const line of stdout.split('\n')) {
    const file = /^Dumping (.*)$/.exec(line);
    if (file) {
      current = file[1]!;
      dump.records.set(current, []);
      dump.batches.set(current, []);
      dump.snapshots.set(current, []);
      continue;
    }
    const b = /^baseOffset: (\d+) lastOffset: (\d+) .*producerId: (-?\d+) .*deleteHorizonMs: (\S+) .*compresscodec: (\w+) crc: \d+ isvalid: (\w+)$/.exec(line);
    if (b) {
      dump.batches.get(current)!.push({ baseOffset: Number(b[1]), lastOffset: Number(b[2]), producerId: Number(b[3]), deleteHorizon: b[4]!, codec: b[5]!, valid: b[6] === 'true' });
      continue;
    }
    const r = /^\| offset: (\d+) (CreateTime|LogAppendTime): (-?\d+) keySize: (-?\d+) valueSize: (-?\d+) sequence: -?\d+ headerKeys: \[[^\]]*\](?: key: (\S*))?(?: payload: (\S*))?$/.exec(line);
    if (r) {
      dump.records.get(current)!.push({
        offset: Number(r[1]),
        timestampType: r[2]!,
        timestamp: Number(r[3]),
        key: Number(r[4]) < 0 ? null : (r[6] ?? ''),
        value: Number(r[5]) < 0 ? null : (r[7] ?? ''),
      });
      continue;
    }
    if (line.startsWith('producerId:')) dump.snapshots.get(current)!.push(line);
  }
  return dump;
}

interface Rec {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
  headers: string[];
}

async function readRecords(log: PartitionLog): Promise<{ records: Rec[]; controlBatches: number }> {
  const records: Rec[] = [];
  let controlBatches = 0;
  let next = log.logStartOffset;
  while (next < log.logEndOffset) {
    const buf = log.read(next, 1 << 22).records;
    if (buf.length === 0) break;
    let at = 0;
    while (at < buf.length) {
      const b = await decodeBatch(buf, at, at + buf.readInt32BE(at + 8) + 12);
      if (b.isControl) controlBatches++;
      else {
        for (const r of b.records) {
          records.push({
            offset: r.offset,
            key: r.key?.toString() ?? null,
            value: r.value?.toString() ?? null,
            timestamp: r.timestamp,
            headers: r.headers.map((h) => `${h.key}=${h.value?.toString()}`),
          });
        }
      }
      next = b.baseOffset + b.lastOffsetDelta + 1;
      at += b.sizeInBytes;
    }
  }
  return { records, controlBatches };
}

/**
 * What a read_committed consumer gets: reads up to the last stable offset and, as Kafka's
 * consumers do, skips the batches of the aborted transactions the reads list.
 */
async function readCommittedValues(log: PartitionLog): Promise<string[]> {
  const values: string[] = [];
  let next = log.logStartOffset;
  while (next < log.lastStableOffset) {
    const { records: buf, abortedTransactions } = log.read(next, 1 << 22, { isolation: 'txnCommitted' });
    if (buf.length === 0) break;
    let at = 0;
    while (at < buf.length) {
      const b = await decodeBatch(buf, at, at + buf.readInt32BE(at + 8) + 12);
      const aborted = abortedTransactions!.some((t) => t.producerId === b.producerId && t.firstOffset <= b.baseOffset && b.baseOffset < t.lastOffset);
      if (!b.isControl && !aborted) for (const r of b.records) values.push(r.value!.toString().split('-').slice(0, 2).join('-'));
      next = b.baseOffset + b.lastOffsetDelta + 1;
      at += b.sizeInBytes;
    }
  }
  return values;
}

/** The committed values of KafkaCompatProducer's interleaved transactions, in log order (without their padding). */
function expectedCommittedValues(): string[] {
  const out: string[] = [];
  const batch = (name: string, round: number, from: number) => {
    for (let i = from; i < from + 5; i++) out.push(`${name}${round}-${i}`);
  };
  for (let round = 0; round < 8; round++) {
    const aCommits = round % 2 === 1;
    if (aCommits) batch('a', round, 0);
    batch('b', round, 0);
    if (aCommits) batch('a', round, 5);
  }
  return out;
}

const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];
const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

test('Kafka DumpLogSegments reads the segments, indexes, time indexes and snapshots Millrace writes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'millrace-compat-ours-'));
  try {
    const logger = new MemoryLogger();
    const m = LogManager.open({ config: { 'log.dirs': [path.join(dir, 'data')] }, logger });
    const plain = m.getOrCreateLog('ours', 0, { 'segment.bytes': 16384, 'index.interval.bytes': 1024 });
    const lat = m.getOrCreateLog('ours-lat', 0, { 'segment.bytes': 16384, 'message.timestamp.type': 'LogAppendTime' });
    const compact = m.getOrCreateLog('ours-compact', 0, { 'segment.bytes': 8192, 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': 0.01 });
    const expected: Rec[] = [];
    let n = 0;
    for (let c = 0; c < CODECS.length; c++) {
      for (let b = 0; b < 20; b++) {
        const recs = Array.from({ length: 10 }, () => {
          const i = n++;
          return {
            key: Buffer.from(`k${i % 50}`),
            value: i % 37 === 0 ? null : Buffer.from(`${CODEC_NAMES[c]}-${i}-${'y'.repeat(i % 90)}`),
            timestamp: 1_700_000_000_000 + i,
            headers: [{ key: 'h', value: Buffer.from(`hv${i}`) }],
          };
        });
        const opts = { compression: CODECS[c]!, producerId: 7000 + c, producerEpoch: 1, baseSequence: b * 10 };
        for (const log of [plain, lat, compact]) {
          const info = log.append(await encodeBatch(recs, opts), { leaderEpoch: 5 });
          log.updateHighWatermark(log.logEndOffset);
          if (log === plain) recs.forEach((r, j) => expected.push({ offset: info.firstOffset + j, key: r.key.toString(), value: r.value?.toString() ?? null, timestamp: r.timestamp, headers: [] }));
        }
      }
    }
    compact.roll();
    compact.updateHighWatermark(compact.logEndOffset);
    assert.ok(await m.cleaner!.cleanOnce(), 'the compacted log was cleaned');
    const ourCompacted = (await readRecords(compact)).records;
    await m.shutdown();

    const files: string[] = [];
    for (const t of ['ours-0', 'ours-lat-0', 'ours-compact-0']) {
      for (const f of fs.readdirSync(path.join(dir, 'data', t)).sort()) if (/\.(log|index|timeindex|snapshot)$/.test(f)) files.push(path.join(dir, 'data', t, f));
    }
    assert.ok(files.filter((f) => f.endsWith('.log')).length >= 6, 'several segments');
    const dump = await dumpLogSegments(files, ['--deep-iteration', '--print-data-log']);
    for (const bad of ['Mismatches in', 'Found timestamp mismatch', 'Found out of order timestamp', 'indexed offsets are not found', 'invalid bytes', 'Exception']) {
      assert.ok(!dump.stderr.includes(bad) && !dump.stdout.includes(bad), `Kafka reports "${bad}":\n${dump.stderr}`);
    }
    const byTopic = (t: string) => [...dump.records.entries()].filter(([f]) => f.includes(`/${t}/`) && f.endsWith('.log')).sort(([a], [b]) => a.localeCompare(b)).flatMap(([, r]) => r);
    const allBatches = [...dump.batches.values()].flat();
    assert.ok(allBatches.length > 0 && allBatches.every((b) => b.valid), 'every batch valid for Kafka');
    assert.deepEqual(new Set(allBatches.map((b) => b.codec)), new Set(CODEC_NAMES));
    // every record Kafka sees is the one written, at the offset Millrace assigned
    assert.deepEqual(
      byTopic('ours-0').map((r) => [r.offset, r.key, r.value, r.timestamp, r.timestampType]),
      expected.map((r) => [r.offset, r.key, r.value, r.timestamp, 'CreateTime']),
    );
    const latRecords = byTopic('ours-lat-0');
    assert.equal(latRecords.length, expected.length);
    assert.ok(latRecords.every((r) => r.timestampType === 'LogAppendTime'));
    assert.deepEqual(
      byTopic('ours-compact-0').map((r) => [r.offset, r.key, r.value]),
      ourCompacted.map((r) => [r.offset, r.key, r.value]),
    );
    assert.ok(allBatches.some((b) => b.deleteHorizon !== 'OptionalLong.empty'), 'tombstone batches carry a delete horizon');
    // producer snapshots: Kafka reads the producers Millrace tracked
    const snaps = [...dump.snapshots.entries()].filter(([f]) => f.includes('/ours-0/')).flatMap(([, l]) => l);
    assert.ok(snaps.some((l) => /producerId: 7004 producerEpoch: 1 .*lastSequence: 199 lastOffset: 999 /.test(l)), snaps.join('\n'));
    // and every index file passes Kafka's start-up sanity check (or is empty)
    const indexFiles = files.filter((f) => /\.(index|timeindex)$/.test(f));
    const sanity = await dumpLogSegments(indexFiles, ['--index-sanity-check']);
    for (const f of indexFiles) {
      assert.ok(sanity.stdout.includes(`${f} passed sanity check.`) || sanity.stdout.includes(`${f} is empty.`), `${f}:\n${sanity.stdout}\n${sanity.stderr}`);
    }
    assert.ok(!/Exception|Corrupt/.test(sanity.stderr), sanity.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Millrace reads and recovers a log directory written by a real Kafka broker', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'millrace-compat-kafka-'));
  try {
    const { startKafka } = (await import(pathToFileURL(path.join(root, 'tools', 'kafka', 'kafka-process.js')).href)) as {
      startKafka(o: Record<string, unknown>): Promise<{ bootstrap: string; stop(): Promise<unknown> }>;
    };
    const kafka = await startKafka({
      port: await freePort(),
      controllerPort: await freePort(),
      dataDir: dir,
      config: { 'auto.create.topics.enable': false },
    });
    try {
      // a source file the java launcher compiles and runs: its own JVM, not the tool runner
      await run('java', [...TOOL_JVM_FLAGS, '-cp', classpath, path.join(root, 'test', 'compat', 'storage', 'fixtures', 'KafkaCompatProducer.java'), kafka.bootstrap], { timeout: 120_000 });
    } finally {
      await kafka.stop();
    }
    const logDir = path.join(dir, 'data');
    assert.ok(fs.existsSync(path.join(logDir, '.kafka_cleanshutdown')), 'Kafka shut down cleanly');

    const expectedFor = (p: number): Omit<Rec, 'offset'>[] => {
      const out: Omit<Rec, 'offset'>[] = [];
      for (let c = 0; c < 5; c++) {
        for (let i = 0; i < 400; i++) {
          if (i % 2 !== p) continue;
          out.push({
            key: `k${i % 50}`,
            value: i % 97 === 0 ? null : `${CODEC_NAMES[c]}-${i}-${'x'.repeat(i % 200)}`,
            timestamp: 1_700_000_000_000 + c * 100_000 + i,
            headers: [`h=hv${i}`],
          });
        }
      }
      return out;
    };

    // Kafka's aborted-transaction indexes, before Millrace opens the directory.
    const txnDir = path.join(logDir, 'compat-txn-0');
    const kafkaTxnIndexes = new Map(fs.readdirSync(txnDir).filter((n) => n.endsWith('.txnindex')).map((n) => [n, fs.readFileSync(path.join(txnDir, n))]));
    assert.ok(kafkaTxnIndexes.size >= 1, 'Kafka wrote transaction indexes');
    const kafkaAborts = [...kafkaTxnIndexes.keys()].sort().flatMap((n) => decodeAbortedTxns(kafkaTxnIndexes.get(n)!, n));
    assert.equal(kafkaAborts.length, 4, 'producer a aborted every other one of 8 transactions');

    for (const clean of [true, false]) {
      const logger = new MemoryLogger();
      const m = LogManager.open({ config: { 'log.dirs': [logDir] }, logger });
      try {
        assert.deepEqual(
          logger.lines.filter((l) => l.level === 'warn' || l.level === 'error'),
          [],
          'opening Kafka\'s log directory logs no warning',
        );
        assert.equal(logger.matching('info', /recovering unflushed segment/).length > 0, !clean, clean ? 'no recovery after Kafka\'s clean shutdown' : 'full recovery without the marker');
        for (const p of [0, 1]) {
          const log = m.getLog('compat', p);
          assert.ok(log, `compat-${p} opened`);
          assert.ok(log.numberOfSegments > 3, `${log.numberOfSegments} segments`);
          const { records, controlBatches } = await readRecords(log);
          assert.equal(controlBatches, 1, 'the transaction commit marker');
          assert.deepEqual(
            records.map(({ offset: _o, ...r }) => r),
            expectedFor(p),
          );
          // offsets: contiguous apart from the commit marker
          assert.equal(log.logEndOffset, records.length + 1);
          // lookups by timestamp through Kafka's time indexes
          for (const r of records.filter((_, i) => i % 37 === 0)) {
            assert.deepEqual((await log.fetchOffsetByTimestamp(r.timestamp))?.offset, r.offset);
          }
          // producer state from Kafka's .snapshot files
          assert.ok(log.producerState.producers.size >= 1);
          assert.equal(log.highWatermark, log.logEndOffset, 'high watermark from replication-offset-checkpoint');
        }
        // Transactions: Kafka's .txnindex read as is (clean), or rebuilt by recovery to the same bytes.
        const txnLog = m.getLog('compat-txn', 0)!;
        assert.deepEqual(txnLog.collectAbortedTransactions(0, txnLog.logEndOffset), kafkaAborts);
        if (!clean) {
          const ours = fs.readdirSync(txnDir).filter((n) => n.endsWith('.txnindex'));
          assert.deepEqual(ours.sort(), [...kafkaTxnIndexes.keys()].sort());
          for (const n of ours) assert.ok(fs.readFileSync(path.join(txnDir, n)).equals(kafkaTxnIndexes.get(n)!), `${n} rebuilt byte for byte`);
        }
        assert.equal(txnLog.lastStableOffset, txnLog.logEndOffset, 'every transaction decided');
        assert.deepEqual(await readCommittedValues(txnLog), expectedCommittedValues());
      } finally {
        m.abandon(); // no clean shutdown: the next pass recovers everything
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
