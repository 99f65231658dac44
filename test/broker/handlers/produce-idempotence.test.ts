import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode, errorMessage } from '../../../src/protocol/generated/errors.js';
import { CompressionType } from '../../../src/protocol/compression/compression-type.js';
import { WireClient } from '../../helpers/wire-client.js';
import { idempotentBatch, initProducerId, produce, readLog } from '../produce/helpers.js';
import { makeTopic, startTestBroker } from '../../helpers/test-broker.js';

test('InitProducerId: every version hands out a new id with epoch 0; ids survive a restart without repeating', async () => {
  const tb = await startTestBroker();
  let dir = tb.logDir;
  try {
    const client = await WireClient.connect(tb.bootstrap);
    const ids: number[] = [];
    for (let v = 0; v <= 5; v++) {
      const r = await initProducerId(client, v);
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.equal(r.producerEpoch, 0);
      ids.push(r.producerId);
    }
    assert.equal(new Set(ids).size, 6);
    // KIP-360: a producer that sends its id and epoch still gets a fresh id (Kafka, null transactional id).
    const bump = await client.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: BigInt(ids[0]!), producerEpoch: 0 });
    assert.equal(bump.errorCode, ErrorCode.NONE);
    assert.ok(!ids.includes(Number(bump.producerId)));
    assert.equal(bump.producerEpoch, 0);
    const half = await client.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: 5n, producerEpoch: -1 });
    assert.equal(half.errorCode, ErrorCode.INVALID_REQUEST);
    const txn = await client.request(ApiKey.InitProducerId, 5, { transactionalId: 'my-txn', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    // Before a FindCoordinator made __transaction_state, no partition of it is led here: the
    // client is sent to look the coordinator up (Kafka's NOT_COORDINATOR).
    assert.deepEqual([txn.errorCode, txn.producerId, txn.producerEpoch], [ErrorCode.NOT_COORDINATOR, -1n, -1]);
    const timeout = await client.request(ApiKey.InitProducerId, 5, { transactionalId: 'my-txn', transactionTimeoutMs: 900_001, producerId: -1n, producerEpoch: -1 });
    assert.equal(timeout.errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    client.close();
    await tb.close(true);
    const again = await startTestBroker({ logDir: dir });
    dir = again.logDir;
    const c2 = await WireClient.connect(again.bootstrap);
    const after = await initProducerId(c2);
    assert.ok(after.producerId > Math.max(...ids, Number(bump.producerId)));
    c2.close();
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('idempotent producer: in order appends, a retried batch gets its original offsets, gaps and old epochs are refused', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'idem');
    const { producerId } = await initProducerId(client);
    const first = idempotentBatch(producerId, 0, 0, 5);
    const second = idempotentBatch(producerId, 0, 5, 5, { compression: CompressionType.Gzip });
    assert.equal((await produce(client, 'idem', 0, Buffer.from(first))).baseOffset, 0n);
    const s = await produce(client, 'idem', 0, Buffer.from(second));
    assert.equal(s.baseOffset, 5n);
    // Retries of either batch: NONE with the original offsets; the log does not grow.
    const retry = await produce(client, 'idem', 0, Buffer.from(second));
    assert.equal(retry.errorCode, ErrorCode.NONE);
    assert.equal(retry.baseOffset, 5n);
    const [, storedSecond] = await readLog(tb, 'idem', 0);
    assert.equal(retry.logAppendTimeMs, BigInt(storedSecond!.maxTimestamp), "Kafka answers a duplicate with the batch's timestamp");
    assert.equal((await produce(client, 'idem', 0, Buffer.from(first))).baseOffset, 0n);
    assert.equal(tb.broker.logs.getLog('idem', 0)!.logEndOffset, 10);
    // A gap.
    const gap = await produce(client, 'idem', 0, idempotentBatch(producerId, 0, 12, 1));
    assert.deepEqual([gap.errorCode, gap.baseOffset, gap.logStartOffset, gap.errorMessage], [ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, -1n, 0n, null]);
    // The next batch in order is fine, and a new epoch starting at 0 fences the old one.
    assert.equal((await produce(client, 'idem', 0, idempotentBatch(producerId, 0, 10, 2))).baseOffset, 10n);
    assert.equal((await produce(client, 'idem', 0, idempotentBatch(producerId, 1, 0, 1))).errorCode, ErrorCode.NONE);
    const fenced = await produce(client, 'idem', 0, idempotentBatch(producerId, 0, 12, 1));
    assert.equal(fenced.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    const badStart = await produce(client, 'idem', 0, idempotentBatch(producerId, 2, 3, 1));
    assert.equal(badStart.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    // A producer this partition has never seen may start anywhere (Kafka 4.0).
    assert.equal((await produce(client, 'idem', 0, idempotentBatch(producerId + 1000, 0, 17, 1))).errorCode, ErrorCode.NONE);
    // Batches without a producer id are not checked.
    assert.equal((await produce(client, 'idem', 0, idempotentBatch(-1, -1, -1, 1))).errorCode, ErrorCode.NONE);
  } finally {
    client.close();
    await tb.close();
  }
});

test('the last five batches are remembered: an older retry is out of order, not a duplicate', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'window');
    const { producerId } = await initProducerId(client);
    const sent: Buffer[] = [];
    for (let i = 0; i < 7; i++) {
      const b = idempotentBatch(producerId, 0, i * 2, 2);
      sent.push(Buffer.from(b));
      assert.equal((await produce(client, 'window', 0, b)).baseOffset, BigInt(i * 2));
    }
    for (let i = 2; i < 7; i++) assert.equal((await produce(client, 'window', 0, Buffer.from(sent[i]!))).baseOffset, BigInt(i * 2), `batch ${i}`);
    assert.equal((await produce(client, 'window', 0, Buffer.from(sent[1]!))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  } finally {
    client.close();
    await tb.close();
  }
});

test('DescribeProducers lists each producer with epoch, last sequence and timestamp; errors as Kafka answers them', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'desc', 2);
    const a = await initProducerId(client);
    const b = await initProducerId(client);
    await produce(client, 'desc', 0, idempotentBatch(a.producerId, 0, 0, 3, { defaultTimestamp: 1_700_000_000_000 }));
    await produce(client, 'desc', 0, idempotentBatch(b.producerId, 0, 0, 1, { defaultTimestamp: 1_700_000_000_001 }));
    await produce(client, 'desc', 0, idempotentBatch(a.producerId, 0, 3, 2, { defaultTimestamp: 1_700_000_000_002 }));
    const res = await client.request(ApiKey.DescribeProducers, 0, {
      topics: [
        { name: 'desc', partitionIndexes: [0, 1, 5] },
        { name: 'missing', partitionIndexes: [0] },
        { name: 'bad/name', partitionIndexes: [0] },
      ],
    });
    const [desc, missing, bad] = res.topics;
    const p0 = desc!.partitions[0]!;
    assert.equal(p0.errorCode, ErrorCode.NONE);
    const producers = p0.activeProducers
      .map((p) => [Number(p.producerId), p.producerEpoch, p.lastSequence, Number(p.lastTimestamp), p.coordinatorEpoch, p.currentTxnStartOffset] as const)
      .sort((x, y) => x[0] - y[0]);
    assert.deepEqual(producers, [
      [a.producerId, 0, 4, 1_700_000_000_002, -1, -1n],
      [b.producerId, 0, 0, 1_700_000_000_001, -1, -1n],
    ]);
    assert.deepEqual([desc!.partitions[1]!.errorCode, desc!.partitions[1]!.activeProducers], [ErrorCode.NONE, []]);
    assert.deepEqual([desc!.partitions[2]!.partitionIndex, desc!.partitions[2]!.errorCode, desc!.partitions[2]!.errorMessage], [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null]);
    assert.deepEqual([missing!.partitions[0]!.errorCode, missing!.partitions[0]!.errorMessage], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)]);
    assert.equal(bad!.partitions[0]!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.match(bad!.partitions[0]!.errorMessage!, /Topic name is invalid/);
  } finally {
    client.close();
    await tb.close();
  }
});

test('producer state survives a clean restart (snapshot) and an unclean one (log replay restores all 5 batches)', async () => {
  const tb = await startTestBroker();
  const dir = tb.logDir;
  try {
    const c1 = await WireClient.connect(tb.bootstrap);
    await makeTopic(tb, 'durable');
    const { producerId } = await initProducerId(c1);
    const sent: Buffer[] = [];
    for (let i = 0; i < 4; i++) {
      const b = idempotentBatch(producerId, 0, i * 3, 3);
      sent.push(Buffer.from(b));
      await produce(c1, 'durable', 0, b);
    }
    c1.close();
    await tb.close(true);

    // Clean restart: the snapshot written at shutdown keeps the last batch.
    const clean = await startTestBroker({ logDir: dir });
    const c2 = await WireClient.connect(clean.bootstrap);
    assert.equal((await produce(c2, 'durable', 0, Buffer.from(sent[3]!))).baseOffset, 9n, 'retry of the last batch is a duplicate');
    assert.equal((await produce(c2, 'durable', 0, Buffer.from(sent[2]!))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'as in Kafka, older batches are not in a snapshot');
    assert.equal((await produce(c2, 'durable', 0, idempotentBatch(producerId, 0, 20, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const next = idempotentBatch(producerId, 0, 12, 3);
    sent.push(Buffer.from(next));
    assert.equal((await produce(c2, 'durable', 0, next)).baseOffset, 12n);
    const described = await c2.request(ApiKey.DescribeProducers, 0, { topics: [{ name: 'durable', partitionIndexes: [0] }] });
    assert.equal(described.topics[0]!.partitions[0]!.activeProducers[0]!.lastSequence, 14);
    c2.close();
    await clean.close(true);

    // Unclean restart: no clean-shutdown marker and no snapshot, so the log is replayed.
    for (const name of readdirSync(join(dir, 'durable-0'))) if (name.endsWith('.snapshot')) rmSync(join(dir, 'durable-0', name));
    rmSync(join(dir, '.kafka_cleanshutdown'), { force: true });
    const unclean = await startTestBroker({ logDir: dir });
    const c3 = await WireClient.connect(unclean.bootstrap);
    for (let i = 0; i < 5; i++) {
      assert.equal((await produce(c3, 'durable', 0, Buffer.from(sent[i]!))).baseOffset, BigInt(i * 3), `batch ${i} is a duplicate after replay`);
    }
    assert.equal(unclean.broker.logs.getLog('durable', 0)!.logEndOffset, 15);
    c3.close();
    await unclean.close(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('producers idle for producer.id.expiration.ms are forgotten; the producer may then start anywhere', async () => {
  const tb = await startTestBroker({ config: { 'producer.id.expiration.ms': 1000 } });
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'exp');
    const { producerId } = await initProducerId(client);
    await produce(client, 'exp', 0, idempotentBatch(producerId, 0, 0, 1, { defaultTimestamp: Date.now() }));
    assert.equal((await produce(client, 'exp', 0, idempotentBatch(producerId, 0, 5, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(tb.broker.produce.expireProducers(Date.now() + 1000), 1);
    const res = await client.request(ApiKey.DescribeProducers, 0, { topics: [{ name: 'exp', partitionIndexes: [0] }] });
    assert.deepEqual(res.topics[0]!.partitions[0]!.activeProducers, []);
    assert.equal((await produce(client, 'exp', 0, idempotentBatch(producerId, 0, 5, 1))).errorCode, ErrorCode.NONE);
  } finally {
    client.close();
    await tb.close();
  }
});
