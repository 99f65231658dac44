import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatches, readAll, simpleBatch, testEnv } from './helpers.js';
import { isStorageError } from '../../src/storage/errors.js';

function offsetsOf(batches: ReturnType<typeof readAll>): number[] {
  return batches.flatMap((b) => b.records.map((r) => r.offset));
}

function assertContiguous(batches: ReturnType<typeof readAll>, from = 0): void {
  const offs = offsetsOf(batches);
  offs.forEach((o, i) => assert.equal(o, from + i, `offset ${o} at position ${i}`));
  for (const b of batches) assert.equal(b.crcValid, true);
}

test('a killed process loses nothing written: unclean reopen recovers every batch', () => {
  const env = testEnv({ 'segment.bytes': 2048, 'index.interval.bytes': 256 });
  const log = env.open();
  for (let i = 0; i < 50; i++) log.append(simpleBatch(3, `p${i}`, 30));
  const before = readAll(log);
  env.fs.crash('process');
  const again = env.open({ hadCleanShutdown: false, recoveryPoint: 0 });
  assert.equal(again.logEndOffset, 150);
  assert.deepEqual(readAll(again), before);
  assertContiguous(readAll(again));
  assert.ok(env.logger.matching('info', /recovering unflushed segment/).length > 0);
});

test('after a power cut without fsync, the log keeps a valid prefix with contiguous offsets', () => {
  const env = testEnv({ 'segment.bytes': 2048 });
  const log = env.open();
  for (let i = 0; i < 40; i++) log.append(simpleBatch(2, `q${i}`, 40));
  env.fs.crash('power', { torn: true });
  const again = env.open({ recoveryPoint: 0 });
  const batches = readAll(again);
  assertContiguous(batches);
  assert.equal(again.logEndOffset, offsetsOf(batches).length);
  // appends continue right after what survived
  assert.equal(again.append(simpleBatch(1)).firstOffset, again.logEndOffset - 1);
});

test('flush.messages=1: every acknowledged append survives a power cut', async () => {
  const env = testEnv({ 'flush.messages': 1, 'segment.bytes': 1500 });
  const log = env.open();
  let acked = 0;
  for (let i = 0; i < 30; i++) {
    const info = log.append(simpleBatch(2, `d${i}`, 50));
    assert.ok(info.durable, 'each append waits for an fsync');
    await info.durable;
    acked = info.lastOffset + 1;
  }
  // unacknowledged tail
  log.append(simpleBatch(2, 'unacked'));
  env.fs.crash('power', { torn: true });
  const again = env.open({ recoveryPoint: 0 });
  assert.ok(again.logEndOffset >= acked, `${again.logEndOffset} >= ${acked}`);
  assertContiguous(readAll(again));
});

test('group commit: appends waiting at the same moment share one fsync', async () => {
  const env = testEnv({ 'flush.messages': 1 });
  env.fs.fsyncDelayMs = 5;
  const log = env.open();
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 100; i++) waits.push(log.append(simpleBatch(1)).durable!);
  await Promise.all(waits);
  assert.ok(env.fs.stats.fdatasync <= 4, `${env.fs.stats.fdatasync} fsyncs for 100 appends`);
  assert.equal(log.durableOffset, 100);
});

test('a bit flip in the active segment truncates the log there after an unclean stop', () => {
  const env = testEnv({ 'segment.bytes': 100_000 });
  const log = env.open();
  for (let i = 0; i < 20; i++) log.append(simpleBatch(5, `f${i}`, 20));
  const size = simpleBatch(5, 'f0', 20).length;
  env.fs.crash('process');
  // flip a byte inside the 8th batch's records (covered by its CRC)
  env.fs.flipBits('/data/topic-0/00000000000000000000.log', size * 7 + 70, 0x10);
  const again = env.open({ recoveryPoint: 0 });
  assert.equal(again.logEndOffset, 35);
  assertContiguous(readAll(again));
  assert.ok(env.logger.matching('warn', /CRC mismatch/).length > 0, 'the corruption is logged clearly');
});

test('corruption in an older unflushed segment drops it from there and every later segment', () => {
  const env = testEnv({ 'segment.bytes': 1024 });
  const log = env.open();
  for (let i = 0; i < 30; i++) log.append(simpleBatch(4, `g${i}`, 20));
  const segs = log.segments.values().map((s) => s.baseOffset);
  assert.ok(segs.length >= 4);
  env.fs.crash('process');
  const victim = segs[1]!;
  env.fs.flipBits(`/data/topic-0/${String(victim).padStart(20, '0')}.log`, 30);
  const again = env.open({ recoveryPoint: 0 });
  assert.equal(again.numberOfSegments, 2);
  assert.equal(again.logEndOffset, victim);
  assertContiguous(readAll(again));
});

test('a truncated log file (torn tail) recovers to the last whole batch', () => {
  const env = testEnv();
  const log = env.open();
  for (let i = 0; i < 10; i++) log.append(simpleBatch(2, `h${i}`, 10));
  const size = simpleBatch(2, 'h0', 10).length;
  env.fs.crash('process');
  env.fs.truncateFile('/data/topic-0/00000000000000000000.log', size * 6 + 17);
  const again = env.open({ recoveryPoint: 0 });
  assert.equal(again.logEndOffset, 12);
  assertContiguous(readAll(again));
});

test('a damaged tail found even after a clean shutdown is recovered, not fatal', async () => {
  const env = testEnv();
  const log = env.open();
  for (let i = 0; i < 10; i++) log.append(simpleBatch(2));
  await log.close();
  const size = simpleBatch(2).length;
  env.fs.truncateFile('/data/topic-0/00000000000000000000.log', size * 4 + 3);
  const again = env.open({ hadCleanShutdown: true });
  assert.equal(again.logEndOffset, 8);
  assert.ok(env.logger.matching('error', /damaged/).length > 0);
});

test('a corrupt or missing index is rebuilt from the log', async () => {
  const env = testEnv({ 'segment.bytes': 4096, 'index.interval.bytes': 128 });
  const log = env.open();
  for (let i = 0; i < 40; i++) log.append(simpleBatch(3, `i${i}`, 20));
  const expected = readAll(log);
  await log.close();
  const segs = log.segments.values().map((s) => String(s.baseOffset).padStart(20, '0'));
  // garbage in the first segment's offset index, the second's time index deleted
  env.fs.overwrite(`/data/topic-0/${segs[0]}.index`, 8, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]));
  env.fs.unlinkSync(`/data/topic-0/${segs[1]}.timeindex`);
  const again = env.open({ hadCleanShutdown: true });
  assert.deepEqual(readAll(again), expected);
  assert.equal((await again.fetchOffsetByTimestamp(1000))!.offset, 0);
  assert.ok(env.logger.matching('warn', /index file .* is corrupt/).length > 0);
  assert.ok(env.logger.matching('error', /could not find the index files/).length > 0);
});

test('a failed write leaves no partial batch and takes the log offline until reopened', () => {
  const env = testEnv();
  const log = env.open();
  log.append(simpleBatch(2));
  env.fs.setDiskLimit(env.fs.statSync('/data/topic-0/00000000000000000000.log')!.size + 100);
  assert.throws(() => log.append(simpleBatch(20, 'big', 30)), (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
  assert.equal(log.isOffline, true);
  assert.throws(() => log.read(0, 100), (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
  assert.ok(env.logger.matching('error', /offline/).length > 0);
  env.fs.setDiskLimit(Infinity);
  env.fs.crash('process');
  const again = env.open({ recoveryPoint: 0 });
  assert.equal(again.logEndOffset, 2);
  assertContiguous(readAll(again));
});

test('a failed fsync rejects the waiting appends and takes the log offline', async () => {
  const env = testEnv({ 'flush.messages': 1 });
  const log = env.open();
  env.fs.failOn('fsync', '.log', 'EIO');
  const info = log.append(simpleBatch(1));
  await assert.rejects(info.durable!, (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
  assert.throws(() => log.append(simpleBatch(1)), (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
});

test('short writes are completed', () => {
  const env = testEnv();
  env.fs.shortWrites = true;
  const log = env.open();
  for (let i = 0; i < 30; i++) log.append(simpleBatch(3, `s${i}`, 30));
  assertContiguous(readAll(log));
  assert.equal(decodeBatches(log.read(0, 1 << 20).records).length, 30);
});

test('recovery point: after a flush, a clean-marker-less reopen only scans past it', async () => {
  const env = testEnv({ 'segment.bytes': 1024 });
  const log = env.open();
  for (let i = 0; i < 30; i++) log.append(simpleBatch(4, `r${i}`, 20));
  await log.flush();
  assert.equal(log.recoveryPoint, 120);
  for (let i = 0; i < 3; i++) log.append(simpleBatch(4));
  env.fs.crash('power');
  const again = env.open({ recoveryPoint: log.recoveryPoint });
  assert.equal(again.logEndOffset, 120);
  const recovered = env.logger.matching('info', /recovering unflushed segment/);
  assert.equal(recovered.length, 1, recovered.join('\n'));
});
