import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCrashCycles } from './storage-crash-harness.js';

test('SIGKILL at random moments: every acknowledged batch survives, intact and contiguous (20 cycles, write and fsync modes)', async () => {
  const stats = await runCrashCycles({ cycles: 20, seed: Date.now() % 100000 });
  assert.deepEqual(stats.failures, []);
  assert.equal(stats.cycles, 20);
  assert.ok(stats.ackedBatches > 100, `${stats.ackedBatches} batches acknowledged`);
});
