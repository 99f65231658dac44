// A Fetch response holds at most the request's max_bytes capped by the broker's
// fetch.max.bytes (FetchParams); only a first batch larger than that comes back whole (KIP-74).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { append, values } from './helpers.js';
import { fetchRequest, partitionsOf } from './requests.js';
import { makeTopic, startTestBroker } from '../../helpers/test-broker.js';

test('fetch.max.bytes caps what a response holds across partitions, whatever max_bytes asks', async () => {
  const tb = await startTestBroker({ config: { 'fetch.max.bytes': 4096 } });
  try {
    await makeTopic(tb, 'capped', 3);
    for (let p = 0; p < 3; p++) for (let b = 0; b < 6; b++) append(tb, 'capped', p, values(`p${p}b${b}`, 1, 900));
    const partitions = [0, 1, 2].map((partition) => ({ partition, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }));
    const res = await tb.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'capped', partitions }], { maxBytes: 1 << 20 }));
    const sizes = [...partitionsOf(res).values()].map((p) => p.records?.length ?? 0);
    const total = sizes.reduce((a, b) => a + b, 0);
    assert.ok(total > 0 && total <= 4096, `response records ${total} bytes (${sizes.join(', ')}), bound 4096`);

    // A first batch larger than fetch.max.bytes still comes back (progress), alone.
    await makeTopic(tb, 'huge', 2);
    append(tb, 'huge', 0, values('h', 1, 10_000));
    append(tb, 'huge', 1, values('s', 1, 100));
    const big = await tb.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'huge', partitions: [0, 1].map((partition) => ({ partition, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })) }], { maxBytes: 1 << 20 }));
    const parts = partitionsOf(big);
    assert.ok(parts.get('huge:0')!.records!.length > 10_000);
    assert.equal(parts.get('huge:1')!.records!.length, 0);
  } finally {
    await tb.close();
  }
});
