// Group and client metrics configs in both metadata stores: the local file store keeps them
// across a restart, and the etcd store (on the in-process MemoryKv) shows one broker's changes
// to the others; names with '/' survive the key layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryKv } from '../../src/cluster/kv/memory-kv.js';
import { ManualClock, settle } from '../../src/cluster/kv/clock.js';
import { KvMetadataStore } from '../../src/cluster/kv-metadata-store.js';
import { LocalMetadataStore } from '../../src/cluster/local-metadata-store.js';
import { ClusterKeys } from '../../src/cluster/cluster-keys.js';

test('entity config keys round-trip names with any characters', () => {
  const keys = new ClusterKeys('/m/');
  for (const name of ['g', 'a/b', '%2F', 'ü x', '']) {
    assert.deepEqual(keys.parseEntityConfigsKey(keys.entityConfigs('groups', name)), { type: 'groups', name });
    assert.deepEqual(keys.parseEntityConfigsKey(keys.entityConfigs('client-metrics', name)), { type: 'client-metrics', name });
  }
  assert.equal(keys.parseEntityConfigsKey('/m/configs/topics/t'), undefined);
});

test('the local store keeps group and client metrics configs across a restart; an empty set removes the resource', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-entity-local-'));
  const self = { nodeId: 1, host: '127.0.0.1', port: 9092, rack: null };
  try {
    const s = LocalMetadataStore.open(dir, self);
    assert.deepEqual(s.entityConfigs('groups', 'g1'), {});
    await s.setEntityConfigs('groups', 'g1', { 'consumer.session.timeout.ms': '50000' });
    await s.setEntityConfigs('groups', 'a/b', { 'share.delivery.count.limit': '3' });
    await s.setEntityConfigs('client-metrics', 'sub', { metrics: 'org.apache.kafka.', 'interval.ms': '1000' });
    await s.setEntityConfigs('groups', 'a/b', {});
    const again = LocalMetadataStore.open(dir, self);
    assert.deepEqual(again.entityConfigNames('groups'), ['g1']);
    assert.deepEqual(again.entityConfigs('groups', 'g1'), { 'consumer.session.timeout.ms': '50000' });
    assert.deepEqual(again.entityConfigNames('client-metrics'), ['sub']);
    assert.deepEqual(again.entityConfigs('client-metrics', 'sub'), { metrics: 'org.apache.kafka.', 'interval.ms': '1000' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('group and client metrics configs are shared between brokers through the kv store', async () => {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const dirs: string[] = [];
  const stores: KvMetadataStore[] = [];
  try {
    for (const nodeId of [1, 2]) {
      const logDir = mkdtempSync(join(tmpdir(), 'millrace-entity-kv-'));
      dirs.push(logDir);
      stores.push(await KvMetadataStore.open({ kv, clock, logDir, self: { nodeId, host: '127.0.0.1', port: 9200 + nodeId, rack: null }, sessionTtlSeconds: 3, random: () => 0 }));
    }
    const [a, b] = stores as [KvMetadataStore, KvMetadataStore];
    await a.setEntityConfigs('groups', 'team/app', { 'streams.num.standby.replicas': '1' });
    await a.setEntityConfigs('client-metrics', 'all', { 'interval.ms': '60000' });
    for (let i = 0; i < 1000 && b.entityConfigNames('client-metrics').length < 1; i++) await settle(1);
    assert.deepEqual(b.entityConfigs('groups', 'team/app'), { 'streams.num.standby.replicas': '1' });
    assert.deepEqual(b.entityConfigNames('groups'), ['team/app']);
    assert.deepEqual(b.entityConfigs('client-metrics', 'all'), { 'interval.ms': '60000' });
    await b.setEntityConfigs('groups', 'team/app', { 'streams.num.standby.replicas': '2' });
    await b.setEntityConfigs('client-metrics', 'all', {});
    for (let i = 0; i < 1000 && a.entityConfigNames('client-metrics').length > 0; i++) await settle(1);
    assert.deepEqual(a.entityConfigNames('client-metrics'), []);
    assert.deepEqual(a.entityConfigs('groups', 'team/app'), { 'streams.num.standby.replicas': '2' });
    // A restart reads them back from the store.
    await a.close();
    stores.shift();
    const c = await KvMetadataStore.open({ kv, clock, logDir: dirs[0]!, self: { nodeId: 1, host: '127.0.0.1', port: 9201, rack: null }, sessionTtlSeconds: 3, random: () => 0 });
    stores.push(c);
    assert.deepEqual(c.entityConfigs('groups', 'team/app'), { 'streams.num.standby.replicas': '2' });
  } finally {
    for (const s of stores) await s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
