// `millrace start` processes on etcd: MILLRACE_METADATA_STORE selects the store, and a second
// broker with a node.id a live broker holds refuses to start with a one-line reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Admin, KafkaClient } from '../../../src/client/index.js';
import { startEtcd, type EtcdServer } from './etcd-server.js';

// dist/test/cluster/etcd/etcd-cli.test.js → repository root
const root = join(fileURLToPath(import.meta.url), '../../../../..');
const bin = join(root, 'bin/millrace.js');

let server: EtcdServer;
before(async () => {
  server = await startEtcd();
});
after(async () => {
  await server.stop();
});

function start(nodeId: number, logDir: string, store: string) {
  const child = spawn(process.execPath, [bin, 'start', '--log-level', 'warn', '--override', `node.id=${nodeId}`, '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', 'console.listeners=', '--override', `log.dirs=${logDir}`], {
    env: { ...process.env, MILLRACE_METADATA_STORE: store },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stderr: () => stderr };
}

test('millrace start on etcd (MILLRACE_METADATA_STORE); a second broker with the same node.id exits 1 saying why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-etcd-cli-'));
  const store = `etcd://${server.endpoint}/cli-${randomBytes(4).toString('hex')}`;
  const first = start(1, join(dir, 'a'), store);
  try {
    const address = await new Promise<string>((resolve, reject) => {
      first.child.stderr.on('data', () => {
        const m = /listening on (\S+),/.exec(first.stderr());
        if (m) resolve(m[1]!);
      });
      first.child.on('exit', (code) => reject(new Error(`exited ${code}: ${first.stderr()}`)));
    });
    const client = new KafkaClient({ bootstrapServers: [address] });
    try {
      const cluster = await new Admin(client).describeCluster();
      assert.deepEqual(cluster.brokers.map((b) => b.id), [1]);
      assert.equal(cluster.controllerId, 1);
    } finally {
      client.close();
    }

    const second = start(1, join(dir, 'b'), store);
    const [code] = await once(second.child, 'exit');
    assert.equal(code, 1);
    assert.match(second.stderr(), /millrace: node\.id 1 is already registered by a live broker at 127\.0\.0\.1:\d+ .*every broker of a cluster needs its own node\.id/);
  } finally {
    first.child.kill('SIGTERM');
    if (first.child.exitCode === null) await once(first.child, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
});
