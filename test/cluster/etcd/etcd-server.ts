/**
 * A real etcd for the cluster tests: Debian's etcd-server (installed through the compat
 * set-up's apt helper when missing), one member on free loopback ports with its data in a
 * temporary directory, stopped and removed by `stop()`. `restart()` stops it and starts it
 * again on the same ports and data, as an operator restarting etcd would. `startEtcdCluster(n)`
 * makes a cluster of n members, one of which a test may kill.
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

/** One member of a local etcd cluster. */
interface Member {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  child: ChildProcess | null;
  output: string;
}

/** An etcd cluster of several members on this machine (quorum tests). */
export interface EtcdCluster {
  /** `127.0.0.1:port` of each member's client listener. */
  readonly endpoints: string[];
  /** Kills member `i` (SIGKILL, as a lost machine), leaving its data. */
  kill(i: number): Promise<void>;
  stop(): Promise<void>;
}

async function launch(m: Member, dir: string, initialCluster: string): Promise<void> {
  const endpoint = `127.0.0.1:${m.clientPort}`;
  const peer = `http://127.0.0.1:${m.peerPort}`;
  const args = [
    '--name', m.name,
    '--data-dir', join(dir, m.name),
    '--listen-client-urls', `http://${endpoint}`,
    '--advertise-client-urls', `http://${endpoint}`,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', initialCluster,
    '--log-level', 'error',
  ];
  m.output = '';
  const c = spawn('etcd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  c.stdout!.on('data', (d: Buffer) => { m.output = (m.output + d.toString()).slice(-4000); });
  c.stderr!.on('data', (d: Buffer) => { m.output = (m.output + d.toString()).slice(-4000); });
  m.child = c;
}

/** Waits until `endpoint` answers a read (a member of a cluster answers once there is a quorum). */
async function serving(m: Member): Promise<void> {
  const endpoint = `127.0.0.1:${m.clientPort}`;
  const probe = new EtcdKv({ hosts: [endpoint], dialTimeoutMs: 500 });
  try {
    await eventually(`etcd on ${endpoint} to serve`, async () => {
      const c = m.child!;
      if (c.exitCode !== null) throw new Error(`etcd exited with ${c.exitCode}: ${m.output}`);
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
}

async function halt(m: Member, signal: NodeJS.Signals): Promise<void> {
  const c = m.child;
  m.child = null;
  if (c === null || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  c.kill(signal);
  await exited;
}

async function members(n: number): Promise<Member[]> {
  const out: Member[] = [];
  for (let i = 1; i <= n; i++) out.push({ name: `m${i}`, clientPort: await freePort(), peerPort: await freePort(), child: null, output: '' });
  return out;
}

export async function startEtcd(): Promise<EtcdServer> {
  await ensureApt(['etcd-server']);
  const dir = mkdtempSync(join(tmpdir(), 'millrace-etcd-'));
  const [m] = await members(1);
  const initial = `${m!.name}=http://127.0.0.1:${m!.peerPort}`;
  await launch(m!, dir, initial);
  await serving(m!);
  return {
    endpoint: `127.0.0.1:${m!.clientPort}`,
    async restart() {
      await halt(m!, 'SIGTERM');
      await launch(m!, dir, initial);
      await serving(m!);
    },
    async stop() {
      await halt(m!, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `n` etcd members forming one cluster, each on its own loopback ports. */
export async function startEtcdCluster(n: number): Promise<EtcdCluster> {
  await ensureApt(['etcd-server']);
  const dir = mkdtempSync(join(tmpdir(), 'millrace-etcd-cluster-'));
  const ms = await members(n);
  const initial = ms.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
  for (const m of ms) await launch(m, dir, initial);
  try {
    for (const m of ms) await serving(m);
  } catch (err) {
    for (const m of ms) await halt(m, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoints: ms.map((m) => `127.0.0.1:${m.clientPort}`),
    async kill(i) {
      await halt(ms[i]!, 'SIGKILL');
    },
    async stop() {
      for (const m of ms) await halt(m, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
