// Kafka 4.4's StreamsGroupTopologyDescriptionBackoff: 30 s doubling to an hour with ±20%
// jitter, per group and topology epoch; armed only when not active, extended after failures,
// cleared for the stored epoch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopologyDescriptionBackoff } from '../../../../src/coordinator/streams/topology-description/backoff.js';

function clockAt(start: number) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

test('delays: 30 s doubling up to an hour, jitter within ±20%', () => {
  const mid = new TopologyDescriptionBackoff(clockAt(0), () => 0.5);
  assert.deepEqual([0, 1, 2, 3, 6, 7, 20].map((a) => mid.delayMs(a)), [30_000, 60_000, 120_000, 240_000, 1_920_000, 3_600_000, 3_600_000]);
  assert.equal(new TopologyDescriptionBackoff(clockAt(0), () => 0).delayMs(0), 24_000);
  assert.equal(new TopologyDescriptionBackoff(clockAt(0), () => 0.999999).delayMs(0), 35_999);
  assert.equal(new TopologyDescriptionBackoff(clockAt(0), () => 0.999999).delayMs(10), 3_600_000, 'never above the maximum');
});

test('armIfNotActive: once per delay for an epoch; a new epoch arms at once and restarts the count', () => {
  const clock = clockAt(1000);
  const b = new TopologyDescriptionBackoff(clock, () => 0.5);
  assert.equal(b.armIfNotActive('g', 1), true);
  assert.deepEqual(b.entry('g'), { topologyEpoch: 1, attempts: 0, nextAttemptMs: 31_000 });
  assert.equal(b.isActive('g', 1), true);
  assert.equal(b.armIfNotActive('g', 1), false);
  clock.t = 31_000;
  assert.equal(b.isActive('g', 1), false);
  assert.equal(b.armIfNotActive('g', 1), true);
  assert.deepEqual(b.entry('g'), { topologyEpoch: 1, attempts: 1, nextAttemptMs: 91_000 });
  assert.equal(b.armIfNotActive('g', 2), true, 'another epoch is not held back');
  assert.deepEqual(b.entry('g'), { topologyEpoch: 2, attempts: 0, nextAttemptMs: 61_000 });
});

test('armOrExtend keeps a newer epoch; clear only forgets its own epoch; clearGroup forgets all', () => {
  const b = new TopologyDescriptionBackoff(clockAt(0), () => 0.5);
  b.armOrExtend('g', 3);
  b.armOrExtend('g', 3);
  assert.deepEqual(b.entry('g'), { topologyEpoch: 3, attempts: 1, nextAttemptMs: 60_000 });
  b.armOrExtend('g', 2);
  assert.equal(b.entry('g')!.topologyEpoch, 3);
  b.clear('g', 2);
  assert.ok(b.entry('g') !== undefined);
  b.clear('g', 3);
  assert.equal(b.entry('g'), undefined);
  b.armOrExtend('g', 1);
  b.clearGroup('g');
  assert.equal(b.entry('g'), undefined);
});
