import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as TransactionLogValue from '../../../src/protocol/generated/internal/transaction-log-value.js';
import { decodeBatchSync } from '../../../src/protocol/records/decode.js';
import { encodeTxnLogBatch, keyToBytes, readTxnRecordKey, readTxnRecordValue, valueToBytes } from '../../../src/coordinator/txn/transaction-log.js';
import { TransactionState, TransactionVersion } from '../../../src/coordinator/txn/transaction-state.js';
import { partitions, seedTransit } from './helpers.js';

test('the key is Kafka\'s: int16 version 0, then the transactional id as an int16-length string', () => {
  assert.deepEqual(keyToBytes('tx'), Buffer.from([0, 0, 0, 2, 0x74, 0x78]));
  assert.equal(readTxnRecordKey(keyToBytes('my-txn')), 'my-txn');
  assert.equal(readTxnRecordKey(Buffer.from([0, 1, 0, 0])), null, 'an unknown key version is skipped, not an error');
  assert.throws(() => readTxnRecordKey(Buffer.from([0])));
});

test('an Empty transaction is written at value version 0 with null partitions, byte for byte', () => {
  const t = seedTransit({ producerId: 5, producerEpoch: 2, txnState: TransactionState.Empty, txnTimeoutMs: 60_000, txnLastUpdateTimestamp: 1000, txnStartTimestamp: -1 });
  const bytes = valueToBytes(t, TransactionVersion.TV0);
  const expected = Buffer.alloc(2 + 8 + 2 + 4 + 1 + 4 + 8 + 8);
  let o = expected.writeInt16BE(0, 0);
  o = expected.writeBigInt64BE(5n, o);
  o = expected.writeInt16BE(2, o);
  o = expected.writeInt32BE(60_000, o);
  o = expected.writeInt8(0, o);
  o = expected.writeInt32BE(-1, o); // null array
  o = expected.writeBigInt64BE(1000n, o);
  expected.writeBigInt64BE(-1n, o);
  assert.deepEqual(bytes, expected);
  const back = readTxnRecordValue('tx', bytes)!;
  assert.equal(back.producerId, 5);
  assert.equal(back.producerEpoch, 2);
  assert.equal(back.state, TransactionState.Empty);
  assert.equal(back.txnStartTimestamp, -1);
  assert.equal(back.clientTransactionVersion, TransactionVersion.TV0);
});

test('transaction.version 1+ writes value version 1 with its tagged fields, and they come back', () => {
  const t = seedTransit({
    producerId: 5, prevProducerId: 4, nextProducerId: 6, producerEpoch: 32767, txnState: TransactionState.PrepareCommit,
    topicPartitions: partitions(['a', 0], ['b', 3], ['a', 2]), txnStartTimestamp: 900, txnLastUpdateTimestamp: 1000, clientTransactionVersion: TransactionVersion.TV2,
  });
  const bytes = valueToBytes(t, TransactionVersion.TV2);
  assert.equal(bytes.readInt16BE(0), 1);
  const v = TransactionLogValue.decode(bytes, 2, 1);
  assert.deepEqual(v.transactionPartitions?.map((p) => [p.topic, p.partitionIds]), [['a', [0, 2]], ['b', [3]]]);
  assert.equal(v.clientTransactionVersion, 2);
  const back = readTxnRecordValue('tx', bytes)!;
  assert.equal(back.state, TransactionState.PrepareCommit);
  assert.equal(back.previousProducerId, 4);
  assert.equal(back.nextProducerId, 6);
  assert.equal(back.producerEpoch, 32767);
  assert.equal(back.lastProducerEpoch, -1, 'not persisted, as in Kafka');
  assert.equal(back.clientTransactionVersion, TransactionVersion.TV2);
  assert.deepEqual([...back.topicPartitions].map((tp) => `${tp.topic}-${tp.partition}`), ['a-0', 'a-2', 'b-3']);
});

test('tombstones, unknown value versions and bad states', () => {
  assert.equal(readTxnRecordValue('tx', null), null);
  const good = valueToBytes(seedTransit({ producerId: 1, producerEpoch: 0, txnState: TransactionState.Empty }), TransactionVersion.TV0);
  const future = Buffer.from(good);
  future.writeInt16BE(2, 0);
  assert.throws(() => readTxnRecordValue('tx', future), /Unknown version 2/);
  const badState = Buffer.from(good);
  badState.writeInt8(9, 2 + 8 + 2 + 4);
  assert.throws(() => readTxnRecordValue('tx', badState), /Unknown transaction state id 9/);
  assert.throws(() => valueToBytes(seedTransit({ producerId: 1, producerEpoch: 0, txnState: TransactionState.Empty, topicPartitions: partitions(['a', 0]) }), TransactionVersion.TV0));
});

test('records go to the log as one uncompressed batch without a producer id', () => {
  const batch = encodeTxnLogBatch([{ key: keyToBytes('a'), value: null }, { key: keyToBytes('b'), value: Buffer.from([0, 0]) }], 1234);
  const decoded = decodeBatchSync(batch);
  assert.equal(decoded.records.length, 2);
  assert.equal(decoded.producerId, -1);
  assert.equal(decoded.records[0]!.value, null);
  assert.equal(readTxnRecordKey(decoded.records[1]!.key!), 'b');
});
