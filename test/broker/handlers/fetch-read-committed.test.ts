import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { ListOffsetsRequest } from '../../../src/protocol/generated/list-offsets-request.js';
import { append, decodeRecords, values } from '../fetch/helpers.js';
import { eventually } from '../../helpers/eventually.js';
import { fetchRequest, onlyPartition } from '../fetch/requests.js';
import { type TestBroker, logOf, makeTopic, startTestBroker } from '../../helpers/test-broker.js';

let tb: TestBroker;

before(async () => {
  tb = await startTestBroker();
});

after(async () => {
  await tb.close();
});

const READ_COMMITTED = 1;

/** A transactional batch of `producerId`, as the leader appends it. */
function txnAppend(topic: string, producerId: number, prefix: string, n: number, sequence: number): void {
  append(tb, topic, 0, values(prefix, n), { producerId, producerEpoch: 0, baseSequence: sequence, transactional: true });
}

/**
 * A marker written through the partition, as the WriteTxnMarkers path does on a single node
 * (transaction version 2: the coordinator bumped the epoch from 0 to 1 at EndTxn).
 */
function marker(topic: string, producerId: number, commit: boolean): void {
  const partition = tb.broker.partitions.get(tb.broker.metadata.topic(topic), 0)!;
  const log = partition.leaderLogOrError(-1);
  if (typeof log === 'number') throw new Error(`no leader log: ${log}`);
  partition.appendTxnMarkerAsLeader(log, { producerId, producerEpoch: 1, commit, coordinatorEpoch: 0, transactionVersion: 2 }, true);
}

function fetch(topic: string, fetchOffset: number, isolationLevel: number, version = 12) {
  return tb.client.request(ApiKey.Fetch, version, fetchRequest([{ topic, partitions: [{ partition: 0, fetchOffset: BigInt(fetchOffset) }] }], { isolationLevel }));
}

test('read_committed stops at the last stable offset; read_uncommitted reads to the high watermark; both carry the LSO', async () => {
  await makeTopic(tb, 'rc1');
  append(tb, 'rc1', 0, values('plain', 2)); // 0-1
  txnAppend('rc1', 10, 'open', 2, 0); // 2-3
  append(tb, 'rc1', 0, values('after', 1)); // 4
  let p = onlyPartition(await fetch('rc1', 0, READ_COMMITTED));
  assert.equal(p.errorCode, ErrorCode.NONE);
  assert.equal(p.highWatermark, 5n);
  assert.equal(p.lastStableOffset, 2n);
  assert.deepEqual(decodeRecords(p.records).map((r) => r.value), ['plain-0', 'plain-1']);
  assert.deepEqual(p.abortedTransactions, []);
  p = onlyPartition(await fetch('rc1', 0, 0));
  assert.equal(p.lastStableOffset, 2n);
  assert.equal(p.abortedTransactions, null);
  assert.deepEqual(decodeRecords(p.records).map((r) => r.value), ['plain-0', 'plain-1', 'open-0', 'open-1', 'after-0']);
  marker('rc1', 10, true);
  p = onlyPartition(await fetch('rc1', 2, READ_COMMITTED, 4));
  assert.equal(p.lastStableOffset, 6n);
  assert.deepEqual(decodeRecords(p.records).map((r) => r.offset), [2, 3, 4, 5]);
});

test('read_committed fetches list the aborted transactions that overlap the returned records', async () => {
  await makeTopic(tb, 'rc2');
  txnAppend('rc2', 20, 'a', 2, 0); // 0-1
  txnAppend('rc2', 21, 'b', 1, 0); // 2
  marker('rc2', 20, false); // 3
  append(tb, 'rc2', 0, values('plain', 1)); // 4
  marker('rc2', 21, true); // 5
  txnAppend('rc2', 22, 'c', 1, 0); // 6
  marker('rc2', 22, false); // 7
  for (const version of [4, 12, 17]) {
    const req =
      version >= 13
        ? fetchRequest([{ topicId: tb.broker.metadata.topic('rc2')!.id, partitions: [{ partition: 0, fetchOffset: 0n }] }], { isolationLevel: READ_COMMITTED })
        : fetchRequest([{ topic: 'rc2', partitions: [{ partition: 0, fetchOffset: 0n }] }], { isolationLevel: READ_COMMITTED });
    const p = onlyPartition(await tb.client.request(ApiKey.Fetch, version, req));
    assert.equal(p.lastStableOffset, 8n);
    assert.deepEqual(
      p.abortedTransactions!.map((t) => [Number(t.producerId), Number(t.firstOffset)]),
      [
        [20, 0],
        [22, 6],
      ],
      `v${version}`,
    );
  }
  const later = onlyPartition(await fetch('rc2', 4, READ_COMMITTED));
  assert.deepEqual(later.abortedTransactions!.map((t) => Number(t.producerId)), [22]);
});

test('a read_committed long poll waits for the LSO, not the high watermark', async () => {
  await makeTopic(tb, 'rc3');
  txnAppend('rc3', 30, 'open', 1, 0); // 0
  const pending = tb.client.request(
    ApiKey.Fetch,
    12,
    fetchRequest([{ topic: 'rc3', partitions: [{ partition: 0, fetchOffset: 0n }] }], { isolationLevel: READ_COMMITTED, maxWaitMs: 60_000, minBytes: 1 }),
  );
  await eventually('the fetch to park', () => tb.broker.fetch.purgatory.size === 1);
  append(tb, 'rc3', 0, values('plain', 1)); // 1: the high watermark moves, the LSO does not
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(tb.broker.fetch.purgatory.size, 1, 'still waiting: nothing below the LSO');
  marker('rc3', 30, false); // 2
  const p = onlyPartition(await pending);
  assert.equal(p.lastStableOffset, 3n);
  assert.deepEqual(decodeRecords(p.records).map((r) => r.offset), [0, 1, 2]);
  assert.deepEqual(p.abortedTransactions!.map((t) => Number(t.producerId)), [30]);
});

test('ListOffsets read_committed: latest is the last stable offset; timestamp lookups stop below it', async () => {
  await makeTopic(tb, 'rc4');
  append(tb, 'rc4', 0, [{ value: Buffer.from('x'), timestamp: 1000 }]); // 0
  append(tb, 'rc4', 0, [{ value: Buffer.from('t'), timestamp: 2000 }], { producerId: 40, producerEpoch: 0, baseSequence: 0, transactional: true }); // 1
  const req = (timestamp: number, isolationLevel: number): ListOffsetsRequest => ({
    replicaId: -1,
    isolationLevel,
    timeoutMs: 0,
    topics: [{ name: 'rc4', partitions: [{ partitionIndex: 0, timestamp: BigInt(timestamp), currentLeaderEpoch: -1 }] }],
  });
  const offset = async (timestamp: number, isolationLevel: number) => {
    const res = await tb.client.request(ApiKey.ListOffsets, 5, req(timestamp, isolationLevel));
    const p = res.topics[0]!.partitions[0]!;
    assert.equal(p.errorCode, ErrorCode.NONE);
    return Number(p.offset);
  };
  assert.equal(await offset(-1, 0), 2);
  assert.equal(await offset(-1, READ_COMMITTED), 1);
  assert.equal(await offset(2000, 0), 1);
  assert.equal(await offset(2000, READ_COMMITTED), -1);
  marker('rc4', 40, true);
  assert.equal(await offset(-1, READ_COMMITTED), 3);
  assert.equal(await offset(2000, READ_COMMITTED), 1);
});

test('a fenced marker leaves the partition unchanged and the transaction open', async () => {
  await makeTopic(tb, 'rc5');
  append(tb, 'rc5', 0, values('t', 1), { producerId: 50, producerEpoch: 3, baseSequence: 0, transactional: true });
  const partition = tb.broker.partitions.get(tb.broker.metadata.topic('rc5'), 0)!;
  const log = logOf(tb, 'rc5');
  assert.throws(
    () => partition.appendTxnMarkerAsLeader(log, { producerId: 50, producerEpoch: 3, commit: true, coordinatorEpoch: 0, transactionVersion: 2 }, true),
    (e) => (e as { errorCode?: number }).errorCode === ErrorCode.INVALID_PRODUCER_EPOCH,
  );
  assert.equal(log.logEndOffset, 1);
  assert.equal(partition.lastStableOffset(log), 0);
  const info = partition.appendTxnMarkerAsLeader(log, { producerId: 50, producerEpoch: 4, commit: true, coordinatorEpoch: 0, transactionVersion: 2 }, true);
  assert.equal(info.firstOffset, 1);
  assert.equal(log.highWatermark, 2);
  assert.equal(partition.lastStableOffset(log), 2);
});
