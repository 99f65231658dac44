// kafkajs against a three-broker embedded cluster whose coordinators move: a consumer group
// commits its offsets, the group's coordinator (the leader of its __consumer_offsets
// partition) stops, and the offsets are read back through the next one; a transactional
// producer sends and adds offsets, its coordinator stops, and the commit goes through the next
// one: read_committed consumers see the records and the group sees the offsets; and a
// transactional producer whose coordinator is not the leader of some partitions it writes nor
// of its group's offsets partition commits, aborts and commits (those leaders verify its
// batches and offsets with the coordinator's broker, KIP-890 with kafkajs's transaction
// version 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startCluster, type EmbeddedCluster } from '../../src/start-cluster.js';
import { OFFSETS_TOPIC, partitionFor } from '../../src/coordinator/group/offsets-topic.js';
import { TRANSACTION_STATE_TOPIC } from '../../src/coordinator/txn/transaction-log.js';
import { eventually } from '../helpers/eventually.js';
import { WireClient } from '../helpers/wire-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
const PARTITIONS = 5;

async function cluster(): Promise<EmbeddedCluster> {
  return startCluster({
    brokers: 3,
    config: {
      'offsets.topic.num.partitions': PARTITIONS,
      'transaction.state.log.num.partitions': PARTITIONS,
      'group.initial.rebalance.delay.ms': 0,
    },
    logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent',
  });
}

function kafka(c: EmbeddedCluster, clientId: string) {
  return new Kafka({ clientId, brokers: c.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
}

/** The leader of `partition` of an internal topic, once the running brokers know one. */
function leaderOf(c: EmbeddedCluster, topic: string, partition: number): Promise<number> {
  return eventually(`a leader of ${topic}-${partition}`, () => {
    const id = [...c.brokers.keys()][0]!;
    const leader = c.store(id).topic(topic)?.partitions[partition]?.leader ?? -1;
    return leader >= 0 && c.brokers.has(leader) ? leader : null;
  });
}

async function createTopic(c: EmbeddedCluster, name: string): Promise<void> {
  await c.store(1).createTopic(name, 1, 3, {});
  await leaderOf(c, name, 0);
}

test('kafkajs: group offsets committed to one coordinator are read back through the next', async () => {
  const c = await cluster();
  const clients: Array<{ disconnect(): Promise<void> }> = [];
  try {
    await createTopic(c, 'clicks');
    const producer = kafka(c, 'p').producer({ idempotent: true, maxInFlightRequests: 1 });
    clients.push(producer);
    await producer.connect();
    await producer.send({ topic: 'clicks', acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `c${i}` })) });

    const consumer = kafka(c, 'c').consumer({ groupId: 'clickers' });
    clients.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: 'clicks', fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await eventually('the ten records consumed', () => seen.length === 10);
    await consumer.commitOffsets([{ topic: 'clicks', partition: 0, offset: '10' }]);
    await consumer.disconnect();

    const coordinator = await leaderOf(c, OFFSETS_TOPIC, partitionFor('clickers', PARTITIONS));
    await c.stopBroker(coordinator);
    const next = await leaderOf(c, OFFSETS_TOPIC, partitionFor('clickers', PARTITIONS));
    assert.notEqual(next, coordinator);

    const admin = kafka(c, 'a').admin();
    clients.push(admin);
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId: 'clickers', topics: ['clicks'] });
    assert.deepEqual(offsets[0]!.partitions.map((p) => [p.partition, p.offset]), [[0, '10']]);
  } finally {
    for (const client of clients) await client.disconnect().catch(() => {});
    await c.close();
  }
});

test('kafkajs: a transaction begun with one coordinator commits through the next; read_committed sees it', async () => {
  const c = await cluster();
  const clients: Array<{ disconnect(): Promise<void> }> = [];
  try {
    await createTopic(c, 'payments');
    const producer = kafka(c, 'txp').producer({ transactionalId: 'payer', idempotent: true, maxInFlightRequests: 1 });
    clients.push(producer);
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic: 'payments', acks: -1, messages: [{ value: 'paid-1' }, { value: 'paid-2' }] });
    await txn.sendOffsets({ consumerGroupId: 'payers', topics: [{ topic: 'payments', partitions: [{ partition: 0, offset: '2' }] }] });

    const coordinator = await leaderOf(c, TRANSACTION_STATE_TOPIC, partitionFor('payer', PARTITIONS));
    await c.stopBroker(coordinator);
    assert.notEqual(await leaderOf(c, TRANSACTION_STATE_TOPIC, partitionFor('payer', PARTITIONS)), coordinator);
    await txn.commit();

    const consumer = kafka(c, 'rc').consumer({ groupId: 'readers', readUncommitted: false });
    clients.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: 'payments', fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await eventually('the committed records read', () => seen.length >= 2);
    assert.deepEqual(seen, ['paid-1', 'paid-2']);

    const admin = kafka(c, 'ta').admin();
    clients.push(admin);
    await admin.connect();
    const offsets = await eventually('the transaction\'s offsets committed', async () => {
      const o = await admin.fetchOffsets({ groupId: 'payers', topics: ['payments'] });
      return o[0]!.partitions[0]!.offset === '2' ? o : null;
    }, { retryErrors: true });
    assert.equal(offsets[0]!.partitions[0]!.offset, '2');
  } finally {
    for (const client of clients) await client.disconnect().catch(() => {});
    await c.close();
  }
});

test('kafkajs: partitions and a group whose leaders are other brokers than the transaction coordinator: commit, abort, commit; read_committed and the group see exactly the committed ones', async () => {
  const c = await cluster();
  const clients: Array<{ disconnect(): Promise<void> }> = [];
  try {
    await c.store(1).createTopic('transfers', 3, 3, {});
    const leaders = await Promise.all([0, 1, 2].map((p) => leaderOf(c, 'transfers', p)));
    // __transaction_state and __consumer_offsets exist once a client looked for a coordinator.
    const wire = await WireClient.connect(c.bootstrapServers.split(',')[0]!, { apiVersions: true });
    try {
      for (const keyType of [0, 1]) {
        await eventually(`FindCoordinator (key type ${keyType})`, async () => (await wire.request(ApiKey.FindCoordinator, 3, { key: 'any', keyType })).errorCode === ErrorCode.NONE);
      }
    } finally {
      wire.close();
    }
    let txnId = '';
    let coordinator = -1;
    for (let i = 0; coordinator < 0 || leaders.every((l) => l === coordinator); i++) {
      txnId = `mover-${i}`;
      coordinator = await leaderOf(c, TRANSACTION_STATE_TOPIC, partitionFor(txnId, PARTITIONS));
    }
    const admin = kafka(c, 'xa').admin();
    clients.push(admin);
    await admin.connect();
    let group = '';
    for (let i = 0; group === '' || (await leaderOf(c, OFFSETS_TOPIC, partitionFor(group, PARTITIONS))) === coordinator; i++) group = `movers-${i}`;

    const producer = kafka(c, 'mover').producer({ transactionalId: txnId, idempotent: true, maxInFlightRequests: 1 });
    clients.push(producer);
    await producer.connect();
    const messages = (name: string) => [0, 1, 2].map((partition) => ({ partition, value: `${name}-${partition}` }));
    for (const [name, commit, offset] of [['c1', true, '1'], ['a2', false, '2'], ['c3', true, '3']] as const) {
      const txn = await producer.transaction();
      await txn.send({ topic: 'transfers', acks: -1, messages: messages(name) });
      await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: 'transfers', partitions: [{ partition: 0, offset }] }] });
      if (commit) await txn.commit();
      else await txn.abort();
    }

    const consumer = kafka(c, 'xrc').consumer({ groupId: 'transfer-readers', readUncommitted: false });
    clients.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: 'transfers', fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await eventually('the committed records read', () => seen.length >= 6);
    assert.deepEqual([...seen].sort(), [...messages('c1'), ...messages('c3')].map((m) => m.value).sort());

    const offsets = await eventually('the committed transactions\' offsets', async () => {
      const o = await admin.fetchOffsets({ groupId: group, topics: ['transfers'] });
      return o[0]!.partitions.find((p) => p.partition === 0)?.offset === '3' ? o : null;
    }, { retryErrors: true });
    assert.equal(offsets[0]!.partitions.find((p) => p.partition === 0)?.offset, '3');
  } finally {
    for (const client of clients) await client.disconnect().catch(() => {});
    await c.close();
  }
});
