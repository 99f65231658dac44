import assert from 'node:assert/strict';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { test } from 'node:test';
import { afterSocketRead, gcFunction } from '../../../src/broker/network/collector.js';

/** Runs `fn` and returns the young-generation collections seen while it ran (and just after). */
async function minorCollectionsDuring(fn: () => void): Promise<number> {
  let minors = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minors++;
  });
  observer.observe({ entryTypes: ['gc'] });
  fn();
  await new Promise((r) => setTimeout(r, 50));
  observer.disconnect();
  return minors;
}

test('gcFunction exposes V8\'s collector without --expose-gc', () => {
  assert.equal(typeof gcFunction(), 'function');
});

test('every 4 MiB of socket reads, a young-generation collection at the next frame boundary', async () => {
  // 64 KiB reads, as Node's own: 65 of them cross 4 MiB whatever was counted before; none
  // collects while a connection holds more than one read's worth of an incomplete frame.
  for (let i = 0; i < 65; i++) assert.equal(afterSocketRead(64 * 1024, 6 * 1024 * 1024), false);
  let ran = false;
  assert.ok(await minorCollectionsDuring(() => { ran = afterSocketRead(0, 1000); }) >= 1);
  assert.equal(ran, true);
  // Then not again until another 4 MiB is read.
  assert.equal(afterSocketRead(0, 0), false);
});
