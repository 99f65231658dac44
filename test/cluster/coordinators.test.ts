// The group and transaction coordinators of an embedded three-broker cluster follow the
// leadership of their internal topics' partitions: FindCoordinator names the leader of the
// key's partition, other brokers answer NOT_COORDINATOR, the coordinators' writes are
// replicated (acks=-1) before they are answered, and when the coordinator's broker stops
// (with and without controlled shutdown) the new leader loads the partition: committed offsets
// are read back from it, and a transaction begun before the move is committed through it and
// becomes visible to read_committed consumers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type EmbeddedCluster } from '../../src/start-cluster.js';
import { ManualClock } from '../../src/cluster/kv/clock.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import * as ProduceRequest from '../../src/protocol/generated/produce-request.js';
import * as FetchRequest from '../../src/protocol/generated/fetch-request.js';
import { encodeBatchSync } from '../../src/protocol/records/encode.js';
import { decodeBatchSync } from '../../src/protocol/records/decode.js';
import { OFFSETS_TOPIC, partitionFor } from '../../src/coordinator/group/offsets-topic.js';
import { TRANSACTION_STATE_TOPIC } from '../../src/coordinator/txn/transaction-log.js';
import { eventually } from '../helpers/eventually.js';
import { WireClient } from '../helpers/wire-client.js';
import { ZERO_UUID } from '../../src/protocol/primitives/codec-helpers.js';

const GROUP = 0;
const TRANSACTION = 1;
const PARTITIONS = 3;
/** The errors a client answers by looking for the coordinator again. */
const RETRIABLE = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE]);

interface Setup {
  cluster: EmbeddedCluster;
  clock: ManualClock;
  clients: Map<number, WireClient>;
  end(): Promise<void>;
}

async function setup(config: Record<string, string | number | boolean> = {}): Promise<Setup> {
  const clock = new ManualClock(Date.now());
  const cluster = await startCluster({
    brokers: 3,
    clock,
    config: {
      'replica.fetch.wait.max.ms': 50,
      'replica.fetch.backoff.ms': 20,
      'offsets.topic.num.partitions': PARTITIONS,
      'transaction.state.log.num.partitions': PARTITIONS,
      ...config,
    },
    logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent',
  });
  const s: Setup = {
    cluster,
    clock,
    clients: new Map(),
    async end() {
      for (const c of s.clients.values()) c.close();
      await cluster.close();
    },
  };
  return s;
}

async function client(s: Setup, nodeId: number): Promise<WireClient> {
  let c = s.clients.get(nodeId);
  if (c === undefined) {
    c = await WireClient.connect(s.cluster.broker(nodeId).bootstrapServers, { apiVersions: true });
    s.clients.set(nodeId, c);
  }
  return c;
}

async function stop(s: Setup, nodeId: number): Promise<void> {
  s.clients.get(nodeId)?.close();
  s.clients.delete(nodeId);
  await s.cluster.stopBroker(nodeId);
}

/** FindCoordinator asked of `askId`: the coordinator's node id, or the error. */
async function findCoordinator(s: Setup, askId: number, keyType: number, key: string): Promise<{ errorCode: number; nodeId: number }> {
  const r = await (await client(s, askId)).request(ApiKey.FindCoordinator, 3, { key, keyType });
  return { errorCode: r.errorCode, nodeId: r.nodeId };
}

/** The coordinator every running broker names, once they agree and it is not `not`. */
function coordinator(s: Setup, keyType: number, key: string, not = -1): Promise<number> {
  return eventually(`the coordinator of ${key}`, async () => {
    let found = -1;
    for (const id of s.cluster.brokers.keys()) {
      const r = await findCoordinator(s, id, keyType, key);
      if (r.errorCode !== ErrorCode.NONE || r.nodeId === not || (found !== -1 && r.nodeId !== found)) return false;
      found = r.nodeId;
    }
    return found;
  });
}

/** Calls `call` until it answers something else than a coordinator error. */
function untilServed<T>(what: string, call: () => Promise<T>, errorOf: (r: T) => number): Promise<T> {
  return eventually(what, async () => {
    const r = await call();
    return RETRIABLE.has(errorOf(r)) ? null : { r };
  }).then((x) => x.r);
}

function commit(c: WireClient, group: string, topic: string, offset: number) {
  return c.request(ApiKey.OffsetCommit, 8, {
    groupId: group,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: topic, topicId: ZERO_UUID, partitions: [{ partitionIndex: 0, committedOffset: BigInt(offset), committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
}

function fetchOffset(c: WireClient, group: string, topic: string) {
  return c.request(ApiKey.OffsetFetch, 7, { groupId: group, topics: [{ name: topic, partitionIndexes: [0] }], requireStable: true });
}

const commitError = (r: Awaited<ReturnType<typeof commit>>) => r.topics[0]!.partitions[0]!.errorCode;
const fetchError = (r: Awaited<ReturnType<typeof fetchOffset>>) => r.errorCode;

async function makeTopic(s: Setup, name: string): Promise<number> {
  const id = [...s.cluster.brokers.keys()][0]!;
  await s.cluster.store(id).createTopic(name, 1, 3, {});
  return eventually(`${name} has a leader`, () => {
    const leader = s.cluster.store(id).topic(name)?.partitions[0]?.leader ?? -1;
    return leader >= 0 ? leader : null;
  });
}

/** The replicas of partition `p` of an internal topic, and its leader, as the first running broker's image has them. */
function internalPartition(s: Setup, topic: string, p: number) {
  const id = [...s.cluster.brokers.keys()][0]!;
  const pm = s.cluster.store(id).topic(topic)?.partitions[p];
  assert.ok(pm !== undefined, `${topic}-${p} exists`);
  return pm;
}

for (const controlled of [true, false]) {
  const how = controlled ? 'controlled shutdown' : 'a stop without controlled shutdown';
  test(`group coordinator: the leader of the group's ${OFFSETS_TOPIC} partition; commits are replicated and read back from the next leader after ${how}`, async () => {
    const s = await setup({ 'controlled.shutdown.enable': controlled });
    try {
      await makeTopic(s, 'orders');
      const group = 'billing';
      const first = await coordinator(s, GROUP, group);
      const partition = partitionFor(group, PARTITIONS);
      const pm = internalPartition(s, OFFSETS_TOPIC, partition);
      assert.equal(first, pm.leader, 'FindCoordinator names the leader of the group\'s partition');
      assert.equal(pm.replicas.length, 3, `${OFFSETS_TOPIC} has offsets.topic.replication.factor (3) replicas`);

      const committed = await untilServed('a commit to the coordinator', async () => commit(await client(s, first), group, 'orders', 42), commitError);
      assert.equal(commitError(committed), ErrorCode.NONE);
      // Answered once the ISR has it: every in-sync replica holds the commit.
      for (const id of internalPartition(s, OFFSETS_TOPIC, partition).isr) {
        const log = s.cluster.broker(id).logs.getLog(OFFSETS_TOPIC, partition);
        assert.ok(log !== undefined && log.logEndOffset >= 1, `broker ${id} has the commit`);
      }
      for (const other of [1, 2, 3].filter((id) => id !== first)) {
        assert.equal(commitError(await commit(await client(s, other), group, 'orders', 7)), ErrorCode.NOT_COORDINATOR, `broker ${other} does not coordinate ${group}`);
        assert.equal(fetchError(await fetchOffset(await client(s, other), group, 'orders')), ErrorCode.NOT_COORDINATOR);
      }

      await stop(s, first);
      const second = await coordinator(s, GROUP, group, first);
      assert.equal(second, internalPartition(s, OFFSETS_TOPIC, partition).leader);
      const read = await untilServed('an offset fetch from the new coordinator', async () => fetchOffset(await client(s, second), group, 'orders'), fetchError);
      assert.equal(read.errorCode, ErrorCode.NONE);
      assert.equal(read.topics[0]!.partitions[0]!.committedOffset, 42n, 'the offset committed to the old coordinator');

      // The new coordinator writes too, and the one after it reads that back.
      assert.equal(commitError(await commit(await client(s, second), group, 'orders', 43)), ErrorCode.NONE);
      await s.cluster.startBroker(first);
      await stop(s, second);
      const third = await coordinator(s, GROUP, group, second);
      const again = await untilServed('an offset fetch from the third coordinator', async () => fetchOffset(await client(s, third), group, 'orders'), fetchError);
      assert.equal(again.topics[0]!.partitions[0]!.committedOffset, 43n);
    } finally {
      await s.end();
    }
  });
}

function transactionalBatch(producerId: bigint, producerEpoch: number, value: string): Buffer {
  return encodeBatchSync([{ value: Buffer.from(value) }], { producerId: Number(producerId), producerEpoch, baseSequence: 0, transactional: true });
}

/** read_committed values of partition 0 of `topic`, from its leader. */
async function readCommitted(s: Setup, leader: number, topic: string): Promise<string[]> {
  const r = await (await client(s, leader)).request(ApiKey.Fetch, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 1,
    topics: [{ ...FetchRequest.defaultFetchTopic(), topic, partitions: [{ ...FetchRequest.defaultFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
  });
  const p = r.responses[0]!.partitions[0]!;
  assert.equal(p.errorCode, ErrorCode.NONE);
  const records = p.records ?? Buffer.alloc(0);
  const aborted = new Set((p.abortedTransactions ?? []).map((a) => a.producerId));
  const out: string[] = [];
  for (let at = 0; at < records.length; ) {
    const batch = decodeBatchSync(records, at);
    at += batch.sizeInBytes;
    if (batch.isControl || aborted.has(BigInt(batch.producerId))) continue;
    for (const rec of batch.records) out.push(Buffer.from(rec.value!).toString());
  }
  return out;
}

test(`transaction coordinator: a transaction begun with the leader of its ${TRANSACTION_STATE_TOPIC} partition is committed through the next leader, its markers reach the data partition's leader, and read_committed sees it`, async () => {
  // KIP-890 verification is on (Kafka's default): when the data partition's leader is not the
  // coordinator, it asks the coordinator's broker (AddPartitionsToTxn verifyOnly).
  const s = await setup();
  try {
    const dataLeader = await makeTopic(s, 'payments');
    const txnId = 'payer-1';
    const first = await coordinator(s, TRANSACTION, txnId);
    const pm = internalPartition(s, TRANSACTION_STATE_TOPIC, partitionFor(txnId, PARTITIONS));
    assert.equal(first, pm.leader);
    assert.equal(pm.replicas.length, 3);
    assert.equal(s.cluster.store(first).topic(TRANSACTION_STATE_TOPIC)!.configs['min.insync.replicas'], '2', 'transaction.state.log.min.isr');

    const init = await untilServed('InitProducerId', async () => (await client(s, first)).request(ApiKey.InitProducerId, 3, {
      transactionalId: txnId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1,
    }), (r) => r.errorCode);
    assert.equal(init.errorCode, ErrorCode.NONE);
    const { producerId, producerEpoch } = init;
    for (const other of [1, 2, 3].filter((id) => id !== first)) {
      const r = await (await client(s, other)).request(ApiKey.InitProducerId, 3, { transactionalId: txnId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1, enable2Pc: false, keepPreparedTxn: false });
      assert.equal(r.errorCode, ErrorCode.NOT_COORDINATOR, `broker ${other} does not coordinate ${txnId}`);
    }
    const added = await (await client(s, first)).request(ApiKey.AddPartitionsToTxn, 3, {
      v3AndBelowTransactionalId: txnId, v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch,
      v3AndBelowTopics: [{ name: 'payments', partitions: [0] }],
    });
    assert.equal(added.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.NONE);
    const produced = await (await client(s, dataLeader)).request(ApiKey.Produce, 9, {
      transactionalId: txnId,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [{ ...ProduceRequest.defaultTopicProduceData(), name: 'payments', partitionData: [{ ...ProduceRequest.defaultPartitionProduceData(), index: 0, records: transactionalBatch(producerId, producerEpoch, 'paid') }] }],
    });
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    assert.deepEqual(await readCommitted(s, dataLeader, 'payments'), [], 'the open transaction holds the last stable offset');

    // The coordinator goes; unless it led the data partition too, that leader stays.
    await stop(s, first);
    const second = await coordinator(s, TRANSACTION, txnId, first);
    const ended = await untilServed('EndTxn at the new coordinator', async () => (await client(s, second)).request(ApiKey.EndTxn, 3, {
      transactionalId: txnId, producerId, producerEpoch, committed: true,
    }), (r) => r.errorCode);
    assert.equal(ended.errorCode, ErrorCode.NONE);
    const leaderNow = await makeLeaderKnown(s, 'payments');
    const seen = await eventually('the committed transaction visible to read_committed', async () => {
      const values = await readCommitted(s, leaderNow, 'payments');
      return values.length > 0 ? values : null;
    });
    assert.deepEqual(seen, ['paid']);
    const state = s.cluster.broker(second).transactions.describeTransaction(txnId);
    await eventually('the transaction complete', () => s.cluster.broker(second).transactions.describeTransaction(txnId).transactionState === 'CompleteCommit');
    assert.equal(state.errorCode, ErrorCode.NONE);
  } finally {
    await s.end();
  }
});

/** The current leader of partition 0 of `topic`. */
function makeLeaderKnown(s: Setup, topic: string): Promise<number> {
  return eventually(`${topic} has a leader`, () => {
    const id = [...s.cluster.brokers.keys()][0]!;
    const leader = s.cluster.store(id).topic(topic)?.partitions[0]?.leader ?? -1;
    return leader >= 0 && s.cluster.brokers.has(leader) ? leader : null;
  });
}

test('a commit the ISR does not take within offsets.commit.timeout.ms answers COORDINATOR_NOT_AVAILABLE (REQUEST_TIMED_OUT, as Kafka maps it)', async () => {
  const s = await setup();
  try {
    await makeTopic(s, 'orders');
    const group = 'slow';
    const leader = await coordinator(s, GROUP, group);
    const c = await client(s, leader);
    assert.equal(commitError(await untilServed('a first commit', () => commit(c, group, 'orders', 1), commitError)), ErrorCode.NONE);
    const partition = partitionFor(group, PARTITIONS);
    for (const id of internalPartition(s, OFFSETS_TOPIC, partition).replicas) if (id !== leader) s.cluster.broker(id).replication!.pauseFetchers();
    const waiting = commit(c, group, 'orders', 2);
    const purgatory = s.cluster.broker(leader).replication!.purgatory;
    await eventually('the commit waits for the ISR', () => purgatory.size === 1);
    await s.clock.advance(5000);
    assert.equal(commitError(await waiting), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  } finally {
    await s.end();
  }
});

test('a __transaction_state partition under transaction.state.log.min.isr refuses the coordinator\'s writes: COORDINATOR_NOT_AVAILABLE (NOT_ENOUGH_REPLICAS, as Kafka maps it)', async () => {
  const s = await setup({ 'transaction.state.log.min.isr': 3 });
  try {
    const txnId = 'strict';
    const first = await coordinator(s, TRANSACTION, txnId);
    const other = [1, 2, 3].find((id) => id !== first)!;
    await stop(s, other);
    const partition = partitionFor(txnId, PARTITIONS);
    await eventually('the ISR without the stopped broker', () => !internalPartition(s, TRANSACTION_STATE_TOPIC, partition).isr.includes(other));
    const r = await eventually('an answer from the loaded coordinator', async () => {
      const at = await coordinator(s, TRANSACTION, txnId);
      const init = await (await client(s, at)).request(ApiKey.InitProducerId, 3, { transactionalId: txnId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1, enable2Pc: false, keepPreparedTxn: false });
      return init.errorCode === ErrorCode.NOT_COORDINATOR || init.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? null : init;
    });
    assert.equal(r.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  } finally {
    await s.end();
  }
});

test('transaction markers are acknowledged once the data partition\'s ISR has them (acks=-1): until then the transaction stays PrepareCommit', async () => {
  const s = await setup();
  try {
    const dataLeader = await makeTopic(s, 'ledger');
    // A transactional id whose coordinator follows the data partition: pausing its fetchers holds the marker back.
    let txnId = '';
    let coord = -1;
    for (let i = 0; coord === -1 || coord === dataLeader; i++) {
      txnId = `ledger-tx-${i}`;
      coord = await coordinator(s, TRANSACTION, txnId);
    }
    const c = await client(s, coord);
    const init = await untilServed('InitProducerId', () => c.request(ApiKey.InitProducerId, 3, { transactionalId: txnId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1, enable2Pc: false, keepPreparedTxn: false }), (r) => r.errorCode);
    assert.equal(init.errorCode, ErrorCode.NONE);
    const { producerId, producerEpoch } = init;
    const added = await c.request(ApiKey.AddPartitionsToTxn, 3, {
      v3AndBelowTransactionalId: txnId, v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: [{ name: 'ledger', partitions: [0] }],
    });
    assert.equal(added.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.NONE);
    const produced = await (await client(s, dataLeader)).request(ApiKey.Produce, 9, {
      transactionalId: txnId, acks: -1, timeoutMs: 30_000,
      topicData: [{ ...ProduceRequest.defaultTopicProduceData(), name: 'ledger', partitionData: [{ ...ProduceRequest.defaultPartitionProduceData(), index: 0, records: transactionalBatch(producerId, producerEpoch, 'entry') }] }],
    });
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);

    s.cluster.broker(coord).replication!.pauseFetchers();
    const ended = await c.request(ApiKey.EndTxn, 3, { transactionalId: txnId, producerId, producerEpoch, committed: true });
    assert.equal(ended.errorCode, ErrorCode.NONE);
    const leaderLog = s.cluster.broker(dataLeader).logs.getLog('ledger', 0)!;
    await eventually('the marker in the leader\'s log', () => leaderLog.logEndOffset === 2);
    const txns = s.cluster.broker(coord).transactions;
    assert.equal(txns.describeTransaction(txnId).transactionState, 'PrepareCommit', 'the marker is not acknowledged while a follower of the ISR lacks it');
    assert.deepEqual(await readCommitted(s, dataLeader, 'ledger'), []);

    s.cluster.broker(coord).replication!.resumeFetchers();
    await eventually('the transaction complete', () => txns.describeTransaction(txnId).transactionState === 'CompleteCommit');
    assert.deepEqual(await readCommitted(s, dataLeader, 'ledger'), ['entry']);
  } finally {
    await s.end();
  }
});
