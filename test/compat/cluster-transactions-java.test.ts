/**
 * The Java client (kafka-clients 4.4.0, TxnDriver.java, transaction version 2: Produce v13,
 * TxnOffsetCommit v6, EndTxn v5) against a three-broker embedded cluster, with transactional
 * ids whose coordinator (the leader of their __transaction_state partition) does not lead the
 * partitions they write, nor the group's __consumer_offsets partition: the partition leaders
 * add the partitions through the coordinator's broker (KIP-890, AddPartitionsToTxn v4+).
 * - commit, abort, commit to a partition led by another broker: read_committed sees the
 *   committed records only, read_uncommitted all;
 * - a consume-transform-produce processor over three partitions, every 3rd transaction
 *   aborted: the output holds each input record exactly once, in order, in its partition.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KafkaClient } from '../../src/client/index.js';
import { Producer } from '../../src/client/producer.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { startCluster, type EmbeddedCluster } from '../../src/start-cluster.js';
import { OFFSETS_TOPIC, partitionFor } from '../../src/coordinator/group/offsets-topic.js';
import { TRANSACTION_STATE_TOPIC } from '../../src/coordinator/txn/transaction-log.js';
import { TransactionVersion } from '../../src/coordinator/txn/transaction-state.js';
import { eventually } from '../helpers/eventually.js';
import { WireClient } from '../helpers/wire-client.js';
import type { DriverCommand } from './clients/index.js';
import { killMembers } from './clients/group-members.js';
import { ensureJavaTxnDriver, runTxnDriverToEnd } from './clients/txn-drivers.js';

const INTERNAL_PARTITIONS = 5;
const PARTITIONS = 3;

let cluster: EmbeddedCluster | undefined;
let driver: Promise<DriverCommand>;

before(async () => {
  driver = ensureJavaTxnDriver();
  // the compile runs while the cluster starts; a failure shows in the tests
  driver.catch(() => {});
  cluster = await startCluster({
    brokers: 3,
    config: {
      'offsets.topic.num.partitions': INTERNAL_PARTITIONS,
      'transaction.state.log.num.partitions': INTERNAL_PARTITIONS,
      'group.initial.rebalance.delay.ms': 0,
    },
    logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent',
  });
  // Both internal topics exist before ids are picked by their partitions' leaders.
  const c = await WireClient.connect(cluster.bootstrapServers.split(',')[0]!, { apiVersions: true });
  try {
    for (const keyType of [0, 1]) {
      await eventually(`FindCoordinator (key type ${keyType})`, async () => (await c.request(ApiKey.FindCoordinator, 3, { key: 'any', keyType })).errorCode === ErrorCode.NONE);
    }
  } finally {
    c.close();
  }
});

after(async () => {
  killMembers();
  await cluster?.close();
});

function leaderOf(topic: string, partition: number): number {
  const c = cluster!;
  return c.store([...c.brokers.keys()][0]!).topic(topic)?.partitions[partition]?.leader ?? -1;
}

async function createTopic(name: string, partitions: number): Promise<number[]> {
  await cluster!.store(1).createTopic(name, partitions, 3, {});
  return eventually(`leaders of ${name}`, () => {
    const leaders = [...Array(partitions).keys()].map((p) => leaderOf(name, p));
    return leaders.every((l) => l >= 0) ? leaders : null;
  });
}

/** The first `${prefix}-N` whose coordinator is not one of `avoid`, with that coordinator. */
function idCoordinatedOutside(prefix: string, topic: string, avoid: readonly number[]): { id: string; coordinator: number } {
  for (let i = 0; ; i++) {
    const id = `${prefix}-${i}`;
    const coordinator = leaderOf(topic, partitionFor(id, INTERNAL_PARTITIONS));
    if (coordinator >= 0 && !avoid.includes(coordinator)) return { id, coordinator };
  }
}

function clientVersionOf(coordinator: number, txnId: string): TransactionVersion | undefined {
  return cluster!.broker(coordinator).transactions.txnManager.getTransactionState(txnId).metadata?.clientTransactionVersion;
}

test('Java (transaction version 2): commit, abort, commit to a partition another broker than the coordinator leads; read_committed sees only committed records', async () => {
  const topic = 'jtx-smoke';
  const [leader] = await createTopic(topic, 1);
  const { id: txnId, coordinator } = idCoordinatedOutside('jtx-smoke', TRANSACTION_STATE_TOPIC, [leader!]);
  const lines = await runTxnDriverToEnd('smoke', ['smoke', cluster!.bootstrapServers, topic, txnId], 180_000);
  const values = (isolation: string) => lines.find((l) => l.event === 'read' && l.isolation === isolation)?.values as string[] | undefined;
  const batch = (name: string) => Array.from({ length: 10 }, (_, i) => `${name}-${i}`);
  assert.deepEqual(values('read_committed'), [...batch('c1'), ...batch('c3')], 'read_committed: the two committed transactions');
  assert.deepEqual(values('read_uncommitted'), [...batch('c1'), ...batch('a2'), ...batch('c3')], 'read_uncommitted: every record');
  assert.equal(lines.find((l) => l.event === 'describe')?.state, 'CompleteCommit');
  assert.equal(clientVersionOf(coordinator, txnId), TransactionVersion.TV2, 'the client used transaction version 2');
});

test('Java consume-transform-produce (transaction version 2) with the transaction coordinator, the group coordinator and the partition leaders on different brokers: each record exactly once, in order', async () => {
  const input = 'jtx-in';
  const output = 'jtx-out';
  await createTopic(input, PARTITIONS);
  const outLeaders = await createTopic(output, PARTITIONS);
  // At most 500 records a poll (TxnDriver's max.poll.records), one transaction a poll: at least
  // six transactions, so that every 3rd one aborted means some are.
  const records = 3000;
  const sent: string[][] = Array.from({ length: PARTITIONS }, () => []);
  const client = new KafkaClient({ bootstrapServers: cluster!.bootstrapServers.split(',') });
  try {
    const producer = new Producer(client, { acks: -1, lingerMs: 5 });
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < records; i++) {
      const partition = i % PARTITIONS;
      const value = `record-${i}`;
      sent[partition]!.push(value);
      acks.push(producer.send({ topic: input, partition, key: Buffer.from(`k${i}`), value: Buffer.from(value) }));
    }
    await Promise.all(acks);
    await producer.close();
  } finally {
    await client.close();
  }
  // A transactional id coordinated away from some output partition's leader, and a group
  // coordinated on yet another broker.
  const { id: txnId, coordinator } = idCoordinatedOutside('jtx-proc', TRANSACTION_STATE_TOPIC, []);
  assert.ok(outLeaders.some((l) => l !== coordinator), 'an output partition led by another broker than the coordinator');
  const { id: group } = idCoordinatedOutside('jtx-group', OFFSETS_TOPIC, [coordinator]);

  const lines = await runTxnDriverToEnd('processor', ['process', cluster!.bootstrapServers, input, output, group, txnId, '500', '3', '5000'], 300_000);
  assert.ok(lines.some((l) => l.event === 'aborted'), 'some transactions were aborted');
  assert.equal(clientVersionOf(coordinator, txnId), TransactionVersion.TV2, 'the client used transaction version 2');

  const dumped = await runTxnDriverToEnd('dump', ['dump', cluster!.bootstrapServers, output, 'read_committed'], 120_000);
  const got: string[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const l of dumped) if (typeof l.p === 'number') got[l.p]!.push(l.v as string);
  for (let p = 0; p < PARTITIONS; p++) assert.deepEqual(got[p], sent[p], `output partition ${p}: each input record once, in order`);
});
