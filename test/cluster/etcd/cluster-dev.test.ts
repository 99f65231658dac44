// `millrace cluster dev`: etcd and three broker processes under one directory; a topic gets
// three replicas in sync, and SIGINT stops every process it started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin, KafkaClient } from '../../../src/client/index.js';
import { ensureApt } from '../../compat/setup/apt.js';
import { eventually } from '../../helpers/eventually.js';

// dist/test/cluster/etcd/cluster-dev.test.js → repository root
const root = join(fileURLToPath(import.meta.url), '../../../../..');
const bin = join(root, 'bin/millrace.js');

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive free loopback ports. */
async function freeRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const first = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await portFree(first + i);
    if (ok) return first;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

/** Processes whose command line names `dir` (the brokers' log.dirs, etcd's data dir). */
function processesUnder(dir: string): string[] {
  const r = spawnSync('pgrep', ['-f', dir], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

test('millrace cluster dev: three brokers on etcd, replicated topics, SIGINT stops them all', async () => {
  await ensureApt(['etcd-server']);
  const dir = mkdtempSync(join(tmpdir(), 'millrace-cluster-dev-'));
  const port = await freeRun(3);
  const etcdPort = await freeRun(2);
  const dev = spawn(process.execPath, [bin, 'cluster', 'dev', '--data-dir', dir, '--port', String(port), '--etcd-port', String(etcdPort), '--override', 'min.insync.replicas=2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  dev.stdout.on('data', (d: Buffer) => (output += d.toString()));
  dev.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const bootstrap = [0, 1, 2].map((i) => `127.0.0.1:${port + i}`);
  try {
    await eventually('the dev cluster to be ready', () => {
      if (dev.exitCode !== null) throw new Error(`cluster dev exited with ${dev.exitCode}: ${output}`);
      return output.includes('3 brokers ready');
    }, { timeoutMs: 90_000, intervalMs: 200 });
    assert.match(output, new RegExp(`bootstrap servers  ${bootstrap.join(',')}`));

    const client = new KafkaClient({ bootstrapServers: bootstrap, clientId: 'cluster-dev-test' });
    try {
      const admin = new Admin(client);
      assert.deepEqual((await admin.describeCluster()).brokers.map((b) => b.id).sort(), [1, 2, 3]);
      await admin.createTopic({ name: 'dev-topic', partitions: 3 });
      await eventually('three in-sync replicas per partition', async () => {
        const [t] = await admin.describeTopics(['dev-topic']);
        return t !== undefined && t.partitions.length === 3 && t.partitions.every((p) => p.replicas.length === 3 && p.isr.length === 3 && p.leader > 0);
      }, { timeoutMs: 30_000 });
    } finally {
      client.close();
    }
    for (const i of [1, 2, 3]) assert.ok(existsSync(join(dir, 'logs', `broker-${i}.log`)), `broker ${i} writes its output under the data dir`);
    assert.ok(existsSync(join(dir, 'etcd')), 'etcd keeps its data under the data dir');
    assert.equal(processesUnder(dir).length, 5, 'cluster dev itself, etcd and three brokers run');

    dev.kill('SIGINT');
    const [code] = await once(dev, 'exit');
    assert.equal(code, 0, output);
    assert.deepEqual(processesUnder(dir), [], 'no process of the cluster is left');
  } finally {
    if (dev.exitCode === null) {
      dev.kill('SIGKILL');
      for (const line of processesUnder(dir)) process.kill(Number(line), 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
