// Transactions through power cuts: random transactional and plain writes, flushes now and then,
// and power cuts that lose unsynced data and tear the last write. Whatever survives, the
// reopened log's transaction state must be the one its own batches describe: the open
// transactions (hence the last stable offset) and the aborted transactions with the last
// stable offset each had at its marker, as Kafka's LogLoader rebuilds them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatchSync } from '../../src/protocol/records/decode.js';
import { encodeBatchSync } from '../../src/protocol/records/encode.js';
import type { AbortedTxn, PartitionLog } from '../../src/storage/partition-log.js';
import { rng, testEnv } from './helpers.js';
import { NOW } from './txn-helpers.js';

/** The transaction state the log's batches describe, computed by a plain walk. */
function stateFromBatches(log: PartitionLog): { firstUnstable: number; aborted: AbortedTxn[] } {
  const open = new Map<number, number>(); // producer -> first offset, in start order
  const aborted: AbortedTxn[] = [];
  let next = log.logStartOffset;
  while (next < log.logEndOffset) {
    const buf = log.read(next, 1 << 20).records;
    if (buf.length === 0) break;
    let at = 0;
    while (at < buf.length) {
      const b = decodeBatchSync(buf, at, at + buf.readInt32BE(at + 8) + 12);
      if (b.producerId >= 0) {
        if (b.isControl) {
          const first = open.get(b.producerId);
          if (first !== undefined) {
            open.delete(b.producerId);
            if (b.records[0]!.key!.readInt16BE(2) === 0) {
              let lso = b.baseOffset + 1;
              for (const [pid, f] of open) if (pid !== b.producerId) { lso = f; break; }
              aborted.push({ producerId: b.producerId, firstOffset: first, lastOffset: b.baseOffset, lastStableOffset: lso });
            }
          }
        } else if (b.isTransactional && !open.has(b.producerId)) {
          open.set(b.producerId, b.baseOffset);
        }
      }
      next = b.baseOffset + b.lastOffsetDelta + 1;
      at += b.sizeInBytes;
    }
  }
  return { firstUnstable: open.size === 0 ? -1 : Math.min(...open.values()), aborted };
}

for (const seed of [21, 22, 23, 24]) {
  test(`transactions through power cuts, seed ${seed}`, async () => {
    const random = rng(seed);
    const pick = (n: number) => Math.floor(random() * n);
    const env = testEnv({ 'segment.bytes': 500 + pick(500) });
    let log = env.open();
    // The partition's producer state decides epochs and sequences after a cut: read them back.
    const next = (id: number) => {
      const e = [...log.activeProducers()].find((p) => p.producerId === id);
      return e === undefined ? { epoch: 0, sequence: 0, open: false } : { epoch: e.producerEpoch, sequence: e.lastSequence + 1, open: e.currentTxnFirstOffset >= 0 };
    };
    let cuts = 0;
    for (let step = 0; step < 150; step++) {
      const r = random();
      const id = 1 + pick(3);
      const p = next(id);
      if (r < 0.45) {
        const count = 1 + pick(3);
        const values = Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`${step}-${i}`), timestamp: NOW }));
        log.appendAsLeader(encodeBatchSync(values, { producerId: id, producerEpoch: p.epoch, baseSequence: p.sequence, transactional: true }), 0);
      } else if (r < 0.6) {
        log.append(encodeBatchSync([{ value: Buffer.from(`plain-${step}`), timestamp: NOW }]), { leaderEpoch: 0 });
      } else if (r < 0.8) {
        log.appendTxnMarker({ producerId: id, producerEpoch: p.epoch + 1, commit: random() < 0.5, coordinatorEpoch: 0, transactionVersion: 2 }, 0);
      } else if (r < 0.88) {
        await log.flush();
      } else if (r < 0.93) {
        log.roll();
      } else {
        env.fs.crash('power', { torn: random() < 0.5 });
        cuts++;
        log = env.open({ hadCleanShutdown: false, recoveryPoint: 0 });
      }
      log.maybeIncrementHighWatermark(log.logEndOffset);
      const expected = stateFromBatches(log);
      assert.equal(log.firstUnstableOffset, expected.firstUnstable, `first unstable offset after step ${step}`);
      assert.equal(log.lastStableOffset, expected.firstUnstable < 0 ? log.logEndOffset : expected.firstUnstable);
      assert.deepEqual(log.collectAbortedTransactions(0, log.logEndOffset), expected.aborted, `aborted transactions after step ${step}`);
    }
    assert.ok(cuts > 0, 'at least one power cut');
    await log.close();
  });
}
