// kill -9 of the broker under a Java transactional producer (kafka-clients 4.4.0): the broker
// runs in a child process and is SIGKILLed about a third of the way through 120 transactions,
// then started again on the same port and data. It recovers the partitions (producer state,
// last stable offset, .txnindex) and reloads __transaction_state and __consumer_offsets; the
// producer carries on, and a read_committed consumer reads each committed record exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createTopics, WireClient } from '../helpers/wire-client.js';
import { eventually } from '../helpers/eventually.js';
import { startTxnLoop, txnLoopValues, type TxnLoopRun } from '../compat/clients/java-txn-loop.js';

const TRANSACTIONS = 120;
const PER_TRANSACTION = 10;
const CONFIG = { 'transaction.state.log.num.partitions': 3, 'offsets.topic.num.partitions': 3 };
const startBrokerModule = fileURLToPath(new URL('../../src/start-broker.js', import.meta.url));

/** A broker in a child process on `dir` (and `port`, 0 for any); resolves with its bootstrap address. */
async function childBroker(dir: string, port: number): Promise<{ bootstrap: string; kill(): Promise<void> }> {
  const script = `
    const { startBroker } = await import(process.argv[1]);
    const b = await startBroker({ logDir: process.argv[2], port: Number(process.argv[4]), config: JSON.parse(process.argv[3]) });
    process.stdout.write(b.bootstrapServers + '\\n');
    setInterval(() => {}, 1 << 30);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, startBrokerModule, dir, JSON.stringify(CONFIG), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const bootstrap = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (s: string) => {
      out += s;
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', (code) => reject(new Error(`child broker exited ${code}`)));
  });
  return {
    bootstrap,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

test('kill -9 of the broker under a Java transactional producer: it carries on, read_committed reads each committed record once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-txn-kill-'));
  const javaDir = mkdtempSync(join(tmpdir(), 'millrace-txn-kill-java-'));
  let broker = await childBroker(dir, 0);
  const port = Number(broker.bootstrap.slice(broker.bootstrap.lastIndexOf(':') + 1));
  let loop: TxnLoopRun | null = null;
  try {
    const c = await WireClient.connect(broker.bootstrap, { apiVersions: true });
    await createTopics(c, [{ name: 'loop', partitions: 3 }]);
    c.close();
    loop = await startTxnLoop(javaDir, broker.bootstrap, 'loop', TRANSACTIONS, PER_TRANSACTION);
    const running = loop;
    await eventually('a third of the transactions committed', () => running.committed() >= TRANSACTIONS / 3, { timeoutMs: 120_000, intervalMs: 20 });
    await broker.kill();
    const atKill = running.committed();
    t.diagnostic(`transactions committed when the broker was killed: ${atKill}`);
    assert.ok(atKill < TRANSACTIONS, 'the kill came in the middle of the run');
    broker = await childBroker(dir, port);
    const code = await Promise.race([running.exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 240_000).unref())]);
    const lines = running.stdout().trim().split('\n');
    t.diagnostic(`aborted and sent again: ${lines.filter((l) => l.startsWith('aborting ')).length}`);
    assert.equal(code, 0, running.stdout().slice(-2000));
    assert.equal(running.committed(), TRANSACTIONS);
    const read = lines.find((l) => l.startsWith('read '))!.slice(5).split(',').sort();
    assert.deepEqual(read, txnLoopValues(TRANSACTIONS, PER_TRANSACTION), 'every committed record exactly once, nothing aborted');
  } finally {
    loop?.kill();
    await broker.kill();
    rmSync(dir, { recursive: true, force: true });
    rmSync(javaDir, { recursive: true, force: true });
  }
});
