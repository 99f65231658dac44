// Transactions on disk, read back by Apache Kafka 4.4.0's own `kafka-dump-log`
// (org.apache.kafka.tools.DumpLogSegments): the end-transaction markers Millrace writes decode
// as Kafka's EndTransactionMarker (type and coordinator epoch) in transactional control
// batches, its `.txnindex` files hold the aborted transactions Kafka reads (same 34-byte
// entries), and its producer snapshots keep an open transaction's first offset.
//
// Needs java and the Kafka jars (../setup/kafka.ts installs them); nothing is skipped.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeBatchSync } from '../../../src/protocol/records/index.js';
import { LogManager } from '../../../src/storage/log-manager.js';
import { MemoryLogger } from '../../../src/storage/logger.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { ensureKafkaJars } from '../setup/kafka.js';
import { repoRoot } from '../setup/paths.js';
import { runKafkaTool } from '../setup/kafka-tool.js';

const libs = path.join(repoRoot, 'bench', '.cache', 'kafka', 'libs');

before(async () => {
  await ensureKafkaJars();
  assert.ok(fs.existsSync(path.join(libs, '.complete')), `Kafka jars missing in ${libs}`);
});

async function dump(files: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await runKafkaTool('org.apache.kafka.tools.DumpLogSegments', ['--deep-iteration', '--print-data-log', '--files', files.join(',')]);
  assert.equal(r.code, 0, `DumpLogSegments ended with ${r.signal ?? `exit ${r.code}`}:\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

const sequences = new Map<number, number>();

function txnWrite(log: PartitionLog, producerId: number, epoch: number, value: string): void {
  const seq = sequences.get(producerId) ?? 0;
  sequences.set(producerId, seq + 1);
  const batch = encodeBatchSync([{ key: Buffer.from(`k-${value}`), value: Buffer.from(value), timestamp: 1_700_000_000_000 }], {
    producerId,
    producerEpoch: epoch,
    baseSequence: seq,
    transactional: true,
  });
  log.appendAsLeader(batch, 3);
  log.updateHighWatermark(log.logEndOffset);
}

function marker(log: PartitionLog, producerId: number, epoch: number, commit: boolean, coordinatorEpoch: number): number {
  const info = log.appendTxnMarker({ producerId, producerEpoch: epoch, commit, coordinatorEpoch, transactionVersion: 1 }, 3);
  log.updateHighWatermark(log.logEndOffset);
  return info.firstOffset;
}

test('Kafka reads the markers, transaction indexes and open transactions Millrace writes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'millrace-compat-txn-'));
  try {
    const logger = new MemoryLogger();
    const m = LogManager.open({ config: { 'log.dirs': [path.join(dir, 'data')] }, logger });
    const log = m.getOrCreateLog('txn', 0, { 'segment.bytes': 1024 });
    const expectedAborts: string[] = [];
    const expectedMarkers: string[] = [];
    for (let round = 0; round < 6; round++) {
      // Producers 100 and 200 interleave; 100 aborts every other round, 200 always commits.
      txnWrite(log, 100, 0, `a${round}-0`);
      txnWrite(log, 200, 0, `b${round}-0`);
      txnWrite(log, 100, 0, `a${round}-1`);
      const first100 = log.logEndOffset - 3;
      const abort = round % 2 === 0;
      const lso = log.logEndOffset - 2; // producer 200's transaction is still open
      const at = marker(log, 100, 0, !abort, 7);
      expectedMarkers.push(`${at}:${abort ? 'ABORT' : 'COMMIT'}:7`);
      if (abort) expectedAborts.push(`producerId: 100 firstOffset: ${first100} lastOffset: ${at} lastStableOffset: ${lso}`);
      const at200 = marker(log, 200, 0, true, 7);
      expectedMarkers.push(`${at200}:COMMIT:7`);
    }
    txnWrite(log, 300, 2, 'open'); // left open: the snapshot at shutdown keeps it
    const openAt = log.logEndOffset - 1;
    assert.equal(log.lastStableOffset, openAt);
    await m.shutdown();

    const partitionDir = path.join(dir, 'data', 'txn-0');
    const names = fs.readdirSync(partitionDir).sort();
    const files = names.filter((n) => /\.(log|txnindex|snapshot)$/.test(n)).map((n) => path.join(partitionDir, n));
    assert.ok(names.filter((n) => n.endsWith('.txnindex')).length >= 2, `aborts in several segments: ${names.join(' ')}`);
    const { stdout, stderr } = await dump(files);
    assert.ok(!/Exception|invalid bytes/.test(stderr + stdout), stderr);

    // Markers: transactional control batches whose record Kafka decodes as an EndTransactionMarker.
    const markers: string[] = [];
    let controlBatch = false;
    for (const line of stdout.split('\n')) {
      const b = /^baseOffset: \d+ .*isTransactional: (\w+) isControl: (\w+) .*isvalid: (\w+)$/.exec(line);
      if (b) {
        controlBatch = b[2] === 'true';
        assert.equal(b[3], 'true');
        if (controlBatch) assert.equal(b[1], 'true', line);
        continue;
      }
      const r = /^\| offset: (\d+) .* endTxnMarker: (ABORT|COMMIT) coordinatorEpoch: (\d+)$/.exec(line);
      if (r) {
        assert.ok(controlBatch, line);
        markers.push(`${r[1]}:${r[2]}:${r[3]}`);
      }
    }
    assert.deepEqual(markers, expectedMarkers);

    // Transaction indexes: Kafka's TransactionIndex reads our entries.
    const aborts = stdout.split('\n').filter((l) => l.startsWith('version: 0 producerId:')).map((l) => l.slice('version: 0 '.length));
    assert.deepEqual(aborts, expectedAborts);

    // The snapshot written at shutdown keeps producer 300's open transaction.
    assert.ok(new RegExp(`producerId: 300 producerEpoch: 2 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong\\[${openAt}\\]`).test(stdout), stdout.split('\n').filter((l) => l.startsWith('producerId: 300')).join('\n'));
    assert.ok(/producerId: 100 producerEpoch: 0 coordinatorEpoch: 7 currentTxnFirstOffset: OptionalLong.empty/.test(stdout));

    // And Millrace reopens it the same: the open transaction holds the last stable offset.
    const again = LogManager.open({ config: { 'log.dirs': [path.join(dir, 'data')] }, logger: new MemoryLogger() });
    try {
      const reopened = again.getLog('txn', 0)!;
      assert.equal(reopened.lastStableOffset, openAt);
      assert.deepEqual(
        reopened.collectAbortedTransactions(0, reopened.logEndOffset).map((t) => `producerId: ${t.producerId} firstOffset: ${t.firstOffset} lastOffset: ${t.lastOffset} lastStableOffset: ${t.lastStableOffset}`),
        expectedAborts,
      );
    } finally {
      await again.shutdown();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
