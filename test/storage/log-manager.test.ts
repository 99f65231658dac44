import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAll, simpleBatch } from './helpers.js';
import { ManualClock } from '../../src/storage/clock.js';
import { FaultFs } from '../../src/storage/fs/fault-fs.js';
import { MemoryLogger } from '../../src/storage/logger.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { resolveLogConfig } from '../../src/storage/config.js';
import { decodeOffsetCheckpoint } from '../../src/storage/checkpoint.js';

function env(dirs = ['/kafka/a']) {
  const fs = new FaultFs();
  const clock = new ManualClock();
  fs.clockMs = () => clock.now();
  const logger = new MemoryLogger();
  const open = (extra: Partial<Parameters<typeof LogManager.open>[0]> = {}) =>
    LogManager.open({ config: { 'log.dirs': dirs, ...(extra.config ?? {}) }, fs, clock, logger, ...extra });
  return { fs, clock, logger, open };
}

test('clean shutdown writes checkpoints and the marker; the next start-up recovers nothing', async () => {
  const e = env();
  const m = e.open();
  const a = m.getOrCreateLog('orders', 0);
  const b = m.getOrCreateLog('orders', 1);
  const c = m.getOrCreateLog('my-topic-with-dashes', 3);
  for (let i = 0; i < 10; i++) {
    a.append(simpleBatch(2));
    b.append(simpleBatch(3));
  }
  c.append(simpleBatch(1));
  a.updateHighWatermark(20);
  await m.shutdown();
  assert.ok(e.fs.statSync('/kafka/a/.kafka_cleanshutdown'));
  assert.deepEqual(JSON.parse(e.fs.readFileSync('/kafka/a/.kafka_cleanshutdown')!.toString()), { version: 0, brokerEpoch: -1 });
  const rp = decodeOffsetCheckpoint(e.fs.readFileSync('/kafka/a/recovery-point-offset-checkpoint')!);
  assert.deepEqual(
    [...rp.entries()].sort(),
    [
      ['my-topic-with-dashes-3', 1],
      ['orders-0', 20],
      ['orders-1', 30],
    ],
  );
  assert.match(e.fs.readFileSync('/kafka/a/replication-offset-checkpoint')!.toString(), /^0\n3\n/);
  e.logger.lines.length = 0;
  const m2 = e.open();
  assert.equal(m2.getLog('orders', 0)!.logEndOffset, 20);
  assert.equal(m2.getLog('orders', 0)!.highWatermark, 20);
  assert.equal(m2.getLog('orders', 1)!.logEndOffset, 30);
  assert.equal(m2.getLog('my-topic-with-dashes', 3)!.logEndOffset, 1);
  assert.equal(e.logger.matching('info', /recovering unflushed segment/).length, 0);
  assert.equal(e.fs.statSync('/kafka/a/.kafka_cleanshutdown'), null, 'the marker is consumed at start-up');
  await m2.shutdown();
});

test('a new log directory is a clean start, not a crash: nothing is said about a missing shutdown marker', async () => {
  const e = env();
  const m = e.open();
  assert.deepEqual(e.logger.matching('info', /clean shutdown marker|recover/), []);
  assert.equal(e.logger.matching('info', /no logs in \/kafka\/a: starting empty/).length, 1);
  await m.shutdown();
});

test('without the marker every log is recovered from its recovery point', async () => {
  const e = env();
  const m = e.open();
  const a = m.getOrCreateLog('t', 0);
  for (let i = 0; i < 10; i++) a.append(simpleBatch(2));
  await m.checkpointRecoveryOffsets();
  m.abandon();
  e.fs.crash('process');
  const m2 = e.open();
  assert.equal(m2.getLog('t', 0)!.logEndOffset, 20);
  assert.ok(e.logger.matching('info', /recovering unflushed segment/).length > 0);
  m2.abandon();
});

test('checkpoint writes begun together go one after another, the last one begun holding the file', async () => {
  // The periodic task and a follower's truncation both write: with one temporary file between
  // them, the second rename failed (ENOENT) and held a replica fetcher back.
  const e = env();
  const m = e.open();
  const a = m.getOrCreateLog('t', 0);
  a.append(simpleBatch(2));
  await a.flush();
  const first = m.checkpointRecoveryOffsets();
  a.append(simpleBatch(3));
  await a.flush();
  await Promise.all([first, m.checkpointRecoveryOffsets(), m.checkpointLogStartOffsets(), m.checkpointLogStartOffsets()]);
  const rp = decodeOffsetCheckpoint(e.fs.readFileSync('/kafka/a/recovery-point-offset-checkpoint')!);
  assert.equal(rp.get('t-0'), 5);
  await m.shutdown();
});

test('a malformed checkpoint file is logged and costs only a longer recovery', async () => {
  const e = env();
  const m = e.open();
  m.getOrCreateLog('t', 0).append(simpleBatch(5));
  await m.shutdown();
  e.fs.overwrite('/kafka/a/recovery-point-offset-checkpoint', 0, Buffer.from('garbage\n'));
  e.fs.overwrite('/kafka/a/log-start-offset-checkpoint', 0, Buffer.from('0\n7\nt 0\n'));
  const m2 = e.open();
  assert.equal(m2.getLog('t', 0)!.logEndOffset, 5);
  assert.equal(e.logger.matching('warn', /recovery-point-offset-checkpoint/).length, 1);
  assert.equal(e.logger.matching('warn', /log-start-offset-checkpoint/).length, 1);
  m2.abandon();
});

test('retention runs on the timer: segments past retention.ms are renamed .deleted, removed after file.delete.delay.ms', async () => {
  const e = env();
  const m = e.open({
    config: { 'log.dirs': ['/kafka/a'], 'log.retention.check.interval.ms': 1000, 'log.initial.task.delay.ms': 0 },
    defaultLogConfig: resolveLogConfig({ 'segment.bytes': 1024, 'retention.ms': 60_000, 'file.delete.delay.ms': 5000 }),
  });
  const log = m.getOrCreateLog('t', 0);
  for (let i = 0; i < 20; i++) log.append(simpleBatch(3, 'old', 30, e.clock.now() - 120_000));
  for (let i = 0; i < 5; i++) log.append(simpleBatch(3, 'new', 30, e.clock.now()));
  log.updateHighWatermark(log.logEndOffset);
  m.startup();
  m.tick();
  assert.ok(log.logStartOffset > 0, `log start offset ${log.logStartOffset}`);
  assert.ok(readAll(log).every((b) => b.maxTimestamp >= e.clock.now() - 120_000));
  const deleted = () => e.fs.readdirSync('/kafka/a/t-0').filter((n) => n.endsWith('.deleted'));
  assert.ok(deleted().length > 0);
  e.clock.advance(6000);
  m.tick();
  assert.equal(deleted().length, 0);
  await m.shutdown();
});

test('retention.bytes keeps the log under the limit in whole segments; the active segment stays', async () => {
  const e = env();
  const m = e.open({ defaultLogConfig: resolveLogConfig({ 'segment.bytes': 1000, 'retention.bytes': 3000 }) });
  const log = m.getOrCreateLog('t', 0);
  for (let i = 0; i < 60; i++) log.append(simpleBatch(2, 'r', 30, e.clock.now()));
  log.updateHighWatermark(log.logEndOffset);
  const n = m.cleanupLogs();
  assert.ok(n > 0);
  assert.ok(log.size <= 3000 + 1000, `${log.size}`);
  assert.ok(log.size > 3000 - 1000);
  assert.equal(log.logStartOffset, log.segments.first!.baseOffset);
  // the high watermark protects unreplicated data
  const log2 = m.getOrCreateLog('u', 0);
  for (let i = 0; i < 60; i++) log2.append(simpleBatch(2, 'r', 30));
  m.setTopicConfig('u', { 'segment.bytes': 1000, 'retention.bytes': 0 });
  assert.equal(log2.deleteOldSegments(), 0, 'nothing at or past the high watermark goes');
  await m.shutdown();
});

test('an empty cleanup.policy keeps every segment (no size or time retention), and a negative retention.bytes is no limit', async () => {
  const e = env();
  const m = e.open({ defaultLogConfig: resolveLogConfig({ 'segment.bytes': 1000, 'retention.bytes': 0, 'retention.ms': 0, 'cleanup.policy': '' }) });
  const log = m.getOrCreateLog('t', 0);
  for (let i = 0; i < 60; i++) log.append(simpleBatch(2, 'r', 30, e.clock.now() - 3_600_000));
  log.updateHighWatermark(log.logEndOffset);
  const segments = log.segments.count;
  assert.ok(segments > 3);
  assert.equal(m.cleanupLogs(), 0);
  assert.equal(log.segments.count, segments);
  assert.equal(log.logStartOffset, 0);
  m.setTopicConfig('t', { 'segment.bytes': 1000, 'retention.bytes': -5, 'retention.ms': -1, 'cleanup.policy': 'delete' });
  assert.equal(log.config['cleanup.policy'], 'delete');
  assert.equal(m.cleanupLogs(), 0, 'retention.bytes -5 and retention.ms -1 limit nothing');
  await m.shutdown();
});

test('DeleteRecords moves the log start offset, which survives restart via log-start-offset-checkpoint', async () => {
  const e = env();
  const m = e.open({ defaultLogConfig: resolveLogConfig({ 'segment.bytes': 1000 }) });
  const log = m.getOrCreateLog('t', 0);
  for (let i = 0; i < 30; i++) log.append(simpleBatch(2, 'd', 30, e.clock.now()));
  log.updateHighWatermark(60);
  assert.equal(log.maybeIncrementLogStartOffset(33), true);
  assert.throws(() => log.read(10, 1000));
  assert.equal(readAll(log)[0]!.records.at(-1)!.offset, 33);
  m.cleanupLogs();
  assert.ok(log.segments.first!.baseOffset <= 33);
  await m.shutdown();
  const m2 = e.open();
  assert.equal(m2.getLog('t', 0)!.logStartOffset, 33);
  m2.abandon();
});

test('thousands of segments over many partitions stay within the open-descriptor bound', async () => {
  const e = env(['/kafka/a', '/kafka/b']);
  const m = e.open({ config: { 'log.dirs': ['/kafka/a', '/kafka/b'], 'millrace.log.max.open.files': 16 }, defaultLogConfig: resolveLogConfig({ 'segment.bytes': 600 }) });
  for (let p = 0; p < 100; p++) {
    const log = m.getOrCreateLog('many', p);
    for (let i = 0; i < 8; i++) log.append(simpleBatch(2, `p${p}`, 40));
    assert.ok(e.fs.openFdCount <= 16, `${e.fs.openFdCount} open`);
  }
  for (let p = 0; p < 100; p++) assert.equal(readAll(m.getLog('many', p)!).length, 8);
  assert.ok(e.fs.openFdCount <= 16);
  assert.equal(e.fs.readdirSync('/kafka/a').filter((n) => n.startsWith('many-')).length, 50, 'new partitions spread over the log dirs');
  await m.shutdown();
  assert.equal(e.fs.openFdCount, 0);
  const m2 = e.open({ config: { 'log.dirs': ['/kafka/a', '/kafka/b'], 'millrace.log.max.open.files': 16 } });
  assert.equal(m2.logCount, 100);
  assert.ok(e.fs.openFdCount <= 16);
  m2.abandon();
});

test('deleting a partition removes its directory; a leftover -delete directory is removed at start-up', async () => {
  const e = env();
  const m = e.open();
  m.getOrCreateLog('t', 0).append(simpleBatch(1));
  assert.equal(m.deleteLog('t', 0), true);
  assert.equal(m.getLog('t', 0), undefined);
  assert.deepEqual(
    e.fs.readdirSync('/kafka/a').filter((n) => n.startsWith('t-')),
    [],
  );
  e.fs.mkdirSync('/kafka/a/x-0.abc-delete');
  await m.shutdown();
  const m2 = e.open();
  assert.deepEqual(
    e.fs.readdirSync('/kafka/a').filter((n) => n.includes('delete')),
    [],
  );
  m2.abandon();
});

test('a partition that cannot be opened stays offline; the others serve', async () => {
  const e = env();
  const m = e.open();
  m.getOrCreateLog('good', 0).append(simpleBatch(1));
  m.getOrCreateLog('bad', 0).append(simpleBatch(1));
  await m.shutdown();
  e.fs.failOn('readdir', '/kafka/a/bad-0', 'EIO', 10);
  const m2 = e.open();
  assert.equal(m2.getLog('good', 0)!.logEndOffset, 1);
  assert.equal(m2.getLog('bad', 0), undefined);
  assert.ok(m2.offlinePartitions.has('bad-0'));
  assert.ok(e.logger.matching('error', /bad-0/).length > 0);
  m2.abandon();
});

test('flush.ms: the flusher fsyncs logs whose interval passed and advances the recovery point', async () => {
  const e = env();
  const m = e.open({ defaultLogConfig: resolveLogConfig({ 'flush.ms': 1000 }) });
  const log = m.getOrCreateLog('t', 0);
  log.append(simpleBatch(4));
  await m.flushDirtyLogs();
  assert.equal(log.recoveryPoint, 0);
  e.clock.advance(1500);
  await m.flushDirtyLogs();
  assert.equal(log.recoveryPoint, 4);
  await m.shutdown();
});

test('index memory of inactive segments stays within millrace.log.index.cache.bytes; dropped indexes reload on use', async () => {
  const e = env();
  const m = e.open({ defaultLogConfig: resolveLogConfig({ 'segment.bytes': 2000, 'index.interval.bytes': 64 }) });
  const log = m.getOrCreateLog('t', 0);
  for (let i = 0; i < 200; i++) log.append(simpleBatch(2, 'i', 40));
  const before = readAll(log);
  const total = log.segments.values().reduce((n, s) => n + s.indexMemoryBytes, 0);
  assert.ok(total > 2000, `${total} bytes of index`);
  const freed = m.boundIndexMemory(1000);
  assert.ok(freed > 0);
  const inactive = log.segments.values().slice(0, -1).reduce((n, s) => n + s.indexMemoryBytes, 0);
  assert.ok(inactive <= 1000, `${inactive} bytes left`);
  assert.deepEqual(readAll(log), before, 'reads reload dropped indexes');
  await m.shutdown();
});
