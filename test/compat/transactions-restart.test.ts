// A Java transactional producer (kafka-clients 4.4.0) keeps committing transactions while the
// Millrace broker restarts under it (clean close, then start again on the same port with the
// same data): the coordinator reads its transactions back from __transaction_state, the
// partitions their producer state, and the producer carries on (a transaction that fails
// abortably is aborted and sent again). A read_committed consumer then reads every committed
// transaction's records exactly once, and nothing of an aborted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTxnLoop, txnLoopValues, type TxnLoopRun } from './clients/java-txn-loop.js';
import { makeTopic, startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { eventually } from '../helpers/eventually.js';
const TRANSACTIONS = 120;
const PER_TRANSACTION = 10;


test('a Java transactional producer carries on across a broker restart; read_committed reads each committed record once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-txn-restart-'));
  let tb: TestBroker = await startTestBroker({ config: { 'transaction.state.log.num.partitions': 3, 'offsets.topic.num.partitions': 3 } });
  const logDir = tb.logDir;
  const port = tb.broker.port;
  let loop: TxnLoopRun | null = null;
  try {
    await makeTopic(tb, 'loop', 3);
    loop = await startTxnLoop(dir, tb.bootstrap, 'loop', TRANSACTIONS, PER_TRANSACTION);
    const running = loop;
    await eventually('a third of the transactions committed', () => running.committed() >= TRANSACTIONS / 3, { timeoutMs: 120_000, intervalMs: 20 });
    await tb.close(true);
    const atRestart = running.committed();
    t.diagnostic(`transactions committed when the broker stopped: ${atRestart}`);
    assert.ok(atRestart < TRANSACTIONS, 'the restart came in the middle of the run');
    tb = await startTestBroker({ logDir, config: { listeners: `PLAINTEXT://127.0.0.1:${port}`, 'transaction.state.log.num.partitions': 3, 'offsets.topic.num.partitions': 3 } });
    const code = await Promise.race([running.exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 240_000).unref())]);
    const lines = running.stdout().trim().split('\n');
    t.diagnostic(`aborted and sent again: ${lines.filter((l) => l.startsWith('aborting ')).length}`);
    assert.equal(code, 0, running.stdout().slice(-2000));
    assert.equal(running.committed(), TRANSACTIONS);
    const read = lines.find((l) => l.startsWith('read '))!.slice(5).split(',').sort();
    assert.deepEqual(read, txnLoopValues(TRANSACTIONS, PER_TRANSACTION), 'every committed record exactly once, nothing aborted');
  } finally {
    loop?.kill();
    await tb.close(true);
    rmSync(logDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
