import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../src/start-broker.js';
import { KafkaClient, KafkaResponseError } from '../../src/client/index.js';
import { Producer } from '../../src/client/producer.js';
import { Fetcher, type FetchedRecord } from '../../src/client/fetcher.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { eventually } from '../helpers/eventually.js';

async function setup(partitions: number) {
  const broker = await startBroker();
  const client = new KafkaClient({ bootstrapServers: [broker.bootstrapServers] });
  const r = await client.request(ApiKey.CreateTopics, {
    topics: [{ name: 'events', numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000, validateOnly: false,
  });
  assert.equal(r.topics[0]?.errorCode, ErrorCode.NONE);
  return { broker, client, close: async () => { client.close(); await broker.close(); } };
}

async function produce(client: KafkaClient, partition: number, from: number, count: number, compression: 'none' | 'lz4' | 'zstd' = 'none'): Promise<void> {
  const producer = new Producer(client, { acks: 1, compression, lingerMs: 0, batchSize: 2048 });
  await Promise.all(Array.from({ length: count }, (_, i) => producer.send({ topic: 'events', partition, key: null, value: Buffer.from(`r${from + i}`) })));
  await producer.close();
}

async function pollUntil(fetcher: Fetcher, count: number): Promise<FetchedRecord[]> {
  const out: FetchedRecord[] = [];
  await eventually(`${count} records`, async () => {
    out.push(...await fetcher.poll());
    return out.length >= count;
  }, { intervalMs: 0 });
  return out;
}

test('poll returns records from assigned offsets in order, across batches and codecs', async () => {
  const { client, close } = await setup(2);
  try {
    await produce(client, 0, 0, 500);
    await produce(client, 0, 500, 300, 'lz4');
    await produce(client, 0, 800, 200, 'zstd');
    await produce(client, 1, 0, 10);
    const fetcher = new Fetcher(client, { maxWaitMs: 50, maxPartitionBytes: 4096 });
    // Starting inside a compressed batch: earlier records of that batch are not returned.
    fetcher.assign([{ topic: 'events', partition: 0, offset: 650n }, { topic: 'events', partition: 1, offset: -2n }]);
    const got = await pollUntil(fetcher, 360);
    assert.equal(got.length, 360);
    const p0 = got.filter((r) => r.partition === 0);
    assert.deepEqual(p0.map((r) => r.offset), Array.from({ length: 350 }, (_, i) => 650n + BigInt(i)));
    assert.deepEqual(p0.map((r) => r.value!.toString()), Array.from({ length: 350 }, (_, i) => `r${650 + i}`));
    assert.equal(got.filter((r) => r.partition === 1).length, 10);
    assert.equal(fetcher.position('events', 0), 1000n);
    assert.equal(fetcher.position('events', 1), 10n);
    assert.equal(fetcher.highWatermark('events', 0), 1000n);
    // Nothing new: a long poll comes back empty after maxWaitMs.
    assert.deepEqual(await fetcher.poll(), []);
    // New records arrive on the next polls.
    await produce(client, 1, 10, 5);
    const more = await pollUntil(fetcher, 5);
    assert.deepEqual(more.map((r) => r.offset), [10n, 11n, 12n, 13n, 14n]);
    // Seek back.
    fetcher.seek('events', 1, 3n);
    const again = await pollUntil(fetcher, 12);
    assert.deepEqual(again.map((r) => r.offset), Array.from({ length: 12 }, (_, i) => 3n + BigInt(i)));
    fetcher.close();
  } finally {
    await close();
  }
});

test('latest starts at the end; out-of-range positions follow autoOffsetReset', async () => {
  const { client, close } = await setup(1);
  try {
    await produce(client, 0, 0, 20);
    const latest = new Fetcher(client, { maxWaitMs: 50 });
    latest.assign([{ topic: 'events', partition: 0 }]); // no offset: autoOffsetReset latest
    assert.deepEqual(await latest.poll(), []);
    assert.equal(latest.position('events', 0), 20n);
    latest.close();

    const earliest = new Fetcher(client, { maxWaitMs: 50, autoOffsetReset: 'earliest' });
    earliest.assign([{ topic: 'events', partition: 0, offset: 5000n }]);
    const got = await pollUntil(earliest, 20);
    assert.equal(got.length, 20);
    assert.equal(got[0]!.offset, 0n);
    earliest.close();

    const strict = new Fetcher(client, { maxWaitMs: 50, autoOffsetReset: 'none' });
    strict.assign([{ topic: 'events', partition: 0, offset: 5000n }]);
    await assert.rejects(strict.poll(), (e: unknown) => e instanceof KafkaResponseError && e.errorName === 'OFFSET_OUT_OF_RANGE');
    strict.close();
    const noPosition = new Fetcher(client, { autoOffsetReset: 'none' });
    noPosition.assign([{ topic: 'events', partition: 0 }]);
    await assert.rejects(noPosition.poll(), (e: unknown) => e instanceof KafkaResponseError && e.errorName === 'OFFSET_OUT_OF_RANGE');
    noPosition.close();
  } finally {
    await close();
  }
});

test('a partition that does not exist is an error', async () => {
  const { broker, close } = await setup(1);
  const quick = new KafkaClient({ bootstrapServers: [broker.bootstrapServers], retryTimeoutMs: 300 });
  try {
    const fetcher = new Fetcher(quick, { maxWaitMs: 50 });
    fetcher.assign([{ topic: 'events', partition: 7, offset: 0n }]);
    await assert.rejects(fetcher.poll(), (e: unknown) => e instanceof KafkaResponseError && e.errorName === 'UNKNOWN_TOPIC_OR_PARTITION');
    fetcher.assign([{ topic: 'missing', partition: 0, offset: 0n }]);
    await assert.rejects(fetcher.poll(), (e: unknown) => e instanceof KafkaResponseError && e.errorName === 'UNKNOWN_TOPIC_OR_PARTITION');
    fetcher.close();
    quick.close();
  } finally {
    await close();
  }
});
