// Two brokers' etcd metadata stores on one in-process MemoryKv with a manual clock, for tests
// of what one broker's change shows the other.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryKv } from '../../src/cluster/kv/memory-kv.js';
import { ManualClock, settle } from '../../src/cluster/kv/clock.js';
import { KvMetadataStore, type KvMetadataStoreOptions } from '../../src/cluster/kv-metadata-store.js';

export interface TwoKvStores {
  a: KvMetadataStore;
  b: KvMetadataStore;
  /** Closes both stores and the kv, and removes their log dirs. */
  close(): Promise<void>;
}

/** Opens brokers 1 and 2, each registered as `self(nodeId)`. */
export async function openTwoKvStores(self: (nodeId: number) => KvMetadataStoreOptions['self']): Promise<TwoKvStores> {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const dirs: string[] = [];
  const stores: KvMetadataStore[] = [];
  const close = async () => {
    for (const s of stores) await s.close();
    await kv.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  try {
    for (const nodeId of [1, 2]) {
      const logDir = mkdtempSync(join(tmpdir(), 'millrace-kv-store-'));
      dirs.push(logDir);
      stores.push(await KvMetadataStore.open({ kv, clock, logDir, self: self(nodeId), sessionTtlSeconds: 3, random: () => 0 }));
    }
  } catch (err) {
    await close();
    throw err;
  }
  const [a, b] = stores as [KvMetadataStore, KvMetadataStore];
  return { a, b, close };
}

/** Lets the manual clock's timers run until `cond` holds; fails after 1000 rounds. */
export async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    await settle(1);
  }
  assert.fail(`timed out waiting for ${what}`);
}
