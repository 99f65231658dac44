import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAll, simpleBatch } from './helpers.js';
import { ManualClock } from '../../src/storage/clock.js';
import { FaultFs } from '../../src/storage/fs/fault-fs.js';
import { MemoryLogger } from '../../src/storage/logger.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { StorageError } from '../../src/storage/errors.js';
import { parseFutureDirName } from '../../src/storage/future-logs.js';
import { resolveLogConfig } from '../../src/storage/config.js';

const DIRS = ['/kafka/a', '/kafka/b'];

function env() {
  const fs = new FaultFs();
  const clock = new ManualClock();
  fs.clockMs = () => clock.now();
  const logger = new MemoryLogger();
  // Small segments, so a log moved between directories has several.
  const defaultLogConfig = { ...resolveLogConfig({}), 'segment.bytes': 400 };
  const open = () => LogManager.open({ config: { 'log.dirs': DIRS }, fs, clock, logger, defaultLogConfig });
  return { fs, clock, logger, open };
}

function values(log: Parameters<typeof readAll>[0]): string[] {
  return readAll(log).flatMap((b) => b.records.map((r) => r.value!.toString()));
}

function errorName(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof StorageError) return e.errorName;
    throw e;
  }
  return 'none';
}

test('future directory names are <topic>-<partition>.<id>-future', () => {
  assert.deepEqual(parseFutureDirName('orders-3.0f1e2d3c4b5a69788796a5b4c3d2e1f0-future'), { topic: 'orders', partition: 3 });
  assert.deepEqual(parseFutureDirName('my-topic-12.abc-future'), { topic: 'my-topic', partition: 12 });
  assert.equal(parseFutureDirName('orders-3'), null);
  assert.equal(parseFutureDirName('orders-3.abc-delete'), null);
  assert.equal(parseFutureDirName('orders.abc-future'), null);
});

test('an open log renamed to another log directory keeps reading, appending and rolling, and closes with its producer snapshot there', async () => {
  const e = env();
  const m = e.open();
  const log = m.getOrCreateLog('t', 0);
  const first = log.dir;
  for (let i = 0; i < 10; i++) log.append(simpleBatch(2, `a${i}`));
  assert.ok(log.numberOfSegments > 2, 'several segments');
  const other = first.startsWith('/kafka/a') ? '/kafka/b' : '/kafka/a';
  log.renameDir(`${other}/t-0`);
  assert.equal(e.fs.statSync(first), null);
  assert.equal(log.dir, `${other}/t-0`);
  for (let i = 10; i < 20; i++) log.append(simpleBatch(2, `a${i}`));
  const expected = Array.from({ length: 20 }, (_, i) => [`a${i}-0`, `a${i}-1`]).flat();
  assert.deepEqual(values(log), expected);
  // Every file of every segment is in the new directory.
  for (const seg of log.segments.values()) assert.ok(seg.logFile.path.startsWith(`${other}/t-0/`) && seg.offsetIndex.file.startsWith(`${other}/t-0/`));
  await log.close();
  assert.ok(e.fs.readdirSync(`${other}/t-0`).some((n) => n.endsWith('.snapshot')), 'the producer snapshot went to the new directory');
});

test('a future log: made in the named directory, refused for an unknown directory or a partition with no log, resumed after a restart', async () => {
  const e = env();
  let m = e.open();
  const current = m.getOrCreateLog('t', 0);
  const currentDir = m.futures.currentDir('t', 0)!;
  const otherDir = currentDir === DIRS[0] ? DIRS[1]! : DIRS[0]!;
  for (let i = 0; i < 5; i++) current.append(simpleBatch(1, `r${i}`));

  assert.equal(errorName(() => m.futures.getOrCreate('t', 0, '/kafka/nope')), 'LOG_DIR_NOT_FOUND');
  assert.equal(errorName(() => m.futures.getOrCreate('t', 1, otherDir)), 'REPLICA_NOT_AVAILABLE');
  assert.equal(m.futures.getOrCreate('t', 0, currentDir), null, 'already there');
  const future = m.futures.getOrCreate('t', 0, otherDir)!;
  assert.match(future.dir, new RegExp(`^${otherDir}/t-0\\.[0-9a-f]{32}-future$`));
  assert.equal(m.futures.getOrCreate('t', 0, otherDir), future, 'the same future log');
  // A topic config change reaches the future log too, which keeps it once swapped in.
  m.setTopicConfig('t', { 'retention.ms': 12345 });
  assert.equal(future.config['retention.ms'], 12345);
  future.append(current.read(0, 1 << 20).records, { assignOffsets: false });
  assert.equal(future.logEndOffset, 5);
  await m.shutdown();

  m = e.open();
  const resumed = m.futures.get('t', 0)!;
  assert.ok(resumed, 'the future log is loaded as a future log');
  assert.equal(m.futures.futureDir('t', 0), otherDir);
  assert.equal(m.getLog('t', 0)!.dir, `${currentDir}/t-0`, 'the current log stays current');
  assert.deepEqual(values(resumed), ['r0-0', 'r1-0', 'r2-0', 'r3-0', 'r4-0']);

  // Cancelled: the future log and its directory go.
  const dir = resumed.dir;
  assert.equal(m.futures.remove('t', 0), true);
  assert.equal(e.fs.statSync(dir), null);
  assert.equal(m.futures.get('t', 0), undefined);
  await m.shutdown();
});

test('the swap renames the current log -delete, gives the future log its name and removes the old one', async () => {
  const e = env();
  const m = e.open();
  const current = m.getOrCreateLog('t', 0);
  const currentDir = m.futures.currentDir('t', 0)!;
  const otherDir = currentDir === DIRS[0] ? DIRS[1]! : DIRS[0]!;
  for (let i = 0; i < 8; i++) current.append(simpleBatch(2, `s${i}`));
  current.updateHighWatermark(12);
  const future = m.futures.getOrCreate('t', 0, otherDir)!;
  future.append(current.read(0, 1 << 20).records, { assignOffsets: false });
  for (let off = future.logEndOffset; off < current.logEndOffset; off = future.logEndOffset) future.append(current.read(off, 1 << 20).records, { assignOffsets: false });
  const swapped = m.futures.replaceCurrentWithFutureLog('t', 0);
  assert.equal(swapped, future);
  assert.equal(m.getLog('t', 0), future);
  assert.equal(future.dir, `${otherDir}/t-0`);
  assert.equal(future.highWatermark, 12, 'the current log high watermark');
  assert.equal(m.futures.currentDir('t', 0), otherDir);
  assert.ok(current.isClosed);
  assert.equal(current.replacedBy, future, 'holders of the old log find the new one');
  assert.deepEqual(e.fs.subdirectoriesSync(currentDir), [], 'the old log is gone');
  assert.deepEqual(values(future), Array.from({ length: 8 }, (_, i) => [`s${i}-0`, `s${i}-1`]).flat());
  future.append(simpleBatch(1, 'after'));
  await m.shutdown();
  const again = e.open();
  assert.equal(again.getLog('t', 0)!.dir, `${otherDir}/t-0`);
  assert.equal(again.getLog('t', 0)!.logEndOffset, 17);
  await again.shutdown();
});

test('a future log found with no current log (stopped between the two renames) is promoted at start-up', async () => {
  const e = env();
  const m = e.open();
  const current = m.getOrCreateLog('t', 0);
  const currentDir = m.futures.currentDir('t', 0)!;
  const otherDir = currentDir === DIRS[0] ? DIRS[1]! : DIRS[0]!;
  for (let i = 0; i < 3; i++) current.append(simpleBatch(1, `p${i}`));
  const future = m.futures.getOrCreate('t', 0, otherDir)!;
  future.append(current.read(0, 1 << 20).records, { assignOffsets: false });
  const futureDir = future.dir;
  m.abandon();
  // The swap's first rename happened, then the broker died.
  e.fs.renameSync(`${currentDir}/t-0`, `${currentDir}/t-0.0123456789abcdef0123456789abcdef-delete`);
  const again = e.open();
  assert.equal(again.futures.get('t', 0), undefined);
  const log = again.getLog('t', 0)!;
  assert.equal(log.dir, `${otherDir}/t-0`);
  assert.equal(e.fs.statSync(futureDir), null);
  assert.deepEqual(values(log), ['p0-0', 'p1-0', 'p2-0']);
  assert.deepEqual(e.fs.subdirectoriesSync(currentDir), [], 'the -delete directory was removed');
  await again.shutdown();
});

test('the preferred directory of a partition with no log yet is where its log is made; deleting a log deletes its future log', async () => {
  const e = env();
  const m = e.open();
  // Both directories empty: without a preference the first would be taken.
  m.futures.maybeUpdatePreferredLogDir('t', 0, DIRS[1]!);
  assert.equal(errorName(() => m.futures.maybeUpdatePreferredLogDir('t', 0, '/elsewhere')), 'LOG_DIR_NOT_FOUND');
  assert.equal(m.getOrCreateLog('t', 0).dir, `${DIRS[1]}/t-0`);
  m.getOrCreateLog('t', 1);
  const future = m.futures.getOrCreate('t', 0, DIRS[0]!)!;
  assert.ok(e.fs.statSync(future.dir));
  m.deleteLog('t', 0);
  assert.equal(m.futures.get('t', 0), undefined);
  assert.equal(e.fs.statSync(future.dir), null);
  await m.shutdown();
});

test('the cleaner leaves a partition alone while it moves between log directories (Kafka pauses its cleaning)', async () => {
  const e = env();
  const m = e.open();
  m.setTopicConfig('c', { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': 0 });
  const log = m.getOrCreateLog('c', 0);
  // The same two keys over and over, in several segments: plenty to compact.
  for (let i = 0; i < 30; i++) log.append(simpleBatch(2, `c${i}`));
  log.updateHighWatermark(log.logEndOffset);
  const currentDir = m.futures.currentDir('c', 0)!;
  const future = m.futures.getOrCreate('c', 0, currentDir === DIRS[0] ? DIRS[1]! : DIRS[0]!)!;
  assert.ok(future);
  assert.equal(await m.cleaner!.cleanOnce(), null, 'nothing cleaned while the partition moves');
  m.futures.remove('c', 0);
  assert.ok(await m.cleaner!.cleanOnce(), 'cleaned once the move is over');
  await m.shutdown();
});
