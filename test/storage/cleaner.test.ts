import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatchSync, decodeBatch, encodeBatchSync, encodeBatch, CompressionType } from '../../src/protocol/records/index.js';
import { makeBatch, testEnv, type TestEnv } from './helpers.js';
import { LogCleaner } from '../../src/storage/cleaner/log-cleaner.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { groupSegmentsBySize } from '../../src/storage/cleaner/cleaner.js';
import { OffsetMap } from '../../src/storage/cleaner/offset-map.js';

function cleanerFor(env: TestEnv, log: PartitionLog, dedupe = 1 << 20): LogCleaner {
  return new LogCleaner({ fs: env.fs, clock: env.clock, logger: env.logger, dedupeBufferSize: dedupe, logs: () => [log] });
}

interface Rec {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

async function allRecords(log: PartitionLog): Promise<Rec[]> {
  const out: Rec[] = [];
  let next = log.logStartOffset;
  while (next < log.logEndOffset) {
    const buf = log.read(next, 1 << 22).records;
    if (buf.length === 0) break;
    let at = 0;
    while (at < buf.length) {
      const b = await decodeBatch(buf, at, at + buf.readInt32BE(at + 8) + 12);
      for (const r of b.records) out.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: r.timestamp });
      next = b.baseOffset + b.lastOffsetDelta + 1;
      at += b.sizeInBytes;
    }
  }
  return out;
}

/** Appends `rounds` batches of records for keys k0..k{keys-1}; returns the latest value per key. */
function fill(env: TestEnv, log: PartitionLog, rounds: number, keys: number, perBatch = 5): Map<string, { offset: number; value: string }> {
  const latest = new Map<string, { offset: number; value: string }>();
  let n = 0;
  for (let i = 0; i < rounds; i++) {
    const recs = Array.from({ length: perBatch }, () => {
      const k = `k${n % keys}`;
      const v = `v${n++}`;
      return { key: k, value: v, timestamp: env.clock.now() };
    });
    const info = log.append(makeBatch(recs));
    recs.forEach((r, j) => latest.set(r.key, { offset: info.firstOffset + j, value: r.value }));
  }
  return latest;
}

test('compaction keeps the latest record per key at its original offset and merges small segments', async () => {
  const env = testEnv({ 'cleanup.policy': 'compact', 'segment.bytes': 2048, 'min.cleanable.dirty.ratio': 0.1 });
  const log = env.open();
  const latest = fill(env, log, 60, 12);
  log.roll();
  log.updateHighWatermark(log.logEndOffset);
  const before = await allRecords(log);
  const segsBefore = log.numberOfSegments;
  const cleaner = cleanerFor(env, log);
  const summary = await cleaner.cleanOnce();
  assert.ok(summary, 'the log is dirty enough to clean');
  assert.equal(summary.endOffset, log.activeSegment.baseOffset);
  const after = await allRecords(log);
  assert.equal(log.logEndOffset, 300);
  assert.deepEqual(
    after.map((r) => [r.key, r.value, r.offset]).sort(),
    [...latest.entries()].map(([k, v]) => [k, v.value, v.offset]).sort(),
  );
  assert.ok(log.size < before.length * 20);
  for (const r of after) assert.deepEqual(before.find((b) => b.offset === r.offset), r, 'offsets and contents unchanged');
  // cleaned segments are small now: the next round merges them
  const segsAfterFirst = log.numberOfSegments;
  const more = fill(env, log, 5, 12);
  log.roll();
  log.updateHighWatermark(log.logEndOffset);
  assert.ok(await cleaner.cleanOnce());
  assert.ok(log.numberOfSegments < Math.min(segsBefore, segsAfterFirst), `${segsBefore} -> ${segsAfterFirst} -> ${log.numberOfSegments} segments`);
  for (const [k, v] of more) latest.set(k, v);
  const merged = await allRecords(log);
  assert.deepEqual(
    merged.map((r) => [r.key, r.value, r.offset]).sort(),
    [...latest.entries()].map(([k, v]) => [k, v.value, v.offset]).sort(),
  );
  // the last batch of the round is kept (maybe empty) so the log end is not lost on reopen
  const final = await allRecords(log);
  await log.close();
  const again = env.open({ hadCleanShutdown: true });
  assert.equal(again.logEndOffset, 325);
  assert.deepEqual(await allRecords(again), final);
  assert.equal(env.fs.readdirSync('/data/topic-0').filter((n) => n.endsWith('.cleaned') || n.endsWith('.swap')).length, 0);
  // the cleaner checkpoint moved to the end of the round
  assert.match(env.fs.readFileSync('/data/cleaner-offset-checkpoint')!.toString(), /^0\n1\ntopic 0 325\n$/);
});

test('reading a compacted log fetches through the gaps', async () => {
  const env = testEnv({ 'cleanup.policy': 'compact', 'segment.bytes': 1024, 'min.cleanable.dirty.ratio': 0.01 });
  const log = env.open();
  fill(env, log, 40, 3, 4);
  log.roll();
  log.updateHighWatermark(log.logEndOffset);
  await cleanerFor(env, log).cleanOnce();
  // any offset in a removed range reads from the next batch that remains
  for (let o = 0; o < 160; o += 7) {
    const r = log.read(o, 1 << 20);
    const b = decodeBatchSync(r.records, 0, r.records.readInt32BE(8) + 12);
    assert.ok(b.baseOffset + b.lastOffsetDelta >= o);
  }
});

test('tombstones stay until delete.retention.ms after their first cleaning, then go', async () => {
  const env = testEnv({ 'cleanup.policy': 'compact', 'segment.bytes': 1024, 'min.cleanable.dirty.ratio': 0.01, 'delete.retention.ms': 60_000 });
  const log = env.open();
  fill(env, log, 10, 4);
  log.append(makeBatch([{ key: 'k1', value: null, timestamp: env.clock.now() }]));
  fill(env, log, 2, 1);
  log.roll();
  log.updateHighWatermark(log.logEndOffset);
  const cleaner = cleanerFor(env, log);
  await cleaner.cleanOnce();
  let recs = await allRecords(log);
  assert.ok(recs.some((r) => r.key === 'k1' && r.value === null), 'tombstone kept within delete.retention.ms');
  assert.ok(!recs.some((r) => r.key === 'k1' && r.value !== null), 'values before the tombstone are gone');
  // after the horizon, the next round (triggered by new dirty data) drops it
  env.clock.advance(61_000);
  fill(env, log, 10, 4);
  log.roll();
  log.updateHighWatermark(log.logEndOffset);
  await cleaner.cleanOnce();
  recs = await allRecords(log);
  assert.ok(!recs.some((r) => r.key === 'k1' && r.value === null), 'tombstone removed after delete.retention.ms');
});

test('min.cleanable.dirty.ratio, min.compaction.lag.ms and max.compaction.lag.ms decide when a log is cleaned', async () => {
  const env = testEnv({ 'cleanup.policy': 'compact', 'segment.bytes': 1024, 'min.cleanable.dirty.ratio': 0.5 });
  const log = env.open();
  fill(env, log, 30, 150);
  log.roll();
  log.updateHighWatermark(log.logEndOffset);
  const cleaner = cleanerFor(env, log);
  await cleaner.cleanOnce();
  // a little new dirty data: ratio below 0.5, nothing to do
  fill(env, log, 2, 5);
  log.roll();
  log.updateHighWatermark(log.logEndOffset);
  const assessed = cleaner.assess(log, env.clock.now())!;
  assert.ok(assessed.cleanableRatio < 0.5, `ratio ${assessed.cleanableRatio}`);
  assert.equal(await cleaner.cleanOnce(), null);
  // max.compaction.lag.ms: dirty data older than the lag must be cleaned whatever the ratio
  log.updateConfig({ ...log.config, 'max.compaction.lag.ms': 1000 });
  env.clock.advance(5000);
  assert.equal(cleaner.assess(log, env.clock.now())!.needCompactionNow, true);
  assert.ok(await cleaner.cleanOnce());
  // min.compaction.lag.ms: recent segments are left alone
  log.updateConfig({ ...log.config, 'max.compaction.lag.ms': Number.MAX_SAFE_INTEGER, 'min.compaction.lag.ms': 60_000, 'min.cleanable.dirty.ratio': 0 });
  const end = log.logEndOffset;
  fill(env, log, 30, 5);
  log.roll();
  log.updateHighWatermark(log.logEndOffset);
  const a = cleaner.assess(log, env.clock.now())!;
  assert.equal(a.firstUncleanableOffset, end, 'young segments are uncleanable');
});

test('nothing at or past the high watermark, nor the active segment, is cleaned', async () => {
  const env = testEnv({ 'cleanup.policy': 'compact', 'segment.bytes': 1024, 'min.cleanable.dirty.ratio': 0 });
  const log = env.open();
  fill(env, log, 40, 2);
  const cleaner = cleanerFor(env, log);
  assert.equal(await cleaner.cleanOnce(), null, 'high watermark 0: nothing cleanable');
  log.updateHighWatermark(100);
  const s = await cleaner.cleanOnce();
  assert.ok(s);
  assert.ok(s.endOffset <= 100);
  const recs = await allRecords(log);
  assert.ok(recs.filter((r) => r.offset >= 100).length === log.logEndOffset - 100, 'above the high watermark untouched');
});

test('compressed batches are compacted with their codec; appends and reads continue during a round', async () => {
  const env = testEnv({ 'cleanup.policy': 'compact', 'segment.bytes': 4096, 'min.cleanable.dirty.ratio': 0.01 });
  const log = env.open();
  let n = 0;
  for (let i = 0; i < 40; i++) {
    const codec = [CompressionType.Gzip, CompressionType.Zstd, CompressionType.Lz4, CompressionType.Snappy][i % 4]!;
    const recs = Array.from({ length: 6 }, () => ({ key: Buffer.from(`k${n % 7}`), value: Buffer.from(`value-${n++}`), timestamp: env.clock.now() }));
    const batch = codec === CompressionType.Zstd ? await encodeBatch(recs, { compression: codec }) : encodeBatchSync(recs, { compression: codec });
    log.append(batch);
  }
  log.roll();
  log.updateHighWatermark(log.logEndOffset);
  const cleaner = cleanerFor(env, log);
  const round = cleaner.cleanOnce();
  // meanwhile
  for (let i = 0; i < 20; i++) {
    log.append(makeBatch([{ key: 'x', value: `during-${i}`, timestamp: env.clock.now() }]));
    assert.ok(log.read(0, 1 << 20).records.length > 0);
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(await round);
  const recs = await allRecords(log);
  const keys = recs.filter((r) => r.offset < 240).map((r) => r.key);
  assert.equal(new Set(keys).size, keys.length, 'one record per key in the cleaned range');
  assert.equal(recs.filter((r) => r.key === 'x').length, 20);
  // codecs preserved
  let at = 0;
  const buf = log.read(0, 1 << 22).records;
  const codecs = new Set<number>();
  while (at < buf.length) {
    codecs.add(buf.readInt16BE(at + 21) & 7);
    at += buf.readInt32BE(at + 8) + 12;
  }
  assert.ok(codecs.size >= 2, `codecs ${[...codecs]}`);
});

test('a truncation during a round drops the round and its files', async () => {
  const env = testEnv({ 'cleanup.policy': 'compact', 'segment.bytes': 1024, 'min.cleanable.dirty.ratio': 0.01 });
  const log = env.open();
  fill(env, log, 200, 3);
  log.roll();
  log.updateHighWatermark(log.logEndOffset);
  const cleaner = cleanerFor(env, log);
  const round = cleaner.cleanOnce();
  await new Promise((r) => setImmediate(r));
  log.truncateTo(150);
  assert.equal(await round, null);
  assert.equal(env.fs.readdirSync('/data/topic-0').filter((n) => n.endsWith('.cleaned')).length, 0);
  assert.equal(log.logEndOffset, 150);
  assert.ok(env.logger.matching('info', /aborted|dropped/).length > 0);
});

test('a crash in the middle of the swap is finished by the loader', async () => {
  const env = testEnv({ 'cleanup.policy': 'compact', 'segment.bytes': 1024, 'min.cleanable.dirty.ratio': 0.01 });
  const log = env.open();
  const latest = fill(env, log, 50, 6);
  log.roll();
  log.updateHighWatermark(log.logEndOffset);
  const cleaner = cleanerFor(env, log);
  // the rename that drops the .swap suffix fails: the log goes offline mid-swap
  env.fs.failOn('rename', /\.swap$/, 'EIO', 1);
  await cleaner.cleanOnce();
  assert.equal(log.isOffline, true);
  assert.ok(env.fs.readdirSync('/data/topic-0').some((n) => n.endsWith('.swap')));
  env.fs.crash('process');
  const again = env.open({ recoveryPoint: 0 });
  const recs = await allRecords(again);
  for (const [k, v] of latest) assert.ok(recs.some((r) => r.key === k && r.value === v.value && r.offset === v.offset), `latest ${k} survives`);
  assert.equal(again.logEndOffset, 250);
  assert.equal(env.fs.readdirSync('/data/topic-0').filter((n) => n.endsWith('.swap')).length, 0);
});

test('a small dedupe buffer cleans in several rounds', async () => {
  const env = testEnv({ 'cleanup.policy': 'compact', 'segment.bytes': 2048, 'min.cleanable.dirty.ratio': 0.01 });
  const log = env.open();
  const latest = fill(env, log, 80, 100);
  log.roll();
  log.updateHighWatermark(log.logEndOffset);
  const cleaner = cleanerFor(env, log, 28 * 40); // 40 slots, 36 keys per round
  let rounds = 0;
  while ((await cleaner.cleanOnce()) !== null && rounds < 20) rounds++;
  assert.ok(rounds >= 3, `${rounds} rounds`);
  const recs = await allRecords(log);
  for (const [k, v] of latest) assert.ok(recs.some((r) => r.key === k && r.value === v.value), `latest ${k}`);
  assert.equal(new Set(recs.map((r) => r.key)).size, recs.length);
});

test('offset map and segment grouping', () => {
  const m = new OffsetMap(28 * 100);
  for (let i = 0; i < 80; i++) m.put(Buffer.from(`key-${i}`), i);
  m.put(Buffer.from('key-3'), 500);
  assert.equal(m.get(Buffer.from('key-3')), 500);
  assert.equal(m.get(Buffer.from('key-79')), 79);
  assert.equal(m.get(Buffer.from('missing')), -1);
  assert.equal(m.size, 80);
  assert.equal(m.full, false);
  m.put(Buffer.from('k90'), 1);
  for (let i = 0; i < 20 && !m.full; i++) m.put(Buffer.from(`more-${i}`), i);
  assert.equal(m.full, true);
  m.clear();
  assert.equal(m.size, 0);
  assert.equal(m.get(Buffer.from('key-3')), -1, 'a cleared map is empty');
  m.put(Buffer.from('key-3'), 7);
  assert.equal(m.get(Buffer.from('key-3')), 7);
  const seg = (baseOffset: number, size: number) => ({ baseOffset, size, offsetIndexBytes: 8, timeIndexBytes: 12 });
  const groups = groupSegmentsBySize([seg(0, 400), seg(10, 400), seg(20, 400), seg(30, 900), seg(40, 10)], 1000, 1000, 50);
  assert.deepEqual(
    groups.map((g) => g.map((s) => s.baseOffset)),
    [[0, 10], [20], [30, 40]],
  );
});

test('shutting the cleaner down aborts the round in progress and leaves no cleaned files', async () => {
  const env = testEnv({ 'cleanup.policy': 'compact', 'segment.bytes': 1024, 'min.cleanable.dirty.ratio': 0.01 });
  const log = env.open();
  fill(env, log, 200, 3);
  log.roll();
  log.updateHighWatermark(log.logEndOffset);
  const cleaner = cleanerFor(env, log);
  const round = cleaner.tick();
  await new Promise((r) => setImmediate(r));
  await cleaner.shutdown();
  assert.equal(await round, null);
  assert.equal(cleaner.tick(), null, 'no round after shutdown');
  assert.equal(env.fs.readdirSync('/data/topic-0').filter((n) => n.endsWith('.cleaned')).length, 0);
});
