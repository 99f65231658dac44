import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBatchSync } from '../../src/protocol/records/encode.js';
import { decodeBatchSync } from '../../src/protocol/records/decode.js';
import { makeTopic, startTestBroker, logOf } from '../helpers/test-broker.js';

test('appendTxnMarkerAsLeader stamps the leader epoch, ends the transaction and, as the whole ISR, moves the high watermark', async () => {
  const tb = await startTestBroker({ rewriteTopic: (t) => ({ ...t, partitions: t.partitions.map((p) => ({ ...p, leaderEpoch: 5 })) }) });
  try {
    await makeTopic(tb, 'm');
    const partition = tb.broker.partitions.get(tb.broker.metadata.topic('m'), 0)!;
    const log = logOf(tb, 'm');
    const batch = encodeBatchSync([{ value: Buffer.from('t') }], { producerId: 9, producerEpoch: 0, baseSequence: 0, transactional: true });
    partition.appendRecordsToLeader(log, batch, true);
    assert.equal(partition.lastStableOffset(log), 0);

    // Not the whole ISR: the marker is written, the high watermark waits (and so does the LSO).
    const info = partition.appendTxnMarkerAsLeader(log, { producerId: 9, producerEpoch: 1, commit: true, coordinatorEpoch: 2, transactionVersion: 2 }, false);
    assert.equal(info.firstOffset, 1);
    assert.equal(log.highWatermark, 1);
    assert.equal(partition.lastStableOffset(log), 0);
    const stored = log.read(1, 1 << 20).records;
    const marker = decodeBatchSync(stored, 0, stored.length);
    assert.equal(marker.isControl, true);
    assert.equal(marker.partitionLeaderEpoch, 5);
    log.maybeIncrementHighWatermark(2);
    assert.equal(partition.lastStableOffset(log), 2);

    const batch2 = encodeBatchSync([{ value: Buffer.from('u') }], { producerId: 9, producerEpoch: 1, baseSequence: 0, transactional: true });
    partition.appendRecordsToLeader(log, batch2, true);
    partition.appendTxnMarkerAsLeader(log, { producerId: 9, producerEpoch: 2, commit: false, coordinatorEpoch: 2, transactionVersion: 2 }, true);
    assert.equal(log.highWatermark, 4);
    assert.equal(partition.lastStableOffset(log), 4);
    assert.deepEqual(log.collectAbortedTransactions(0, 4).map((t) => [t.producerId, t.firstOffset, t.lastOffset]), [[9, 2, 3]]);
  } finally {
    await tb.close();
  }
});
