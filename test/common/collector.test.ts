import assert from 'node:assert/strict';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { test } from 'node:test';
import { gcFunction, noteSocketRead } from '../../src/common/collector.js';

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

test('every 4 MiB of socket reads runs a young-generation collection', async () => {
  // 64 KiB reads, as Node's own: 65 of them cross 4 MiB once whatever was counted before.
  const minors = await minorCollectionsDuring(() => {
    for (let i = 0; i < 65; i++) noteSocketRead(64 * 1024);
  });
  assert.ok(minors >= 1, `young-generation collections: ${minors}`);
});
