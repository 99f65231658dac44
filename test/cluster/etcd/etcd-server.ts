/**
 * A real etcd for the cluster tests: Debian's etcd-server (installed through the compat
 * set-up's apt helper when missing), one member on free loopback ports with its data in a
 * temporary directory, stopped and removed by `stop()`. `restart()` stops it and starts it
 * again on the same ports and data, as an operator restarting etcd would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureApt } from '../../compat/setup/apt.js';
import { eventually } from '../../helpers/eventually.js';
import { EtcdKv } from '../../../src/cluster/kv/etcd-kv.js';

export interface EtcdServer {
  /** `127.0.0.1:port` of the client listener. */
  readonly endpoint: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startEtcd(): Promise<EtcdServer> {
  await ensureApt(['etcd-server']);
  const dir = mkdtempSync(join(tmpdir(), 'millrace-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `127.0.0.1:${clientPort}`;
  const args = [
    '--name', 'm1',
    '--data-dir', join(dir, 'data'),
    '--listen-client-urls', `http://${endpoint}`,
    '--advertise-client-urls', `http://${endpoint}`,
    '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-cluster', `m1=http://127.0.0.1:${peerPort}`,
    '--log-level', 'error',
  ];
  let child: ChildProcess | null = null;
  let output = '';

  const launch = async (): Promise<void> => {
    output = '';
    const c = spawn('etcd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000); });
    c.stderr!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000); });
    child = c;
    const probe = new EtcdKv({ hosts: [endpoint], dialTimeoutMs: 500 });
    try {
      await eventually(`etcd on ${endpoint} to serve`, async () => {
        if (c.exitCode !== null) throw new Error(`etcd exited with ${c.exitCode}: ${output}`);
        try {
          await probe.get('/probe');
          return true;
        } catch {
          return false;
        }
      }, { intervalMs: 100 });
    } finally {
      await probe.close();
    }
  };

  const halt = async (): Promise<void> => {
    const c = child;
    child = null;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    await exited;
  };

  await launch();
  return {
    endpoint,
    async restart() {
      await halt();
      await launch();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
