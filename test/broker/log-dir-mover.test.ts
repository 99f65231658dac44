import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAll, simpleBatch } from '../storage/helpers.js';
import { ManualClock } from '../../src/storage/clock.js';
import { FaultFs } from '../../src/storage/fs/fault-fs.js';
import { MemoryLogger } from '../../src/storage/logger.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { resolveLogConfig } from '../../src/storage/config.js';
import { LeaderEpochCache } from '../../src/storage/leader-epoch-cache.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { UNBOUNDED_RATE } from '../../src/cluster/replication/replication-quota.js';
import { LogDirMover, alterLogDirsRate, type LogDirMoverHost } from '../../src/broker/log-dir-mover.js';

const A = '/kafka/a';
const B = '/kafka/b';

/** Two log directories on a fault-injecting in-memory file system, a hand-driven clock and mover. */
function env(opts: { chunkBytes?: number } = {}) {
  const fs = new FaultFs();
  const clock = new ManualClock();
  fs.clockMs = () => clock.now();
  const logger = new MemoryLogger();
  const config = { ...resolveLogConfig({}), 'segment.bytes': 600 };
  const state = { rate: UNBOUNDED_RATE, known: new Set(['t-0', 't-1']), replaced: 0 };
  const open = () => LogManager.open({ config: { 'log.dirs': [A, B] }, fs, clock, logger, defaultLogConfig: config });
  const moverFor = (logs: LogManager) => {
    const host: LogDirMoverHost = {
      logs,
      now: () => clock.now(),
      rate: () => state.rate,
      partitionExists: (topic, partition) => state.known.has(`${topic}-${partition}`),
      epochEntries: (current) => epochsOf(current),
      endOffsetForEpoch: (current, epoch) => {
        // Where `epoch` ends in the current log: the first batch of a later epoch, else the log end.
        const later = epochsOf(current).find((e) => e.epoch > epoch);
        return later === undefined ? current.logEndOffset : later.startOffset;
      },
      replaced: () => void state.replaced++,
      logger,
    };
    const mover = new LogDirMover(host, { chunkBytes: opts.chunkBytes ?? 200, windowSeconds: 1, windows: 11 });
    // The tests drive the copy by hand with step(); the mover's own loop never runs.
    mover.stop();
    return mover;
  };
  return { fs, clock, logger, state, open, moverFor };
}

/** The epoch history of a log, read from its batches. */
function epochsOf(log: PartitionLog): Array<{ epoch: number; startOffset: number }> {
  const out: Array<{ epoch: number; startOffset: number }> = [];
  for (const b of readAll(log)) if (out.length === 0 || b.partitionLeaderEpoch > out[out.length - 1]!.epoch) out.push({ epoch: b.partitionLeaderEpoch, startOffset: b.baseOffset });
  return out;
}

function values(log: PartitionLog): string[] {
  return readAll(log).flatMap((b) => b.records.map((r) => r.value!.toString()));
}

function stepUntilMoved(mover: LogDirMover, logs: LogManager, topic: string, partition: number, between?: (i: number) => void): number {
  let steps = 0;
  while (logs.futures.get(topic, partition) !== undefined) {
    between?.(steps);
    mover.step();
    assert.ok(++steps < 10_000, 'the move finishes');
  }
  return steps;
}

test('a replica is copied while the partition takes writes, then swapped in: every record, in order, in the new directory', async () => {
  const e = env();
  const logs = e.open();
  const mover = e.moverFor(logs);
  const log = logs.getOrCreateLog('t', 0);
  assert.equal(logs.futures.currentDir('t', 0), A);
  const expected: string[] = [];
  const append = (tag: string) => {
    log.append(simpleBatch(3, tag), { leaderEpoch: 0 });
    expected.push(`${tag}-0`, `${tag}-1`, `${tag}-2`);
  };
  for (let i = 0; i < 20; i++) append(`before${i}`);
  log.updateHighWatermark(log.logEndOffset);

  assert.equal(mover.alter('t', 0, B), ErrorCode.NONE);
  const future = logs.futures.get('t', 0)!;
  assert.match(future.dir, /^\/kafka\/b\/t-0\.[0-9a-f]{32}-future$/);
  assert.equal(mover.alter('t', 0, B), ErrorCode.NONE, 'asking again changes nothing');
  assert.equal(logs.futures.get('t', 0), future);

  // Writes go on between the copy's steps: a batch before each of the first 15 (a step copies about two).
  let during = 0;
  const steps = stepUntilMoved(mover, logs, 't', 0, () => {
    if (during < 15) append(`during${during++}`);
    assert.equal(logs.getLog('t', 0), log, 'appends go to the current log until the swap');
  });
  assert.equal(during, 15, 'every write landed while copying');
  assert.ok(steps > 15);
  const moved = logs.getLog('t', 0)!;
  assert.equal(moved, future);
  assert.equal(moved.dir, `${B}/t-0`);
  assert.equal(logs.futures.currentDir('t', 0), B);
  assert.ok(log.isClosed);
  assert.deepEqual(e.fs.subdirectoriesSync(A), [], 'the old replica is removed');
  assert.deepEqual(values(moved), expected);
  assert.equal(moved.highWatermark, 60, 'the current log high watermark');
  assert.deepEqual(LeaderEpochCache.open(moved.dir, e.fs).epochEntries(), [{ epoch: 0, startOffset: 0 }], 'the epoch history moved with it');
  assert.equal(e.state.replaced, 1);
  assert.equal(mover.completed, 1);
  assert.equal(mover.copiedBytes, moved.size);

  // And it keeps working as the partition's log after a restart.
  moved.append(simpleBatch(1, 'after'), { leaderEpoch: 0 });
  await logs.shutdown();
  const again = e.open();
  assert.deepEqual(values(again.getLog('t', 0)!), [...expected, 'after-0']);
  assert.equal(again.futures.currentDir('t', 0), B);
  await again.shutdown();
});

for (const how of ['a clean shutdown', 'a crash'] as const) {
  test(`a move stopped by ${how} mid-copy resumes at start-up and completes`, async () => {
    const e = env();
    let logs = e.open();
    let mover = e.moverFor(logs);
    const log = logs.getOrCreateLog('t', 0);
    for (let i = 0; i < 30; i++) log.append(simpleBatch(2, `r${i}`), { leaderEpoch: 0 });
    assert.equal(mover.alter('t', 0, B), ErrorCode.NONE);
    for (let i = 0; i < 5; i++) mover.step();
    const copied = logs.futures.get('t', 0)!.logEndOffset;
    assert.ok(copied > 0 && copied < 60, `part copied (${copied})`);
    if (how === 'a clean shutdown') await logs.shutdown();
    else logs.abandon();

    logs = e.open();
    assert.equal(logs.getLog('t', 0)!.dir, `${A}/t-0`, 'still served from the old directory');
    const future = logs.futures.get('t', 0)!;
    assert.ok(future.logEndOffset > 0 && future.logEndOffset <= copied, 'the copy so far survived');
    mover = e.moverFor(logs);
    mover.resume();
    assert.equal(mover.moving, 1);
    logs.getLog('t', 0)!.append(simpleBatch(2, 'late'), { leaderEpoch: 0 });
    stepUntilMoved(mover, logs, 't', 0);
    const moved = logs.getLog('t', 0)!;
    assert.equal(moved.dir, `${B}/t-0`);
    assert.deepEqual(values(moved), [...Array.from({ length: 30 }, (_, i) => [`r${i}-0`, `r${i}-1`]).flat(), 'late-0', 'late-1']);
    await logs.shutdown();
  });
}

test('the future log follows a truncation of the current log and a log start offset moved past it', async () => {
  const e = env();
  const logs = e.open();
  const mover = e.moverFor(logs);
  const log = logs.getOrCreateLog('t', 0);
  for (let i = 0; i < 20; i++) log.append(simpleBatch(1, `e0-${i}`), { leaderEpoch: 0 });
  assert.equal(mover.alter('t', 0, B), ErrorCode.NONE);
  const future = logs.futures.get('t', 0)!;
  while (future.logEndOffset < 12) mover.step();
  // A follower that diverged: the current log loses offsets 8.. and gets others from a new leader.
  assert.equal(log.truncateTo(8), true);
  for (let i = 0; i < 10; i++) log.append(simpleBatch(1, `e1-${i}`), { leaderEpoch: 1 });
  mover.step();
  assert.ok(future.logEndOffset <= 8 + 2, 'cut back to the common prefix before copying on');
  stepUntilMoved(mover, logs, 't', 0);
  const moved = logs.getLog('t', 0)!;
  assert.deepEqual(values(moved), [...Array.from({ length: 8 }, (_, i) => `e0-${i}-0`), ...Array.from({ length: 10 }, (_, i) => `e1-${i}-0`)]);

  // Retention (or DeleteRecords) moves the log start past what a new move has copied.
  assert.equal(mover.alter('t', 0, A), ErrorCode.NONE);
  const back = logs.futures.get('t', 0)!;
  mover.step();
  assert.ok(back.logEndOffset > 0 && back.logEndOffset < 10);
  moved.updateHighWatermark(moved.logEndOffset);
  assert.ok(moved.maybeIncrementLogStartOffset(12));
  stepUntilMoved(mover, logs, 't', 0);
  const final = logs.getLog('t', 0)!;
  assert.equal(final.dir, `${A}/t-0`);
  assert.equal(final.logStartOffset, 12);
  assert.deepEqual(values(final), Array.from({ length: 6 }, (_, i) => `e1-${i + 4}-0`));
  await logs.shutdown();
});

test('AlterReplicaLogDirs errors: unknown directory, unknown partition, no local replica (the directory is remembered), offline log, the same directory, a redirected move', async () => {
  const e = env();
  const logs = e.open();
  const mover = e.moverFor(logs);
  logs.getOrCreateLog('t', 0).append(simpleBatch(2), { leaderEpoch: 0 });
  assert.equal(mover.alter('t', 0, '/kafka/c'), ErrorCode.LOG_DIR_NOT_FOUND);
  assert.equal(mover.alter('t', 0, 'kafka/b'), ErrorCode.LOG_DIR_NOT_FOUND, 'a relative path is not a configured directory');
  assert.equal(mover.alter('nosuch', 0, B), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(mover.alter('x'.repeat(220), 0, B), ErrorCode.INVALID_TOPIC_EXCEPTION, 'the future directory name would not fit');
  // Known to the metadata, no log here yet: REPLICA_NOT_AVAILABLE, and the log is made in B later.
  assert.equal(mover.alter('t', 1, B), ErrorCode.REPLICA_NOT_AVAILABLE);
  assert.equal(logs.getOrCreateLog('t', 1).dir, `${B}/t-1`);
  logs.offlinePartitions.set('t-2', 'failed to load');
  e.state.known.add('t-2');
  assert.equal(mover.alter('t', 2, B), ErrorCode.KAFKA_STORAGE_ERROR);
  assert.equal(mover.alter('t', 0, A), ErrorCode.NONE, 'already there: nothing to move');
  assert.equal(logs.futures.get('t', 0), undefined);
  assert.equal(mover.moving, 0);
  // A move redirected back to the current directory is cancelled and its future log removed.
  assert.equal(mover.alter('t', 0, B), ErrorCode.NONE);
  const dir = logs.futures.get('t', 0)!.dir;
  assert.equal(mover.alter('t', 0, A), ErrorCode.NONE);
  assert.equal(logs.futures.get('t', 0), undefined);
  assert.equal(e.fs.statSync(dir), null);
  assert.equal(mover.moving, 0);
  assert.equal(mover.step(), 0);
  assert.equal(logs.getLog('t', 0)!.dir, `${A}/t-0`);
  await logs.shutdown();
});

test('replica.alter.log.dirs.io.max.bytes.per.second holds the copy back while the rate is over it', async () => {
  const e = env({ chunkBytes: 1000 });
  const logs = e.open();
  const mover = e.moverFor(logs);
  const log = logs.getOrCreateLog('t', 0);
  for (let i = 0; i < 40; i++) log.append(simpleBatch(2, `q${i}`, 40), { leaderEpoch: 0 });
  e.state.rate = 300;
  assert.equal(mover.alter('t', 0, B), ErrorCode.NONE);
  const first = mover.step();
  assert.ok(first > 0 && first <= 1000 + 200, `one chunk (${first} bytes)`);
  // The clock does not move: the rate is over 300 bytes/s, so nothing more is copied.
  for (let i = 0; i < 5; i++) assert.equal(mover.step(), 0);
  const copied = logs.futures.get('t', 0)!.logEndOffset;
  // Time passes: the measured rate falls under the bound and the copy goes on.
  e.clock.advance(2000);
  assert.ok(mover.step() > 0);
  assert.ok(logs.futures.get('t', 0)!.logEndOffset > copied);
  // Unbounded again (the config removed): it runs to the end without the clock moving.
  e.state.rate = UNBOUNDED_RATE;
  stepUntilMoved(mover, logs, 't', 0);
  assert.equal(logs.getLog('t', 0)!.dir, `${B}/t-0`);
  assert.equal(mover.quota.recordedBytes, logs.getLog('t', 0)!.size);
  await logs.shutdown();
});

test('the throttle rate comes from this broker\'s dynamic config, else the cluster default, else none', () => {
  const key = 'replica.alter.log.dirs.io.max.bytes.per.second';
  assert.equal(alterLogDirsRate({ [key]: '100' }, { [key]: '5' }), 100);
  assert.equal(alterLogDirsRate({}, { [key]: '5' }), 5);
  assert.equal(alterLogDirsRate({}, {}), UNBOUNDED_RATE);
  assert.equal(alterLogDirsRate({ [key]: '9223372036854775807' }, {}), UNBOUNDED_RATE);
});
