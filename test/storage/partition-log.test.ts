import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatches, makeBatch, readAll, simpleBatch, testEnv } from './helpers.js';
import { isStorageError } from '../../src/storage/errors.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP } from '../../src/storage/partition-log.js';

test('append assigns contiguous offsets and the leader epoch in place; read returns the batches', () => {
  const env = testEnv();
  const log = env.open();
  const a = simpleBatch(3);
  const b = simpleBatch(2);
  const ia = log.append(a, { leaderEpoch: 7 });
  const ib = log.append(b, { leaderEpoch: 7 });
  assert.equal(ia.firstOffset, 0);
  assert.equal(ia.lastOffset, 2);
  assert.equal(ib.firstOffset, 3);
  assert.equal(ib.lastOffset, 4);
  assert.equal(ia.durable, null);
  assert.equal(log.logEndOffset, 5);
  assert.equal(a.readBigInt64BE(0), 0n);
  assert.equal(b.readBigInt64BE(0), 3n);
  const batches = readAll(log);
  assert.deepEqual(
    batches.map((x) => [x.baseOffset, x.lastOffset, x.partitionLeaderEpoch, x.crcValid]),
    [
      [0, 2, 7, true],
      [3, 4, 7, true],
    ],
  );
  assert.deepEqual(
    batches.flatMap((x) => x.records.map((r) => r.offset)),
    [0, 1, 2, 3, 4],
  );
});

test('read starts at the batch containing the offset, returns whole batches within the byte limit', () => {
  const env = testEnv();
  const log = env.open();
  for (let i = 0; i < 10; i++) log.append(simpleBatch(5, `b${i}`));
  const size = simpleBatch(5, 'b0').length;
  const r = log.read(12, size * 2 + 10);
  const got = decodeBatches(r.records);
  assert.deepEqual(
    got.map((x) => x.baseOffset),
    [10, 15],
  );
  // limit smaller than one batch: the first batch anyway (minOneMessage), or nothing
  assert.equal(decodeBatches(log.read(12, 10).records).length, 1);
  const none = log.read(12, 10, { minOneMessage: false });
  assert.equal(none.records.length, 0);
  assert.equal(none.firstBatchTooLarge, true);
  // at the log end: empty; past it or below the start: out of range
  assert.equal(log.read(50, 1000).records.length, 0);
  assert.throws(() => log.read(51, 1000), (e) => isStorageError(e, 'OFFSET_OUT_OF_RANGE'));
  assert.throws(() => log.read(-1, 1000), (e) => isStorageError(e, 'OFFSET_OUT_OF_RANGE'));
});

test('bytesBetween counts whole batches from index positions, across segments, as read would return them', () => {
  const env = testEnv({ 'segment.bytes': 1024, 'index.interval.bytes': 128 });
  const log = env.open();
  const sizes: number[] = [];
  for (let i = 0; i < 40; i++) {
    const b = simpleBatch(3, `b${i}`, 20);
    sizes.push(b.length);
    log.append(b);
  }
  assert.ok(log.numberOfSegments > 2, 'the test wants several segments');
  const end = log.logEndOffset;
  // Batch i holds offsets 3i..3i+2: bytes from the batch holding `from` up to (not with) the
  // first batch whose last offset reaches `to`, as a read bounded by `to` returns.
  const expected = (from: number, to: number) => {
    let n = 0;
    for (let i = Math.floor(from / 3); 3 * i + 2 < to; i++) n += sizes[i]!;
    return n;
  };
  for (const [from, to] of [[0, end], [4, 6], [4, 30], [31, 100], [0, 1], [60, end], [end, end], [7, 7]] as const) {
    assert.equal(log.bytesBetween(from, to), from >= to ? 0 : expected(from, to), `${from}..${to}`);
  }
  // Within one segment it is what a read up to that offset returns.
  const read = log.read(end - 6, 1 << 20).records.length;
  assert.equal(log.bytesBetween(end - 6, end), read);
  assert.throws(() => log.bytesBetween(end + 1, end + 2), (e) => isStorageError(e, 'OFFSET_OUT_OF_RANGE'));
});

test('high watermark isolation hides batches at or above the high watermark', () => {
  const env = testEnv();
  const log = env.open();
  for (let i = 0; i < 4; i++) log.append(simpleBatch(5));
  assert.equal(log.highWatermark, 0);
  assert.equal(log.read(0, 1 << 20, { isolation: 'highWatermark' }).records.length, 0);
  log.updateHighWatermark(10);
  const got = decodeBatches(log.read(0, 1 << 20, { isolation: 'highWatermark' }).records);
  assert.deepEqual(
    got.map((b) => b.baseOffset),
    [0, 5],
  );
  assert.equal(log.updateHighWatermark(100), 20, 'clamped to the log end offset');
});

test('segments roll on segment.bytes, are named by 20-digit base offset, and survive a clean reopen', async () => {
  const env = testEnv({ 'segment.bytes': 4096, 'index.interval.bytes': 512 });
  const log = env.open();
  for (let i = 0; i < 40; i++) log.append(simpleBatch(4, `x${i}`, 50));
  assert.ok(log.numberOfSegments > 3, `${log.numberOfSegments} segments`);
  const names = env.fs.readdirSync('/data/topic-0').sort();
  assert.ok(names.includes('00000000000000000000.log'));
  assert.ok(names.includes('00000000000000000000.index'));
  assert.ok(names.includes('00000000000000000000.timeindex'));
  for (const n of names.filter((x) => x.endsWith('.log'))) assert.match(n, /^\d{20}\.log$/);
  const before = readAll(log);
  await log.close();
  const again = env.open({ hadCleanShutdown: true });
  assert.equal(again.logEndOffset, 160);
  assert.equal(again.numberOfSegments, log.numberOfSegments);
  assert.deepEqual(readAll(again), before);
  // every segment's offset index points at batches that end with the indexed offset
  for (const seg of again.segments.values()) {
    seg.ensureIndexesLoaded();
    for (let i = 0; i < seg.offsetIndex.entries; i++) {
      const off = seg.offsetIndex.offsetAt(i);
      const r = again.read(off, 1);
      assert.equal(decodeBatches(r.records)[0]!.lastOffset, off);
    }
  }
  assert.ok(env.logger.matching('warn', /./).length === 0, env.logger.lines.map((l) => l.msg).join('\n'));
});

test('LogAppendTime rewrites the max timestamp and the CRC', () => {
  const env = testEnv({ 'message.timestamp.type': 'LogAppendTime' });
  const log = env.open();
  const info = log.append(simpleBatch(3, 'v', 0, 5));
  assert.equal(info.logAppendTime, env.clock.now());
  const [b] = decodeBatches(log.read(0, 1 << 20).records);
  assert.equal(b!.crcValid, true);
  assert.equal(b!.attributes & 0x08, 0x08);
  assert.equal(b!.maxTimestamp, env.clock.now());
  assert.deepEqual(
    b!.records.map((r) => r.timestamp),
    [env.clock.now(), env.clock.now(), env.clock.now()],
  );
});

test('offset lookup by timestamp returns the first record at or after the time', async () => {
  const env = testEnv({ 'segment.bytes': 2048, 'index.interval.bytes': 100 });
  const log = env.open();
  for (let i = 0; i < 30; i++) {
    log.append(makeBatch([{ key: 'a', timestamp: 10_000 + i * 10 }, { key: 'b', timestamp: 10_000 + i * 10 + 5 }]));
  }
  assert.ok(log.numberOfSegments > 1);
  assert.deepEqual(await log.fetchOffsetByTimestamp(10_000), { offset: 0, timestamp: 10_000, leaderEpoch: -1 });
  assert.equal((await log.fetchOffsetByTimestamp(10_003))!.offset, 1);
  assert.equal((await log.fetchOffsetByTimestamp(10_006))!.offset, 2);
  assert.equal((await log.fetchOffsetByTimestamp(10_155))!.offset, 31);
  assert.deepEqual(await log.fetchOffsetByTimestamp(10_291), { offset: 59, timestamp: 10_295, leaderEpoch: -1 });
  assert.equal(await log.fetchOffsetByTimestamp(10_296), null);
  assert.equal((await log.fetchOffsetByTimestamp(EARLIEST_TIMESTAMP))!.offset, 0);
  assert.equal((await log.fetchOffsetByTimestamp(LATEST_TIMESTAMP))!.offset, 60);
  assert.deepEqual(await log.fetchOffsetByTimestamp(MAX_TIMESTAMP), { offset: 59, timestamp: 10_295, leaderEpoch: -1 });
});

test('oversized batches and appends are refused with Kafka error codes', () => {
  const env = testEnv({ 'max.message.bytes': 200, 'segment.bytes': 1000 });
  const log = env.open();
  assert.throws(() => log.append(simpleBatch(10, 'v', 50)), (e) => isStorageError(e, 'MESSAGE_TOO_LARGE'));
  const many = Buffer.concat(Array.from({ length: 20 }, () => simpleBatch(1, 'v', 20)));
  assert.throws(() => log.append(many), (e) => isStorageError(e, 'RECORD_LIST_TOO_LARGE'));
  assert.throws(() => log.append(simpleBatch(1).subarray(0, 40)), (e) => isStorageError(e, 'CORRUPT_MESSAGE'));
  assert.equal(log.logEndOffset, 0);
});

test('several batches in one append get offsets batch after batch', () => {
  const env = testEnv();
  const log = env.open();
  log.append(simpleBatch(2));
  const info = log.append(Buffer.concat([simpleBatch(3), simpleBatch(4)]));
  assert.equal(info.firstOffset, 2);
  assert.equal(info.lastOffset, 8);
  assert.equal(info.recordCount, 7);
  assert.deepEqual(
    readAll(log).map((b) => [b.baseOffset, b.lastOffset]),
    [
      [0, 1],
      [2, 4],
      [5, 8],
    ],
  );
});

test('follower appends keep their offsets and refuse going backwards', () => {
  const env = testEnv();
  const log = env.open();
  const b = makeBatch([{ value: 'a' }, { value: 'b' }], { baseOffset: 100 });
  log.append(b, { assignOffsets: false });
  assert.equal(log.logEndOffset, 102);
  assert.throws(
    () => log.append(makeBatch([{ value: 'c' }], { baseOffset: 101 }), { assignOffsets: false }),
    (e) => isStorageError(e, 'UNEXPECTED_APPEND_OFFSET'),
  );
});

test('truncateTo removes later batches and segments; appends continue from there', () => {
  const env = testEnv({ 'segment.bytes': 1024 });
  const log = env.open();
  for (let i = 0; i < 20; i++) log.append(simpleBatch(5, `t${i}`, 20));
  const segs = log.numberOfSegments;
  assert.ok(segs > 2);
  log.updateHighWatermark(100);
  assert.equal(log.truncateTo(35), true);
  assert.equal(log.logEndOffset, 35);
  assert.equal(log.highWatermark, 35);
  assert.ok(log.numberOfSegments < segs);
  assert.deepEqual(readAll(log).at(-1)!.lastOffset, 34);
  const info = log.append(simpleBatch(1));
  assert.equal(info.firstOffset, 35);
  assert.equal(log.truncateTo(1000), false);
  log.truncateFullyAndStartAt(500);
  assert.equal(log.logStartOffset, 500);
  assert.equal(log.logEndOffset, 500);
  assert.equal(log.append(simpleBatch(1)).firstOffset, 500);
});

test('segment.ms rolls by record time when batches carry timestamps, else by wall clock; segment.jitter.ms shortens it', () => {
  const env = testEnv({ 'segment.ms': 60_000 });
  const log = env.open();
  log.append(makeBatch([{ value: 'a', timestamp: 1_000_000 }]));
  log.append(makeBatch([{ value: 'b', timestamp: 1_000_000 + 59_000 }]));
  assert.equal(log.numberOfSegments, 1);
  log.append(makeBatch([{ value: 'c', timestamp: 1_000_000 + 60_001 }]));
  assert.equal(log.numberOfSegments, 2, 'rolled: record time passed segment.ms');
  // no timestamps: the segment's age on the clock decides
  const env2 = testEnv({ 'segment.ms': 60_000 });
  const log2 = env2.open();
  log2.append(makeBatch([{ value: 'a', timestamp: -1 }]));
  env2.clock.advance(59_000);
  log2.append(makeBatch([{ value: 'b', timestamp: -1 }]));
  assert.equal(log2.numberOfSegments, 1);
  env2.clock.advance(2_000);
  log2.append(makeBatch([{ value: 'c', timestamp: -1 }]));
  assert.equal(log2.numberOfSegments, 2);
  // jitter: each segment rolls up to segment.jitter.ms early
  const env3 = testEnv({ 'segment.ms': 60_000, 'segment.jitter.ms': 30_000 });
  const log3 = env3.open();
  const jitter = log3.activeSegment.rollJitterMs;
  assert.ok(jitter >= 0 && jitter < 30_000);
  log3.append(makeBatch([{ value: 'a', timestamp: 5_000_000 }]));
  log3.append(makeBatch([{ value: 'b', timestamp: 5_000_000 + 60_000 - jitter + 1 }]));
  assert.equal(log3.numberOfSegments, 2);
});

test('a full offset or time index rolls the segment (segment.index.bytes)', () => {
  const env = testEnv({ 'segment.index.bytes': 64, 'index.interval.bytes': 0 });
  const log = env.open();
  for (let i = 0; i < 40; i++) log.append(makeBatch([{ value: `v${i}`, timestamp: 1000 + i }]));
  assert.ok(log.numberOfSegments >= 5, `${log.numberOfSegments} segments`);
  for (const s of log.segments.values()) {
    s.ensureIndexesLoaded();
    assert.ok(s.offsetIndex.entries <= 8);
    assert.ok(s.timeIndex.entries <= 5);
  }
  assert.equal(readAll(log).length, 40);
});

test('flush.messages=N: the append that reaches N unflushed messages waits for the fsync', async () => {
  const env = testEnv({ 'flush.messages': 10 });
  const log = env.open();
  const waits = [];
  for (let i = 0; i < 4; i++) waits.push(log.append(simpleBatch(3)).durable);
  assert.deepEqual(
    waits.map((w) => w !== null),
    [false, false, false, true],
  );
  await waits[3];
  assert.equal(log.durableOffset, 12);
  assert.equal(log.append(simpleBatch(3)).durable, null);
});

test('a roll flushes the old segment in the background and moves the recovery point', async () => {
  const env = testEnv({ 'segment.bytes': 1000 });
  const log = env.open();
  for (let i = 0; i < 10; i++) log.append(simpleBatch(2, 'r', 40));
  assert.ok(log.numberOfSegments > 1);
  const before = env.fs.stats.fdatasync;
  await log.flush(0); // waits for the roll's queued flush
  assert.ok(env.fs.stats.fdatasync > before || log.recoveryPoint > 0);
  assert.equal(log.recoveryPoint, log.activeSegment.baseOffset);
});

test('the high watermark listener hears every change', () => {
  const env = testEnv();
  const log = env.open();
  const seen: number[] = [];
  log.setOffsetsListener({ onHighWatermarkUpdated: (hw) => seen.push(hw) });
  log.append(simpleBatch(5));
  log.updateHighWatermark(3);
  assert.equal(log.maybeIncrementHighWatermark(2), false);
  assert.equal(log.maybeIncrementHighWatermark(5), true);
  log.truncateTo(4);
  assert.deepEqual(seen, [3, 5, 0]);
});
