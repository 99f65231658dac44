// The leader-epoch-checkpoint of a partition (Kafka's LeaderEpochFileCache): its file format,
// endOffsetFor's answers and the truncations, against Kafka's rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeaderEpochCache, LEADER_EPOCH_CHECKPOINT, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from '../../src/storage/leader-epoch-cache.js';
import { CheckpointFormatError } from '../../src/storage/checkpoint.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-epochs-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('epochs are written in Kafka\'s checkpoint format and read back', () => {
  withDir((dir) => {
    const cache = LeaderEpochCache.open(dir);
    assert.equal(cache.exists, false);
    assert.equal(cache.latestEpoch, UNDEFINED_EPOCH);
    cache.assign(0, 0);
    cache.assign(3, 150);
    assert.equal(readFileSync(join(dir, LEADER_EPOCH_CHECKPOINT), 'utf8'), '0\n2\n0 0\n3 150\n');
    const again = LeaderEpochCache.open(dir);
    assert.deepEqual(again.epochEntries(), [{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 150 }]);
    assert.equal(again.latestEpoch, 3);
  });
});

test('a malformed checkpoint is refused with a CheckpointFormatError', () => {
  withDir((dir) => {
    writeFileSync(join(dir, LEADER_EPOCH_CHECKPOINT), '0\n2\n0 0\n');
    assert.throws(() => LeaderEpochCache.open(dir), CheckpointFormatError);
    writeFileSync(join(dir, LEADER_EPOCH_CHECKPOINT), '1\n0\n');
    assert.throws(() => LeaderEpochCache.open(dir), CheckpointFormatError);
    writeFileSync(join(dir, LEADER_EPOCH_CHECKPOINT), '0\n1\nx 5\n');
    assert.throws(() => LeaderEpochCache.open(dir), CheckpointFormatError);
  });
});

test('assign keeps the history monotonic: the same epoch later is ignored, a conflicting entry replaces what it contradicts', () => {
  withDir((dir) => {
    const cache = LeaderEpochCache.open(dir);
    cache.assign(1, 10);
    cache.assign(1, 20);
    assert.deepEqual(cache.epochEntries(), [{ epoch: 1, startOffset: 10 }]);
    cache.assign(2, 30);
    cache.assign(4, 50);
    // Epoch 3 starting at 40 contradicts epoch 4 (a higher epoch at a later offset): 4 goes.
    cache.assign(3, 40);
    assert.deepEqual(cache.epochEntries(), [{ epoch: 1, startOffset: 10 }, { epoch: 2, startOffset: 30 }, { epoch: 3, startOffset: 40 }]);
    cache.assign(-1, 60);
    assert.equal(cache.latestEpoch, 3, 'batches without an epoch leave the history alone');
  });
});

test('endOffsetFor answers as LeaderEpochFileCache.endOffsetFor', () => {
  withDir((dir) => {
    const cache = LeaderEpochCache.open(dir);
    assert.deepEqual(cache.endOffsetFor(0, 10), { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET }, 'no history');
    cache.assign(2, 5);
    cache.assign(4, 20);
    cache.assign(7, 42);
    assert.deepEqual(cache.endOffsetFor(7, 60), { epoch: 7, endOffset: 60 }, 'the latest epoch ends at the log end');
    assert.deepEqual(cache.endOffsetFor(4, 60), { epoch: 4, endOffset: 42 });
    assert.deepEqual(cache.endOffsetFor(5, 60), { epoch: 4, endOffset: 42 }, 'an unknown epoch: the largest known below it, ending where the next starts');
    assert.deepEqual(cache.endOffsetFor(1, 60), { epoch: 1, endOffset: 5 }, 'older than the history: where the history starts');
    assert.deepEqual(cache.endOffsetFor(8, 60), { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET }, 'newer than any');
    assert.deepEqual(cache.endOffsetFor(UNDEFINED_EPOCH, 60), { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET });
  });
});

test('truncation from the end drops the epochs starting at or past it; from the start moves the first epoch up', () => {
  withDir((dir) => {
    const cache = LeaderEpochCache.open(dir);
    cache.assign(0, 0);
    cache.assign(1, 10);
    cache.assign(2, 20);
    cache.truncateFromEnd(20);
    assert.deepEqual(cache.epochEntries(), [{ epoch: 0, startOffset: 0 }, { epoch: 1, startOffset: 10 }]);
    cache.truncateFromEnd(15);
    assert.equal(cache.latestEpoch, 1, 'an epoch that starts below the cut stays');
    cache.truncateFromStart(12);
    assert.deepEqual(cache.epochEntries(), [{ epoch: 1, startOffset: 12 }]);
    assert.deepEqual(LeaderEpochCache.open(dir).epochEntries(), [{ epoch: 1, startOffset: 12 }], 'written through');
    cache.clear();
    assert.equal(LeaderEpochCache.open(dir).isEmpty, true);
  });
});
