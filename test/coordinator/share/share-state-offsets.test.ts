// Where share-partitions' snapshots lie in a __share_group_state partition: the prune point is
// the oldest snapshot a live share-partition still needs, counted only once committed (below
// the high watermark), a deleted share-partition stops holding it once its tombstone is
// committed, and cold share-partitions are named for a fresh snapshot when others wrote since.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SnapshotOffsets } from '../../../src/coordinator/share/share-state-offsets.js';

const A = { groupId: 'g', topicId: 'a'.repeat(32), partition: 0 };
const B = { groupId: 'g', topicId: 'b'.repeat(32), partition: 0 };

test('the prune point is the oldest needed snapshot, committed ones only', () => {
  const o = new SnapshotOffsets();
  assert.equal(o.redundantBelow(0), 0);
  o.snapshot('a', A, 0, 0);
  o.snapshot('b', B, 1, 0);
  o.update('a', 2, 0);
  o.update('a', 3, 0);
  o.snapshot('a', A, 4, 0);
  assert.equal(o.redundantBelow(5), 1, 'b\'s snapshot at 1 holds it');
  o.snapshot('b', B, 5, 0);
  assert.equal(o.redundantBelow(6), 4);
  // a's next snapshot is not committed yet: its committed one at 4 still counts.
  o.snapshot('a', A, 6, 0);
  assert.equal(o.redundantBelow(6), 4);
  assert.equal(o.redundantBelow(7), 5);
  // Never past the high watermark.
  o.snapshot('b', B, 8, 0);
  o.update('a', 9, 0);
  assert.equal(o.redundantBelow(7), 5);
  assert.equal(o.redundantBelow(10), 6);
});

test('a deleted share-partition holds the prune point until its tombstone is committed', () => {
  const o = new SnapshotOffsets();
  o.snapshot('a', A, 0, 0);
  o.snapshot('b', B, 1, 0);
  o.deleted('a', 2);
  assert.equal(o.redundantBelow(2), 0, 'the tombstone may still be lost');
  assert.equal(o.redundantBelow(3), 1);
  o.deleted('b', 3);
  assert.equal(o.redundantBelow(4), 4, 'nothing live: everything up to the end');
  // Made again after its deletion: counts from its new snapshot.
  o.snapshot('a', A, 4, 0);
  assert.equal(o.redundantBelow(5), 4);
});

test('cold share-partitions are named when other records were written since the last run', () => {
  const o = new SnapshotOffsets();
  o.snapshot('a', A, 0, 1_000);
  o.snapshot('b', B, 1, 1_000);
  assert.deepEqual(o.snapshotsToRefresh(400_000, 300_000), [], 'the first run only marks where it stood');
  o.markCold();
  o.update('b', 2, 350_000);
  o.update('b', 3, 380_000);
  // b was written within the interval; a was not, and its snapshot lies before b's records.
  assert.deepEqual(o.snapshotsToRefresh(400_000, 300_000), [A]);
  o.snapshot('a', A, 4, 400_000);
  o.markCold();
  // Nothing written since: nothing to refresh, however long a waits.
  assert.deepEqual(o.snapshotsToRefresh(2_000_000, 300_000), []);
});
