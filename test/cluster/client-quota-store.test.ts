// Client quotas in both metadata stores: the local file store keeps them across a restart,
// and the etcd store (on the in-process MemoryKv) shows one broker's changes to the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryKv } from '../../src/cluster/kv/memory-kv.js';
import { ManualClock, settle } from '../../src/cluster/kv/clock.js';
import { KvMetadataStore } from '../../src/cluster/kv-metadata-store.js';
import { LocalMetadataStore } from '../../src/cluster/local-metadata-store.js';
import { quotaEntityFromKey, quotaEntityKey, type ClientQuotaSnapshot } from '../../src/cluster/client-quotas.js';

const plain = (s: ClientQuotaSnapshot) => [...s.entries.values()].map((e) => JSON.stringify([e.entity, e.quotas])).sort();

test('entity keys round-trip for names with any characters, defaults and absent parts', () => {
  for (const entity of [{ user: 'a/b.c' }, { clientId: null }, { user: null, clientId: 'x' }, { user: '', clientId: 'd' }, { user: '-' }]) {
    const key = quotaEntityKey(entity);
    assert.ok(!key.includes('/'));
    assert.deepEqual(quotaEntityFromKey(key), entity);
  }
  assert.notEqual(quotaEntityKey({ user: null }), quotaEntityKey({ clientId: null }));
});

test('the local store keeps client quotas across a restart; removing the last key drops the entity', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-quota-local-'));
  const self = { nodeId: 1, host: '127.0.0.1', port: 9092, rack: null };
  try {
    const s = LocalMetadataStore.open(dir, self);
    const empty = s.clientQuotas();
    assert.equal(empty.entries.size, 0);
    await s.alterClientQuotas([
      { entity: { user: 'alice' }, ops: [{ key: 'producer_byte_rate', value: 1024 }, { key: 'request_percentage', value: 50 }] },
      { entity: { user: null, clientId: 'app' }, ops: [{ key: 'consumer_byte_rate', value: 2048 }] },
    ]);
    assert.notEqual(s.clientQuotas(), empty, 'a change gives a new snapshot');
    await s.alterClientQuotas([
      { entity: { user: 'alice' }, ops: [{ key: 'request_percentage', value: null }] },
      { entity: { user: null, clientId: 'app' }, ops: [{ key: 'consumer_byte_rate', value: null }] },
    ]);
    const expected = [JSON.stringify([{ user: 'alice' }, { producer_byte_rate: 1024 }])];
    assert.deepEqual(plain(s.clientQuotas()), expected);
    assert.deepEqual(plain(LocalMetadataStore.open(dir, self).clientQuotas()), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('client quotas are shared between brokers through the kv store', async () => {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const dirs: string[] = [];
  const stores: KvMetadataStore[] = [];
  try {
    for (const nodeId of [1, 2]) {
      const logDir = mkdtempSync(join(tmpdir(), 'millrace-quota-kv-'));
      dirs.push(logDir);
      stores.push(await KvMetadataStore.open({ kv, clock, logDir, self: { nodeId, host: '127.0.0.1', port: 9100 + nodeId, rack: null }, sessionTtlSeconds: 3, random: () => 0 }));
    }
    const [a, b] = stores as [KvMetadataStore, KvMetadataStore];
    await a.alterClientQuotas([{ entity: { user: 'bob', clientId: null }, ops: [{ key: 'producer_byte_rate', value: 100 }] }]);
    for (let i = 0; i < 1000 && b.clientQuotas().entries.size < 1; i++) await settle(1);
    assert.deepEqual(plain(b.clientQuotas()), [JSON.stringify([{ user: 'bob', clientId: null }, { producer_byte_rate: 100 }])]);
    const before = b.clientQuotas();
    assert.equal(b.clientQuotas(), before, 'the snapshot stays the same object while nothing changes');
    await b.alterClientQuotas([{ entity: { user: 'bob', clientId: null }, ops: [{ key: 'producer_byte_rate', value: null }] }]);
    for (let i = 0; i < 1000 && a.clientQuotas().entries.size > 0; i++) await settle(1);
    assert.equal(a.clientQuotas().entries.size, 0);
  } finally {
    for (const s of stores) await s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
