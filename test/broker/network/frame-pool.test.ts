import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder } from '../../../src/broker/network/frame-decoder.js';
import { ReadBufferPool } from '../../../src/broker/network/read-buffer-pool.js';
import { startBroker } from '../../../src/start-broker.js';
import { KafkaClient } from '../../../src/client/client.js';
import { Producer } from '../../../src/client/producer.js';
import { Fetcher, type FetchedRecord } from '../../../src/client/fetcher.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { eventually } from '../../helpers/eventually.js';

function frame(apiKey: number, size: number, fill: number): Buffer {
  const out = Buffer.alloc(4 + size, fill);
  out.writeInt32BE(size, 0);
  out.writeInt16BE(apiKey, 4);
  return out;
}

test('Produce frames spanning reads are assembled in pooled buffers; others are not', () => {
  const pool = new ReadBufferPool();
  const d = new FrameDecoder(1 << 20, pool);
  const produce = frame(0, 100_000, 7);
  d.push(produce.subarray(0, 30_000));
  assert.equal(d.next(), null);
  d.push(produce.subarray(30_000, 70_000));
  d.push(produce.subarray(70_000));
  const f = d.next()!;
  assert.equal(d.lastFramePooled, true);
  assert.ok(pool.isLent(f));
  assert.deepEqual(f, produce.subarray(4));
  pool.release(f);
  assert.equal(pool.pooledBytes, 128 * 1024);
  // The same memory serves the next one.
  const again = frame(0, 90_000, 9);
  d.push(again.subarray(0, 50_000));
  d.push(again.subarray(50_000));
  const g = d.next()!;
  assert.equal(g.buffer, f.buffer);
  assert.deepEqual(g, again.subarray(4));
  // Fetch (key 1) frames and small frames are fresh copies; a frame inside one chunk is a view.
  const fetch = frame(1, 100_000, 1);
  d.push(fetch.subarray(0, 10));
  d.push(fetch.subarray(10));
  assert.equal(d.next()!.length, 100_000);
  assert.equal(d.lastFramePooled, false);
  const small = frame(0, 1000, 2);
  d.push(small.subarray(0, 500));
  d.push(small.subarray(500));
  assert.equal(d.next()!.length, 1000);
  assert.equal(d.lastFramePooled, false);
  const whole = frame(0, 100_000, 3);
  d.push(whole);
  assert.equal(d.next()!.buffer, whole.buffer);
  assert.equal(d.lastFramePooled, false);
});

async function readAll(client: KafkaClient, topic: string, partitions: number, count: number): Promise<FetchedRecord[]> {
  const fetcher = new Fetcher(client, { maxWaitMs: 50 });
  fetcher.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: -2n })));
  const out: FetchedRecord[] = [];
  await eventually(`${count} records`, async () => {
    out.push(...await fetcher.poll());
    return out.length >= count;
  }, { intervalMs: 0 });
  fetcher.close();
  return out;
}

test('pipelined large produce requests (pooled frames) land intact, recompressed ones too', async () => {
  const broker = await startBroker();
  const client = new KafkaClient({ bootstrapServers: [broker.bootstrapServers] });
  try {
    const created = await client.request(ApiKey.CreateTopics, {
      topics: [
        { name: 'plain', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] },
        // The broker recompresses: the append waits for gzip while later frames keep arriving.
        { name: 'recompressed', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'compression.type', value: 'gzip' }] },
      ],
      timeoutMs: 5000, validateOnly: false,
    });
    for (const t of created.topics) assert.equal(t.errorCode, ErrorCode.NONE);
    const count = 3000;
    const value = (topic: string, i: number) => Buffer.alloc(700 + (i % 300), `${topic}:${i};`);
    for (const [topic, partitions, acks] of [['plain', 3, 1], ['recompressed', 2, -1]] as const) {
      const producer = new Producer(client, { acks, lingerMs: 2, batchSize: 200_000, maxInFlightPerBroker: 10 });
      await Promise.all(Array.from({ length: count }, (_, i) => producer.send({ topic, key: Buffer.from(String(i)), value: value(topic, i) })));
      await producer.close();
      const records = await readAll(client, topic, partitions, count);
      assert.equal(records.length, count);
      for (const r of records) {
        const i = Number(r.key!.toString());
        assert.ok(r.value!.equals(value(topic, i)), `${topic} record ${i}`);
      }
    }
  } finally {
    client.close();
    await broker.close();
  }
});

test('the pools give back what a burst left: trim drops free buffers the last period did not need, 64 MiB at most are kept', () => {
  const pool = new ReadBufferPool();
  const burst = Array.from({ length: 8 }, () => pool.acquire(1 << 20));
  for (const b of burst) pool.release(b);
  assert.equal(pool.pooledBytes, 8 << 20);
  assert.equal(pool.trim(), 0, 'released in this period: kept for one more');
  pool.release(pool.acquire(1 << 20)); // one of the eight was needed
  assert.equal(pool.trim(), 7 << 20);
  assert.equal(pool.pooledBytes, 1 << 20);
  assert.equal(pool.trim(), 1 << 20);
  assert.equal(pool.pooledBytes, 0);
  // At most 32 MiB per size class and 64 MiB in all.
  const big = [...Array.from({ length: 5 }, () => pool.acquire(8 << 20)), ...Array.from({ length: 9 }, () => pool.acquire(4 << 20)), pool.acquire(2 << 20)];
  for (const b of big) pool.release(b);
  assert.equal(pool.pooledBytes, 64 << 20);
});
