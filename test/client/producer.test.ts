import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { startBroker } from '../../src/start-broker.js';
import { KafkaClient, KafkaResponseError } from '../../src/client/index.js';
import { Producer } from '../../src/client/producer.js';
import { Fetcher, type FetchedRecord } from '../../src/client/fetcher.js';
import { partitionForKey } from '../../src/client/partitioner.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { eventually } from '../helpers/eventually.js';

async function createTopic(client: KafkaClient, name: string, partitions: number, configs: { name: string; value: string }[] = []): Promise<void> {
  const r = await client.request(ApiKey.CreateTopics, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs }],
    timeoutMs: 5000, validateOnly: false,
  });
  assert.equal(r.topics[0]?.errorCode, ErrorCode.NONE);
}

/**
 * Calls `seen` with each Metadata answer that connections from `client.any()` receive (the
 * producer looks topics up through them): a test waits on what the producer was told.
 */
function watchMetadata(client: KafkaClient, seen: (topics: ReadonlyArray<{ name: string | null; errorCode: number }>) => void): void {
  const any = client.any.bind(client);
  const watched = new WeakSet<object>();
  client.any = async () => {
    const conn = await any();
    if (!watched.has(conn)) {
      watched.add(conn);
      const request = conn.request.bind(conn);
      conn.request = (async (apiKey: number, body: never, version?: number) => {
        const res = await request(apiKey as never, body, version);
        if (apiKey === ApiKey.Metadata) seen((res as { topics: Array<{ name: string | null; errorCode: number }> }).topics);
        return res;
      }) as typeof conn.request;
    }
    return conn;
  };
}

/** Counts the client's failed attempts to reach a broker (`any()` and `node()` rejecting). */
function countConnectFailures(client: KafkaClient): { failures: number } {
  const out = { failures: 0 };
  for (const name of ['any', 'node'] as const) {
    const original = (client[name] as (...args: never[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = async (...args: never[]) => {
      try {
        return await original(...args);
      } catch (e) {
        out.failures++;
        throw e;
      }
    };
  }
  return out;
}

/** Reads every record of the given partitions from the beginning up to `count` records. */
async function readAll(client: KafkaClient, topic: string, partitions: number, count: number): Promise<FetchedRecord[]> {
  const fetcher = new Fetcher(client, { maxWaitMs: 100 });
  fetcher.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: -2n })));
  const out: FetchedRecord[] = [];
  await eventually(`${count} records`, async () => {
    out.push(...await fetcher.poll());
    return out.length >= count;
  }, { intervalMs: 0 });
  fetcher.close();
  return out;
}

test('keyed records land on the partition Java would pick, in order, with offsets and headers', async () => {
  const broker = await startBroker();
  const client = new KafkaClient({ bootstrapServers: [broker.bootstrapServers] });
  try {
    await createTopic(client, 'keyed', 5);
    const producer = new Producer(client, { acks: -1, lingerMs: 2, batchSize: 512 });
    const sends = [];
    for (let i = 0; i < 300; i++) {
      sends.push(producer.send({
        topic: 'keyed', key: Buffer.from(`key-${i % 17}`), value: Buffer.from(`value-${i}`),
        headers: [{ key: 'n', value: Buffer.from(String(i)) }], timestamp: 1_700_000_000_000n + BigInt(i),
      }));
    }
    const acks = await Promise.all(sends);
    await producer.close();
    for (let i = 0; i < 300; i++) {
      assert.equal(acks[i]!.partition, partitionForKey(Buffer.from(`key-${i % 17}`), 5));
      assert.equal(acks[i]!.topic, 'keyed');
    }
    // Offsets per partition are 0..n-1 in send order.
    const perPartition = new Map<number, bigint[]>();
    for (const a of acks) perPartition.set(a.partition, [...perPartition.get(a.partition) ?? [], a.offset]);
    for (const offsets of perPartition.values()) assert.deepEqual(offsets, offsets.map((_, i) => BigInt(i)));

    const records = await readAll(client, 'keyed', 5, 300);
    assert.equal(records.length, 300);
    for (const r of records) {
      const i = Number(r.headers[0]!.value!.toString());
      assert.equal(r.value!.toString(), `value-${i}`);
      assert.equal(r.key!.toString(), `key-${i % 17}`);
      assert.equal(r.timestamp, 1_700_000_000_000n + BigInt(i));
      assert.equal(r.partition, acks[i]!.partition);
      assert.equal(r.offset, acks[i]!.offset);
    }
  } finally {
    client.close();
    await broker.close();
  }
});

test('keyless records stick to partitions, explicit partitions are honoured, every codec round-trips', async () => {
  const broker = await startBroker();
  const client = new KafkaClient({ bootstrapServers: [broker.bootstrapServers] });
  try {
    await createTopic(client, 'sticky', 3);
    for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const producer = new Producer(client, { acks: 1, compression, lingerMs: 0 });
      const acks = await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send({ topic: 'sticky', value: Buffer.alloc(100, i) })));
      // 50 × ~120 bytes stay below one 16 KiB batch: one partition for all of them.
      assert.equal(new Set(acks.map((a) => a.partition)).size, 1, compression);
      const pinned = await producer.send({ topic: 'sticky', partition: 2, key: Buffer.from('k'), value: Buffer.from(compression) });
      assert.equal(pinned.partition, 2);
      await producer.close();
    }
    const records = await readAll(client, 'sticky', 3, 255);
    assert.equal(records.length, 255);
    assert.deepEqual(records.filter((r) => r.partition === 2 && r.key?.toString() === 'k').map((r) => r.value!.toString()).sort(),
      ['gzip', 'lz4', 'none', 'snappy', 'zstd']);
  } finally {
    client.close();
    await broker.close();
  }
});

test('acks=0 records answer with offset -1 and still arrive; topics are auto-created', async () => {
  const broker = await startBroker({ config: { 'num.partitions': 2 } });
  const client = new KafkaClient({ bootstrapServers: [broker.bootstrapServers] });
  try {
    const producer = new Producer(client, { acks: 0, lingerMs: 1 });
    const acks = await Promise.all(Array.from({ length: 1000 }, (_, i) => producer.send({ topic: 'fire', key: Buffer.from(String(i)), value: Buffer.alloc(64) })));
    await producer.flush();
    assert.ok(acks.every((a) => a.offset === -1n));
    const records = await readAll(client, 'fire', 2, 1000);
    assert.equal(records.length, 1000);
  } finally {
    client.close();
    await broker.close();
  }
});

test('partition errors fail the records with a KafkaResponseError; a partition past the end is refused', async () => {
  const broker = await startBroker({ config: { 'auto.create.topics.enable': false } });
  const client = new KafkaClient({ bootstrapServers: [broker.bootstrapServers] });
  try {
    await createTopic(client, 'small', 1, [{ name: 'max.message.bytes', value: '1000' }]);
    const producer = new Producer(client, { acks: -1, lingerMs: 0, maxBlockMs: 500 });
    await assert.rejects(producer.send({ topic: 'small', value: Buffer.alloc(5000) }),
      (e: unknown) => e instanceof KafkaResponseError && e.errorName === 'MESSAGE_TOO_LARGE');
    await assert.rejects(producer.send({ topic: 'small', partition: 3, value: Buffer.alloc(1) }),
      (e: unknown) => e instanceof KafkaResponseError && e.errorName === 'UNKNOWN_TOPIC_OR_PARTITION');
    await assert.rejects(producer.send({ topic: 'absent', value: Buffer.alloc(1) }), /absent not present in metadata/);
    // The producer still works after the errors.
    const ok = await producer.send({ topic: 'small', value: Buffer.from('fine') });
    assert.equal(ok.offset, 0n);
    await producer.close();
    await assert.rejects(producer.send({ topic: 'small', value: null }), /closed/);
  } finally {
    client.close();
    await broker.close();
  }
});

test('a deleted and re-created topic is found again after UNKNOWN_TOPIC_OR_PARTITION', async () => {
  const broker = await startBroker({ config: { 'auto.create.topics.enable': false } });
  const client = new KafkaClient({ bootstrapServers: [broker.bootstrapServers] });
  try {
    await createTopic(client, 'moving', 2);
    const producer = new Producer(client, { acks: 1, lingerMs: 0, retryBackoffMs: 20 });
    assert.equal((await producer.send({ topic: 'moving', partition: 1, value: Buffer.from('a') })).offset, 0n);
    const del = await client.request(ApiKey.DeleteTopics, { topicNames: ['moving'], topics: [{ name: 'moving', topicId: Buffer.alloc(16) }], timeoutMs: 5000 });
    assert.equal(del.responses[0]?.errorCode, ErrorCode.NONE);
    let toldMissing = false;
    watchMetadata(client, (topics) => {
      if (topics.some((t) => t.name === 'moving' && t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) toldMissing = true;
    });
    const pending = producer.send({ topic: 'moving', partition: 1, value: Buffer.from('b') });
    // Re-created only once the producer has been told the topic is gone.
    await eventually('the producer to look moving up and find it gone', () => toldMissing);
    await createTopic(client, 'moving', 2);
    const md = await pending;
    assert.equal(md.partition, 1);
    assert.equal(md.offset, 0n);
    await producer.close();
  } finally {
    client.close();
    await broker.close();
  }
});

test('an idempotent producer gets a producer id and writes sequenced batches', async () => {
  const broker = await startBroker();
  const client = new KafkaClient({ bootstrapServers: [broker.bootstrapServers] });
  try {
    await createTopic(client, 'idem', 2);
    const producer = new Producer(client, { acks: -1, idempotent: true, lingerMs: 1, batchSize: 1024 });
    const acks = await Promise.all(Array.from({ length: 400 }, (_, i) => producer.send({ topic: 'idem', key: Buffer.from(`k${i % 5}`), value: Buffer.alloc(40, i) })));
    await producer.close();
    const described = await client.request(ApiKey.DescribeProducers, { topics: [{ name: 'idem', partitionIndexes: [0, 1] }] });
    const producers = described.topics[0]!.partitions.flatMap((p) => p.activeProducers);
    assert.ok(producers.length >= 1);
    assert.ok(producers.every((p) => p.producerId >= 0n));
    const count = (p: number) => acks.filter((a) => a.partition === p).length;
    for (const p of described.topics[0]!.partitions) {
      if (count(p.partitionIndex) === 0) continue;
      assert.equal(p.activeProducers[0]!.lastSequence, count(p.partitionIndex) - 1);
    }
  } finally {
    client.close();
    await broker.close();
  }
});

test('records sent while the broker is down are delivered once it is back (connection errors are retried)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-producer-restart-'));
  let broker = await startBroker({ logDir: dir });
  const port = Number(broker.bootstrapServers.split(':').at(-1));
  const client = new KafkaClient({ bootstrapServers: [broker.bootstrapServers], connectTimeoutMs: 500 });
  try {
    await createTopic(client, 'durable', 2);
    const producer = new Producer(client, { acks: -1, lingerMs: 0, retryBackoffMs: 50, deliveryTimeoutMs: 20_000 });
    assert.equal((await producer.send({ topic: 'durable', partition: 0, value: Buffer.from('before') })).offset, 0n);
    await broker.close();
    const connects = countConnectFailures(client);
    const pending = Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'durable', partition: i % 2, value: Buffer.from(`during-${i}`) }));
    // The broker comes back only once the producer has tried to reach it and failed.
    await eventually('the producer to fail to reach the broker', () => connects.failures > 0);
    broker = await startBroker({ logDir: dir, port });
    const acks = await Promise.all(pending);
    assert.deepEqual(acks.filter((a) => a.partition === 0).map((a) => a.offset), Array.from({ length: 10 }, (_, i) => BigInt(i + 1)));
    assert.deepEqual(acks.filter((a) => a.partition === 1).map((a) => a.offset), Array.from({ length: 10 }, (_, i) => BigInt(i)));
    await producer.close();
  } finally {
    client.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a partition keeps send order when zstd encodings finish out of order', async () => {
  const broker = await startBroker();
  const client = new KafkaClient({ bootstrapServers: [broker.bootstrapServers] });
  try {
    await createTopic(client, 'ordered', 1);
    // Small batches, no linger: many requests in flight, each batch compressed on the thread pool.
    const producer = new Producer(client, { acks: 1, compression: 'zstd', lingerMs: 0, batchSize: 256, maxInFlightPerBroker: 8 });
    const n = 2000;
    const sent = await Promise.all(Array.from({ length: n }, (_, i) => producer.send({ topic: 'ordered', partition: 0, value: Buffer.from(`v${i}`) })));
    await producer.close();
    assert.deepEqual(sent.map((m) => m.offset), Array.from({ length: n }, (_, i) => BigInt(i)));
    const got = await readAll(client, 'ordered', 1, n);
    assert.deepEqual(got.map((r) => r.value!.toString()), Array.from({ length: n }, (_, i) => `v${i}`));
  } finally {
    client.close();
    await broker.close();
  }
});
