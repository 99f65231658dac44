import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from './helpers.js';
import { endTxn, plainBatch, produce, producerBatch } from './txn-helpers.js';
import { decodeAbortedTxns, encodeAbortedTxn, ABORTED_TXN_SIZE } from '../../src/storage/transaction-index.js';
import { readProducerSnapshotFile } from '../../src/storage/producer-state.js';

const DIR = '/data/topic-0';
const txnIndexFile = (base: number) => `${DIR}/${String(base).padStart(20, '0')}.txnindex`;

test('an entry is 34 bytes: version int16 0, producerId, firstOffset, lastOffset, lastStableOffset (int64 each)', () => {
  const buf = encodeAbortedTxn({ producerId: 0x0102030405, firstOffset: 7, lastOffset: 9, lastStableOffset: 10 });
  assert.equal(buf.length, ABORTED_TXN_SIZE);
  assert.equal(buf.toString('hex'), '0000' + '0000000102030405' + '0000000000000007' + '0000000000000009' + '000000000000000a');
  assert.deepEqual(decodeAbortedTxns(Buffer.concat([buf, Buffer.alloc(5)]), 'x'), [{ producerId: 0x0102030405, firstOffset: 7, lastOffset: 9, lastStableOffset: 10 }]);
  const bad = Buffer.from(buf);
  bad.writeInt16BE(1, 0);
  assert.throws(() => decodeAbortedTxns(bad, 'x'), /Unexpected aborted transaction version 1/);
});

test('aborts are indexed in the segment of their marker, with the LSO at completion; commits are not', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(1, 0, 2, 'a')); // 0-1
  produce(log, producerBatch(2, 0, 1, 'b')); // 2
  endTxn(log, 1, 0, false); // 3: producer 2 still open from 2
  endTxn(log, 2, 0, true); // 4
  produce(log, producerBatch(3, 0, 1, 'c')); // 5
  endTxn(log, 3, 0, false); // 6: nothing else open
  assert.deepEqual(log.activeSegment.txnIndex.all(), [
    { producerId: 1, firstOffset: 0, lastOffset: 3, lastStableOffset: 2 },
    { producerId: 3, firstOffset: 5, lastOffset: 6, lastStableOffset: 7 },
  ]);
  const file = env.fs.contents(txnIndexFile(0));
  assert.equal(file.length, 2 * ABORTED_TXN_SIZE);
  assert.deepEqual(decodeAbortedTxns(file, 'f'), log.activeSegment.txnIndex.all());
});

test('a segment without aborts has no .txnindex file', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(1, 0, 2, 'a'));
  endTxn(log, 1, 0, true);
  assert.equal(env.fs.statSync(txnIndexFile(0)), null);
});

test('collectAbortedTransactions spans segments: a transaction started in one segment and aborted in a later one is found from either', () => {
  const env = testEnv({ 'segment.bytes': 400 });
  const log = env.open();
  produce(log, producerBatch(1, 0, 2, 'long')); // 0-1
  let seq = 2;
  while (log.numberOfSegments < 3) produce(log, producerBatch(1, 0, 1, 'more', { sequence: seq++ }));
  const abortAt = endTxn(log, 1, 0, false).firstOffset;
  const markerSegment = log.segments.floor(abortAt)!;
  assert.ok(markerSegment.baseOffset > 0);
  assert.deepEqual(log.collectAbortedTransactions(0, 2), [{ producerId: 1, firstOffset: 0, lastOffset: abortAt, lastStableOffset: abortAt + 1 }]);
  assert.deepEqual(log.collectAbortedTransactions(abortAt, abortAt + 1).length, 1);
  assert.deepEqual(log.collectAbortedTransactions(abortAt + 1, abortAt + 2), []);
});

test('truncation drops the entries of markers it removes', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(1, 0, 1, 'a')); // 0
  endTxn(log, 1, 0, false); // 1
  produce(log, producerBatch(1, 0, 1, 'b', { sequence: 1 })); // 2
  endTxn(log, 1, 0, false); // 3
  assert.equal(log.activeSegment.txnIndex.all().length, 2);
  log.truncateTo(3);
  assert.deepEqual(log.activeSegment.txnIndex.all().map((t) => t.lastOffset), [1]);
  assert.equal(env.fs.contents(txnIndexFile(0)).length, ABORTED_TXN_SIZE);
  assert.equal(log.lastStableOffset, 2, 'the second transaction is open again');
});

test('retention deletes a segment with its .txnindex (renamed .deleted, then removed)', async () => {
  const env = testEnv({ 'segment.bytes': 300, 'file.delete.delay.ms': 0, 'retention.bytes': 1 });
  const log = env.open();
  produce(log, producerBatch(1, 0, 1, 'a'));
  endTxn(log, 1, 0, false);
  while (log.numberOfSegments < 3) produce(log, plainBatch(2));
  assert.notEqual(env.fs.statSync(txnIndexFile(0)), null);
  log.deleteOldSegments();
  assert.equal(env.fs.statSync(txnIndexFile(0)), null);
  log.deleter.runAll();
  assert.deepEqual(env.fs.readdirSync(DIR).filter((n) => n.includes('txnindex')), []);
});

test('a crash loses no abort: recovery rebuilds .txnindex of unflushed segments, even deleted ones', () => {
  const env = testEnv({ 'segment.bytes': 500 });
  const log = env.open();
  produce(log, producerBatch(1, 0, 1, 'a')); // 0: txn of 1 spans segments
  produce(log, producerBatch(2, 0, 1, 'b')); // 1
  endTxn(log, 2, 0, false);
  let seq = 1;
  while (log.numberOfSegments < 3) produce(log, producerBatch(1, 0, 1, 'more', { sequence: seq++ }));
  endTxn(log, 1, 0, false);
  produce(log, producerBatch(3, 0, 1, 'c'));
  const expected = log.segments.values().map((s) => [s.baseOffset, s.txnIndex.all()] as const);
  assert.equal(expected.filter(([, e]) => e.length > 0).length, 2);
  env.fs.crash('process');
  for (const n of env.fs.readdirSync(DIR)) if (n.endsWith('.txnindex')) env.fs.unlinkSync(`${DIR}/${n}`);
  const again = env.open({ hadCleanShutdown: false, recoveryPoint: 0 });
  assert.deepEqual(
    again.segments.values().map((s) => [s.baseOffset, s.txnIndex.all()] as const),
    expected,
  );
  for (const [base, entries] of expected) if (entries.length > 0) assert.equal(env.fs.contents(txnIndexFile(base)).length, entries.length * ABORTED_TXN_SIZE);
  // The open transaction of producer 3 survives: the LSO stops at it.
  again.maybeIncrementHighWatermark(again.logEndOffset);
  assert.equal(again.lastStableOffset, again.logEndOffset - 1);
});

test('a segment whose offset index is missing gets its .txnindex rebuilt too (Kafka recovers such a segment)', async () => {
  const env = testEnv({ 'segment.bytes': 400 });
  const log = env.open();
  produce(log, producerBatch(1, 0, 1, 'a'));
  while (log.numberOfSegments < 2) produce(log, plainBatch(2));
  const abortAt = endTxn(log, 1, 0, false).firstOffset;
  while (log.numberOfSegments < 3) produce(log, plainBatch(2));
  // The transaction began in the first segment; its marker is in a later one.
  const withAbort = log.segments.floor(abortAt)!.baseOffset;
  assert.ok(withAbort > 0);
  const entries = log.segments.get(withAbort)!.txnIndex.all();
  assert.equal(entries.length, 1);
  await log.close();
  const prefix = `${DIR}/${String(withAbort).padStart(20, '0')}`;
  env.fs.unlinkSync(`${prefix}.index`);
  env.fs.unlinkSync(`${prefix}.txnindex`);
  const again = env.open({ hadCleanShutdown: true, recoveryPoint: log.logEndOffset });
  assert.deepEqual(again.segments.get(withAbort)!.txnIndex.all(), entries);
  assert.ok(env.logger.matching('error', /could not find the index files/).length > 0);
});

test('a corrupt .txnindex is rebuilt at load', async () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(1, 0, 2, 'a'));
  endTxn(log, 1, 0, false);
  const entries = log.activeSegment.txnIndex.all().slice();
  await log.close();
  env.fs.overwrite(txnIndexFile(0), 0, Buffer.from([0, 9]));
  const again = env.open({ hadCleanShutdown: true, recoveryPoint: 3 });
  assert.deepEqual(again.activeSegment.txnIndex.all(), entries);
  assert.ok(env.logger.matching('warn', /corrupted index file/).length > 0);
});

test('an open transaction survives a clean restart: the snapshot keeps its first offset', async () => {
  const env = testEnv();
  const log = env.open();
  produce(log, plainBatch(2)); // 0-1
  produce(log, producerBatch(5, 2, 2, 'open')); // 2-3
  produce(log, plainBatch(1)); // 4
  await log.close();
  const snapshot = readProducerSnapshotFile(env.fs, `${DIR}/${String(5).padStart(20, '0')}.snapshot`);
  assert.equal(snapshot.find((e) => e.producerId === 5)!.currentTxnFirstOffset, 2);
  const again = env.open({ hadCleanShutdown: true, recoveryPoint: 5, highWatermark: 5 });
  assert.equal(again.lastStableOffset, 2);
  endTxn(again, 5, 2, false);
  assert.equal(again.lastStableOffset, 6);
  assert.deepEqual(again.collectAbortedTransactions(0, 6), [{ producerId: 5, firstOffset: 2, lastOffset: 5, lastStableOffset: 6 }]);
});

test('an open transaction survives a crash: replay from the last snapshot reopens it', () => {
  const env = testEnv({ 'segment.bytes': 400 });
  const log = env.open();
  produce(log, producerBatch(5, 0, 1, 'open')); // 0
  while (log.numberOfSegments < 3) produce(log, plainBatch(2));
  produce(log, producerBatch(6, 0, 1, 'late'));
  endTxn(log, 6, 0, true);
  env.fs.crash('process');
  const again = env.open({ hadCleanShutdown: false, recoveryPoint: 0, highWatermark: log.logEndOffset });
  assert.equal(again.lastStableOffset, 0);
  endTxn(again, 5, 0, true);
  assert.equal(again.lastStableOffset, again.logEndOffset);
});
