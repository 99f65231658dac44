// KIP-890 verification when the transactional id's coordinator (the leader of its partition of
// __transaction_state) is not the leader of the partitions written: three brokers in one
// process, the requests made through the wire. The partition leader asks the coordinator's
// broker with AddPartitionsToTxn v4+ (verifyOnly for Produce v11 and TxnOffsetCommit v3-4, an
// add for transaction version 2's Produce v12 and TxnOffsetCommit v5), and appends with the
// verification guard it took, which a marker landing meanwhile spends (INVALID_TXN_STATE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type EmbeddedCluster } from '../../src/start-cluster.js';
import { ManualClock } from '../../src/cluster/kv/clock.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import * as FetchRequest from '../../src/protocol/generated/fetch-request.js';
import type { AddPartitionsToTxnRequest } from '../../src/protocol/generated/add-partitions-to-txn-request.js';
import type { AddPartitionsToTxnResponse } from '../../src/protocol/generated/add-partitions-to-txn-response.js';
import { decodeBatchSync } from '../../src/protocol/records/decode.js';
import { eventually } from '../helpers/eventually.js';
import { WireClient } from '../helpers/wire-client.js';
import { addPartitions, endTxn, fetchOffset, initTxn, produceTxn, txnBatch, txnOffsetCommit, type ProducerIdAndEpoch } from '../broker/txn/helpers.js';

const TOPIC = 'pay';
const PARTITIONS = 3;
const GROUP_KEY = 0;
const TRANSACTION_KEY = 1;

interface Setup {
  cluster: EmbeddedCluster;
  clients: Map<number, WireClient>;
  end(): Promise<void>;
}

async function setup(): Promise<Setup> {
  const cluster = await startCluster({
    brokers: 3,
    clock: new ManualClock(Date.now()),
    config: {
      'replica.fetch.wait.max.ms': 50,
      'replica.fetch.backoff.ms': 20,
      'offsets.topic.num.partitions': PARTITIONS,
      'transaction.state.log.num.partitions': PARTITIONS,
      // transaction version 2 right after EndTxn: the leaders wait for the markers themselves
      'add.partitions.to.txn.retry.backoff.max.ms': 30_000,
      'add.partitions.to.txn.retry.backoff.ms': 5,
    },
    logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent',
  });
  const s: Setup = {
    cluster,
    clients: new Map(),
    async end() {
      for (const c of s.clients.values()) c.close();
      await cluster.close();
    },
  };
  const first = [...cluster.brokers.keys()][0]!;
  await cluster.store(first).createTopic(TOPIC, PARTITIONS, 3, {});
  await eventually(`${TOPIC} has leaders everywhere`, () => [1, 2, 3].every((id) => leaderOf(s, TOPIC, 0, id) >= 0 && leaderOf(s, TOPIC, PARTITIONS - 1, id) >= 0));
  return s;
}

function leaderOf(s: Setup, topic: string, partition: number, askId = [...s.cluster.brokers.keys()][0]!): number {
  return s.cluster.store(askId).topic(topic)?.partitions[partition]?.leader ?? -1;
}

async function client(s: Setup, nodeId: number): Promise<WireClient> {
  let c = s.clients.get(nodeId);
  if (c === undefined) {
    c = await WireClient.connect(s.cluster.broker(nodeId).bootstrapServers, { apiVersions: true });
    s.clients.set(nodeId, c);
  }
  return c;
}

/** The coordinator of `key` once every broker names the same one (creating the internal topic on first use). */
function coordinator(s: Setup, keyType: number, key: string): Promise<number> {
  return eventually(`the coordinator of ${key}`, async () => {
    let found = -1;
    for (const id of s.cluster.brokers.keys()) {
      const r = await (await client(s, id)).request(ApiKey.FindCoordinator, 3, { key, keyType });
      if (r.errorCode !== ErrorCode.NONE || (found !== -1 && r.nodeId !== found)) return false;
      found = r.nodeId;
    }
    return found;
  });
}

/** A transactional id whose coordinator does not lead every partition of TOPIC: the id, its coordinator and the partitions it does not lead. */
async function remoteTxn(s: Setup, prefix: string): Promise<{ txnId: string; coord: number; partitions: number[] }> {
  for (let i = 0; ; i++) {
    const txnId = `${prefix}-${i}`;
    const coord = await coordinator(s, TRANSACTION_KEY, txnId);
    const partitions = [...Array(PARTITIONS).keys()].filter((p) => leaderOf(s, TOPIC, p) !== coord);
    if (partitions.length > 0) return { txnId, coord, partitions };
  }
}

/** InitProducerId at the coordinator, retried while it loads. */
async function init(s: Setup, coord: number, txnId: string, version: number): Promise<ProducerIdAndEpoch> {
  const c = await client(s, coord);
  await eventually(`InitProducerId for ${txnId}`, async () => {
    const r = await c.request(ApiKey.InitProducerId, version, { transactionalId: txnId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    return r.errorCode === ErrorCode.NONE;
  });
  // The first one above may have been answered; ask once more for the epoch this test works with.
  return initTxn(c, txnId, version);
}

async function awaitComplete(s: Setup, coord: number, txnId: string, state: 'CompleteCommit' | 'CompleteAbort'): Promise<void> {
  await eventually(`${txnId} ${state}`, () => s.cluster.broker(coord).transactions.describeTransaction(txnId).transactionState === state);
}

/** read_committed values of `partition` of TOPIC, from its leader, up to the last stable offset. */
async function readCommitted(s: Setup, partition: number): Promise<string[]> {
  const leader = leaderOf(s, TOPIC, partition);
  const r = await (await client(s, leader)).request(ApiKey.Fetch, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1,
    topics: [{ ...FetchRequest.defaultFetchTopic(), topic: TOPIC, partitions: [{ ...FetchRequest.defaultFetchPartition(), partition, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
  });
  const p = r.responses[0]!.partitions[0]!;
  assert.equal(p.errorCode, ErrorCode.NONE);
  const records = p.records ?? Buffer.alloc(0);
  // As a consumer reads: a producer's batches are dropped from an aborted transaction's first
  // offset up to its marker.
  const aborted = [...(p.abortedTransactions ?? [])].sort((a, b) => Number(a.firstOffset - b.firstOffset));
  const dropping = new Set<number>();
  const out: string[] = [];
  for (let at = 0; at < records.length; ) {
    const batch = decodeBatchSync(records, at);
    at += batch.sizeInBytes;
    while (aborted.length > 0 && aborted[0]!.firstOffset <= BigInt(batch.baseOffset + batch.lastOffsetDelta)) dropping.add(Number(aborted.shift()!.producerId));
    if (batch.isControl) {
      dropping.delete(batch.producerId);
      continue;
    }
    if (dropping.has(batch.producerId)) continue;
    for (const rec of batch.records) out.push(Buffer.from(rec.value!).toString());
  }
  return out;
}

for (const version of [11, 12]) {
  const tv2 = version === 12;
  test(`Produce v${version} (${tv2 ? 'transaction version 2, the leader adds the partition' : 'verifyOnly'}) to leaders other than the coordinator: commit, abort, commit; read_committed sees exactly the committed data`, async () => {
    const s = await setup();
    try {
      const { txnId, coord, partitions } = await remoteTxn(s, `tx-v${version}`);
      let p = await init(s, coord, txnId, tv2 ? 5 : 4);
      const cc = await client(s, coord);
      let sequence = 0;
      const plan: Array<[string, boolean]> = [['c1', true], ['a1', false], ['c2', true]];
      for (const [value, commit] of plan) {
        if (!tv2) assert.deepEqual(await addPartitions(cc, txnId, p, TOPIC, partitions), partitions.map((x) => `${TOPIC}-${x}:0`));
        for (const partition of partitions) {
          const r = await produceTxn(await client(s, leaderOf(s, TOPIC, partition)), txnId, TOPIC, partition, txnBatch(p, sequence, [value]), version);
          assert.equal(r.errorCode, ErrorCode.NONE, `${value} to ${TOPIC}-${partition} (leader ${leaderOf(s, TOPIC, partition)}, coordinator ${coord}): ${r.errorMessage}`);
        }
        const ended = await endTxn(cc, txnId, p, commit, tv2 ? 5 : 3);
        assert.equal(ended.errorCode, ErrorCode.NONE);
        if (tv2) {
          // EndTxn v5 bumps the epoch; sequences start again. The next produce may reach the
          // leader while the markers are on their way: its broker waits for them.
          p = { producerId: p.producerId, producerEpoch: ended.producerEpoch };
          sequence = 0;
        } else {
          sequence++;
          await awaitComplete(s, coord, txnId, commit ? 'CompleteCommit' : 'CompleteAbort');
        }
      }
      await awaitComplete(s, coord, txnId, 'CompleteCommit');
      for (const partition of partitions) {
        assert.deepEqual(await eventually(`${TOPIC}-${partition} stable`, async () => {
          const values = await readCommitted(s, partition);
          return values.length === 2 ? values : null;
        }), ['c1', 'c2']);
      }
    } finally {
      await s.end();
    }
  });
}

test('a transactional batch before its partition joined the transaction is refused by a leader other than the coordinator: TRANSACTION_ABORTABLE (v11), INVALID_TXN_STATE (v9); nothing written', async () => {
  const s = await setup();
  try {
    const { txnId, coord, partitions } = await remoteTxn(s, 'early');
    const p = await init(s, coord, txnId, 4);
    const partition = partitions[0]!;
    const leader = leaderOf(s, TOPIC, partition);
    const log = s.cluster.broker(leader).logs.getLog(TOPIC, partition)!;
    const end = log.logEndOffset;
    const c = await client(s, leader);
    const v11 = await produceTxn(c, txnId, TOPIC, partition, txnBatch(p, 0, ['x']), 11);
    assert.equal(v11.errorCode, ErrorCode.TRANSACTION_ABORTABLE);
    const v9 = await produceTxn(c, txnId, TOPIC, partition, txnBatch(p, 0, ['x']), 9);
    assert.deepEqual([v9.errorCode, v9.errorMessage], [ErrorCode.INVALID_TXN_STATE, 'Partition was not added to the transaction']);
    assert.equal(log.logEndOffset, end);
    assert.equal(log.hasOngoingTransaction(p.producerId, p.producerEpoch), false);
    // once added, the same batch goes in
    assert.deepEqual(await addPartitions(await client(s, coord), txnId, p, TOPIC, [partition]), [`${TOPIC}-${partition}:0`]);
    assert.equal((await produceTxn(c, txnId, TOPIC, partition, txnBatch(p, 0, ['x']), 11)).errorCode, ErrorCode.NONE);
  } finally {
    await s.end();
  }
});

/**
 * Holds the coordinator's answers to `leader`'s AddPartitionsToTxn: each is received, then
 * delivered only after `release()`. `answered` resolves when the first answer came.
 */
function holdAnswers(s: Setup, leader: number) {
  const transport = (s.cluster.broker(leader) as unknown as { txnVerificationTransport: { addPartitionsToTxn: (id: number, r: AddPartitionsToTxnRequest) => Promise<AddPartitionsToTxnResponse | null> } }).txnVerificationTransport;
  const send = transport.addPartitionsToTxn.bind(transport);
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let answered!: (r: AddPartitionsToTxnResponse | null) => void;
  const first = new Promise<AddPartitionsToTxnResponse | null>((r) => (answered = r));
  transport.addPartitionsToTxn = async (id, request) => {
    const response = await send(id, request);
    answered(response);
    await released;
    return response;
  };
  return { answered: first, release };
}

for (const version of [11, 12]) {
  test(`Produce v${version}: a marker written between the coordinator's answer and the append leaves nothing in the wrong transaction (INVALID_TXN_STATE)`, async () => {
    const s = await setup();
    try {
      const tv2 = version === 12;
      const { txnId, coord, partitions } = await remoteTxn(s, `race-v${version}`);
      const p = await init(s, coord, txnId, tv2 ? 5 : 4);
      const cc = await client(s, coord);
      const partition = partitions[0]!;
      const leader = leaderOf(s, TOPIC, partition);
      if (!tv2) assert.deepEqual(await addPartitions(cc, txnId, p, TOPIC, [partition]), [`${TOPIC}-${partition}:0`]);
      const held = holdAnswers(s, leader);
      const producing = produceTxn(await client(s, leader), txnId, TOPIC, partition, txnBatch(p, 0, ['late']), version);
      const answer = await held.answered;
      assert.equal(answer?.resultsByTransaction[0]?.topicResults[0]?.resultsByPartition[0]?.partitionErrorCode, ErrorCode.NONE, 'the coordinator said the partition is in the transaction');
      // The transaction is aborted meanwhile: its marker lands on the partition before the batch.
      assert.equal((await endTxn(cc, txnId, p, false, tv2 ? 5 : 3)).errorCode, ErrorCode.NONE);
      await awaitComplete(s, coord, txnId, 'CompleteAbort');
      const log = s.cluster.broker(leader).logs.getLog(TOPIC, partition)!;
      const end = log.logEndOffset;
      held.release();
      assert.equal((await producing).errorCode, ErrorCode.INVALID_TXN_STATE);
      assert.equal(log.logEndOffset, end, 'nothing appended after the marker');
      assert.equal(log.hasOngoingTransaction(p.producerId, p.producerEpoch), false, 'no transaction left open (it would hang the last stable offset)');
      assert.equal(log.lastStableOffset, log.highWatermark);
      assert.deepEqual(await readCommitted(s, partition), []);
    } finally {
      await s.end();
    }
  });
}

test('TxnOffsetCommit with the group coordinator and the transaction coordinator on different brokers: v3 verified, v5 added (transaction version 2), v4 before AddOffsetsToTxn refused', async () => {
  const s = await setup();
  try {
    for (const [version, tv2] of [[3, false], [5, true], [4, false]] as const) {
      let txnId = '';
      let group = '';
      let coord = -1;
      let groupCoord = -1;
      for (let i = 0; coord === groupCoord; i++) {
        txnId = `offsets-v${version}-${i}`;
        group = `group-v${version}-${i}`;
        coord = await coordinator(s, TRANSACTION_KEY, txnId);
        groupCoord = await coordinator(s, GROUP_KEY, group);
      }
      const p = await init(s, coord, txnId, tv2 ? 5 : 4);
      const cc = await client(s, coord);
      const gc = await client(s, groupCoord);
      if (version === 4) {
        // never added: the coordinator says the group's partition is not in the transaction
        assert.equal(await txnOffsetCommit(gc, txnId, group, p, TOPIC, 0, 7n, 4), ErrorCode.TRANSACTION_ABORTABLE);
        continue;
      }
      if (!tv2) {
        const added = await cc.request(ApiKey.AddOffsetsToTxn, 3, { transactionalId: txnId, producerId: BigInt(p.producerId), producerEpoch: p.producerEpoch, groupId: group });
        assert.equal(added.errorCode, ErrorCode.NONE);
      }
      assert.equal(await txnOffsetCommit(gc, txnId, group, p, TOPIC, 0, 42n, version), ErrorCode.NONE);
      assert.equal((await endTxn(cc, txnId, p, true, tv2 ? 5 : 3)).errorCode, ErrorCode.NONE);
      await awaitComplete(s, coord, txnId, 'CompleteCommit');
      const [error, offset] = await eventually('the committed offset', async () => {
        const r = await fetchOffset(gc, group, TOPIC, 0, true);
        return r[0] === ErrorCode.NONE && r[1] >= 0n ? r : null;
      });
      assert.deepEqual([error, offset], [ErrorCode.NONE, 42n]);
    }
  } finally {
    await s.end();
  }
});

test('Produce v12: pipelined requests of a producer waiting for a remote coordinator append in the order sent', async () => {
  const s = await setup();
  try {
    const { txnId, coord, partitions } = await remoteTxn(s, 'pipelined');
    const p = await init(s, coord, txnId, 5);
    const partition = partitions[0]!;
    const leader = leaderOf(s, TOPIC, partition);
    const held = holdAnswers(s, leader);
    const c = await client(s, leader);
    // sequences 0-1 and 2-3 back to back on one connection, the first still being added
    const a = produceTxn(c, txnId, TOPIC, partition, txnBatch(p, 0, ['a0', 'a1']), 12);
    const b = produceTxn(c, txnId, TOPIC, partition, txnBatch(p, 2, ['b0', 'b1']), 12);
    await held.answered;
    held.release();
    assert.deepEqual([(await a).errorCode, (await b).errorCode], [ErrorCode.NONE, ErrorCode.NONE]);
    assert.ok((await a).baseOffset < (await b).baseOffset, 'the first request\'s batch first');
    assert.equal((await endTxn(await client(s, coord), txnId, p, true, 5)).errorCode, ErrorCode.NONE);
    assert.deepEqual(await eventually('the committed records', async () => {
      const values = await readCommitted(s, partition);
      return values.length === 4 ? values : null;
    }), ['a0', 'a1', 'b0', 'b1']);
  } finally {
    await s.end();
  }
});

test('TxnOffsetCommit v3: an abort marker written between the remote coordinator\'s answer and the group coordinator\'s write leaves no offset behind (INVALID_TXN_STATE)', async () => {
  const s = await setup();
  try {
    let txnId = '';
    let group = '';
    let coord = -1;
    let groupCoord = -1;
    for (let i = 0; coord === groupCoord; i++) {
      txnId = `offsets-race-${i}`;
      group = `group-race-${i}`;
      coord = await coordinator(s, TRANSACTION_KEY, txnId);
      groupCoord = await coordinator(s, GROUP_KEY, group);
    }
    const p = await init(s, coord, txnId, 4);
    const cc = await client(s, coord);
    const gc = await client(s, groupCoord);
    const added = await cc.request(ApiKey.AddOffsetsToTxn, 3, { transactionalId: txnId, producerId: BigInt(p.producerId), producerEpoch: p.producerEpoch, groupId: group });
    assert.equal(added.errorCode, ErrorCode.NONE);
    const held = holdAnswers(s, groupCoord);
    const committing = txnOffsetCommit(gc, txnId, group, p, TOPIC, 0, 42n, 3);
    const answer = await held.answered;
    assert.equal(answer?.resultsByTransaction[0]?.topicResults[0]?.resultsByPartition[0]?.partitionErrorCode, ErrorCode.NONE);
    assert.equal((await endTxn(cc, txnId, p, false, 3)).errorCode, ErrorCode.NONE);
    await awaitComplete(s, coord, txnId, 'CompleteAbort');
    held.release();
    assert.equal(await committing, ErrorCode.INVALID_TXN_STATE);
    const [error, offset] = await fetchOffset(gc, group, TOPIC, 0, true);
    assert.deepEqual([error, offset], [ErrorCode.NONE, -1n], 'no offset committed, none pending');
  } finally {
    await s.end();
  }
});
