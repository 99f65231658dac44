// Producer ids in a cluster come from blocks reserved in the metadata store, so no two brokers
// hand out one id: two idempotent producers that asked different brokers would otherwise share
// a producer id, and each partition leader would take one's batches for the other's (found by
// test/faults/cluster-faults.test.ts: OUT_OF_ORDER_SEQUENCE_NUMBER on the first records).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryKv } from '../../src/cluster/kv/memory-kv.js';
import { allocateProducerIdBlock } from '../../src/cluster/producer-id-blocks.js';
import { startCluster } from '../../src/start-cluster.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { WireClient } from '../helpers/wire-client.js';

test('brokers reserving blocks at once get disjoint consecutive blocks', async () => {
  const kv = new MemoryKv();
  try {
    const blocks = await Promise.all([1, 2, 3, 1, 2, 3].map((node) => allocateProducerIdBlock(kv, '/c/producer-ids', node, 1000)));
    const sorted = blocks.map((b) => b.first).sort((a, b) => a - b);
    assert.deepEqual(sorted, [0, 1000, 2000, 3000, 4000, 5000]);
    for (const b of blocks) assert.equal(b.last, b.first + 999);
    const stored = JSON.parse((await kv.get('/c/producer-ids'))!.value) as { version: number; block_end: string };
    assert.equal(stored.version, 1);
    assert.equal(stored.block_end, '5999');
  } finally {
    await kv.close();
  }
});

test('a store that does not hold a block is an error, not a restart from 0', async () => {
  const kv = new MemoryKv();
  try {
    await kv.txn({ compares: [], success: [{ type: 'put', key: '/c/producer-ids', value: '{"version":1,"block_end":"x"}' }] });
    await assert.rejects(allocateProducerIdBlock(kv, '/c/producer-ids', 1, 1000), /does not hold a producer id block/);
  } finally {
    await kv.close();
  }
});

test('InitProducerId at each broker of a cluster gives a different producer id', async () => {
  const cluster = await startCluster({ brokers: 3 });
  const clients: WireClient[] = [];
  try {
    const ids = new Set<bigint>();
    for (const address of cluster.bootstrapServers.split(',')) {
      const c = await WireClient.connect(address, { apiVersions: true });
      clients.push(c);
      for (let i = 0; i < 2; i++) {
        const r = await c.request(ApiKey.InitProducerId, 3, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
        assert.equal(r.errorCode, 0);
        ids.add(r.producerId);
      }
    }
    assert.equal(ids.size, 6, `producer ids ${[...ids].join(', ')}`);
  } finally {
    for (const c of clients) c.close();
    await cluster.close();
  }
});
