// Transactions against a model: random interleavings of transactional producers (commits and
// aborts with transaction version 2 epoch bumps), plain writes, segment rolls, clean restarts
// and crashes. After every step the log's last stable offset, its aborted-transaction index
// and what a read_committed reader gets (reads to the LSO, skipping aborted batches as Kafka's
// consumers do) must match the model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatchSync } from '../../src/protocol/records/decode.js';
import { encodeBatchSync } from '../../src/protocol/records/encode.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { rng, testEnv } from './helpers.js';
import { NOW } from './txn-helpers.js';

interface ModelTxn {
  producerId: number;
  firstOffset: number;
  values: string[];
  /** Marker offset, -1 while open. */
  markerOffset: number;
  aborted: boolean;
}

interface ModelProducer {
  id: number;
  epoch: number;
  sequence: number;
  open: ModelTxn | null;
}

/** What a read_committed consumer sees: reads to the LSO, dropping batches of aborted transactions. */
function readCommitted(log: PartitionLog): string[] {
  const values: string[] = [];
  let next = log.logStartOffset;
  const lso = log.lastStableOffset;
  while (next < lso) {
    const { records: buf, abortedTransactions } = log.read(next, 1 << 20, { isolation: 'txnCommitted' });
    if (buf.length === 0) break;
    let at = 0;
    while (at < buf.length) {
      const b = decodeBatchSync(buf, at, at + buf.readInt32BE(at + 8) + 12);
      const aborted = abortedTransactions!.some((t) => t.producerId === b.producerId && t.firstOffset <= b.baseOffset && b.baseOffset < t.lastOffset);
      if (!b.isControl && !aborted) for (const r of b.records) values.push(r.value!.toString());
      next = b.baseOffset + b.lastOffsetDelta + 1;
      at += b.sizeInBytes;
    }
  }
  return values;
}

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`transactions model, seed ${seed}`, async () => {
    const random = rng(seed);
    const pick = (n: number) => Math.floor(random() * n);
    const env = testEnv({ 'segment.bytes': 600 + pick(600) });
    let log = env.open();
    const producers: ModelProducer[] = [1, 2, 3, 4].map((id) => ({ id, epoch: 0, sequence: 0, open: null }));
    const plain: { offset: number; value: string }[] = [];
    const txns: ModelTxn[] = [];
    let n = 0;

    const check = (step: number) => {
      const open = producers.filter((p) => p.open !== null).map((p) => p.open!.firstOffset);
      const lso = open.length > 0 ? Math.min(...open) : log.logEndOffset;
      assert.equal(log.lastStableOffset, lso, `LSO after step ${step}`);
      const visible = [
        ...plain.filter((p) => p.offset < lso).map((p) => ({ offset: p.offset, values: [p.value] })),
        ...txns.filter((t) => t.markerOffset >= 0 && !t.aborted).map((t) => ({ offset: t.firstOffset, values: t.values })),
      ];
      // Committed transactions' records in offset order: each value carries its offset.
      const expected = visible
        .flatMap((v) => v.values)
        .map((v) => ({ v, offset: Number(v.split('@')[1]) }))
        .filter((x) => x.offset < lso)
        .sort((a, b) => a.offset - b.offset)
        .map((x) => x.v);
      assert.deepEqual(readCommitted(log), expected, `read_committed after step ${step}`);
      const aborts = txns.filter((t) => t.aborted).sort((a, b) => a.markerOffset - b.markerOffset).map((t) => [t.producerId, t.firstOffset, t.markerOffset]);
      assert.deepEqual(
        log.collectAbortedTransactions(0, log.logEndOffset).map((t) => [t.producerId, t.firstOffset, t.lastOffset]),
        aborts,
        `aborted transactions after step ${step}`,
      );
    };

    for (let step = 0; step < 120; step++) {
      const r = random();
      const p = producers[pick(producers.length)]!;
      if (r < 0.45) {
        // A transactional batch of 1-3 records; its values name their offsets.
        const count = 1 + pick(3);
        const base = log.logEndOffset;
        const values = Array.from({ length: count }, (_, i) => `t${n++}@${base + i}`);
        const batch = encodeBatchSync(values.map((v) => ({ value: Buffer.from(v), timestamp: NOW })), {
          producerId: p.id,
          producerEpoch: p.epoch,
          baseSequence: p.sequence,
          transactional: true,
        });
        log.appendAsLeader(batch, 0);
        p.sequence += count;
        if (p.open === null) {
          p.open = { producerId: p.id, firstOffset: base, values: [], markerOffset: -1, aborted: false };
          txns.push(p.open);
        }
        p.open.values.push(...values);
      } else if (r < 0.6) {
        const value = `p${n++}@${log.logEndOffset}`;
        plain.push({ offset: log.logEndOffset, value });
        log.append(encodeBatchSync([{ value: Buffer.from(value), timestamp: NOW }]), { leaderEpoch: 0 });
      } else if (r < 0.85) {
        // End p's transaction (a marker for a producer with none open completes nothing).
        const abort = random() < 0.5;
        const info = log.appendTxnMarker({ producerId: p.id, producerEpoch: p.epoch + 1, commit: !abort, coordinatorEpoch: 0, transactionVersion: 2 }, 0);
        if (p.open !== null) {
          p.open.markerOffset = info.firstOffset;
          p.open.aborted = abort;
          p.open = null;
        }
        p.epoch++;
        p.sequence = 0;
      } else if (r < 0.92) {
        log.roll();
      } else {
        const end = log.logEndOffset;
        if (random() < 0.5) {
          await log.close();
          log = env.open({ hadCleanShutdown: true, recoveryPoint: end, highWatermark: end });
        } else {
          env.fs.crash('process');
          log = env.open({ hadCleanShutdown: false, recoveryPoint: 0, highWatermark: end });
        }
      }
      log.maybeIncrementHighWatermark(log.logEndOffset);
      check(step);
    }
    await log.close();
  });
}
