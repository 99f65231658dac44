/**
 * `millrace cluster dev`: a replicated cluster on this machine for development — one etcd
 * member and N broker processes (`millrace start` with `metadata.store=etcd://...`), all data
 * and logs under one directory, so that running it again resumes the same cluster. Ctrl-C
 * stops the brokers first (controlled shutdown moves leadership away as each one goes), then
 * etcd. etcd is not bundled: Debian's `etcd-server` (or any etcd 3.4+) on the PATH, or --etcd.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { Admin } from '../client/admin.js';
import { KafkaClient } from '../client/client.js';
import { action, CliError, collect, intArg } from './options.js';

interface DevFlags {
  brokers: number;
  dataDir: string;
  port: number;
  etcdPort: number;
  etcd: string;
  override: string[];
}

/** How long the brokers get to register before the command gives up. */
const READY_TIMEOUT_MS = 60_000;
/** How long a broker gets for its controlled shutdown before it is killed. */
const STOP_TIMEOUT_MS = 30_000;

export function registerClusterDev(cluster: Command): void {
  cluster
    .command('dev')
    .description('run etcd and N brokers on this machine, data under one directory (Ctrl-C stops them)')
    .option('--brokers <n>', 'broker processes', intArg('--brokers', { positive: true }), 3)
    .option('--data-dir <dir>', 'etcd data, broker logs and process output', './millrace-cluster')
    .option('--port <port>', 'first broker port; broker i listens on port + i - 1', intArg('--port', { positive: true }), 9092)
    .option('--etcd-port <port>', 'etcd client port (the peer port is the next one)', intArg('--etcd-port', { positive: true }), 2379)
    .option('--etcd <path>', 'the etcd binary', 'etcd')
    .option('-o, --override <key=value>', 'a broker setting for every broker (repeatable)', collect, [])
    .addHelpText('after', `
Every broker gets node.id i, listeners PLAINTEXT://127.0.0.1:<port + i - 1>, log.dirs
<data-dir>/broker-i, metadata.store etcd://127.0.0.1:<etcd-port> and, unless overridden,
default.replication.factor = min(3, brokers). Output goes to <data-dir>/logs/.

Examples:
  millrace cluster dev
  millrace cluster dev --brokers 5 --data-dir /tmp/c5 --override min.insync.replicas=2`)
    .action(action(async (flags: DevFlags) => {
      await runDevCluster(flags);
    }));
}

async function runDevCluster(flags: DevFlags): Promise<void> {
  const dataDir = resolve(flags.dataDir);
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  if (spawnSync(flags.etcd, ['--version'], { stdio: 'ignore' }).error !== undefined) {
    throw new CliError(`${flags.etcd} not found: install etcd 3.4+ (Debian: apt-get install etcd-server) or pass --etcd PATH`);
  }
  const children: Array<{ name: string; child: ChildProcess }> = [];
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Brokers first, together (each moves its leaderships away), etcd last.
    await Promise.all(children.filter((c) => c.name !== 'etcd').map((c) => stop(c.child)));
    const etcd = children.find((c) => c.name === 'etcd');
    if (etcd !== undefined) await stop(etcd.child);
  };
  const onSignal = (): void => {
    process.stderr.write('millrace cluster dev: stopping\n');
    void stopAll().then(() => process.exit(process.exitCode ?? 0));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const etcdEndpoint = `127.0.0.1:${flags.etcdPort}`;
  const peer = `http://127.0.0.1:${flags.etcdPort + 1}`;
  children.push({ name: 'etcd', child: launch(flags.etcd, [
    '--name', 'dev', '--data-dir', join(dataDir, 'etcd'),
    '--listen-client-urls', `http://${etcdEndpoint}`, '--advertise-client-urls', `http://${etcdEndpoint}`,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `dev=${peer}`,
  ], join(logDir, 'etcd.log')) });

  const bootstrap: string[] = [];
  const overridden = new Set(flags.override.map((o) => o.slice(0, o.indexOf('='))));
  for (let i = 1; i <= flags.brokers; i++) {
    const address = `127.0.0.1:${flags.port + i - 1}`;
    bootstrap.push(address);
    const settings = [
      `node.id=${i}`, `listeners=PLAINTEXT://${address}`, `log.dirs=${join(dataDir, `broker-${i}`)}`, `metadata.store=etcd://${etcdEndpoint}`,
      ...(overridden.has('default.replication.factor') ? [] : [`default.replication.factor=${Math.min(3, flags.brokers)}`]),
      // Each broker's console on its own port, from 8080 up.
      ...(overridden.has('console.listeners') ? [] : [`console.listeners=http://127.0.0.1:${8080 + i - 1}`]),
      ...flags.override,
    ];
    // process.argv[1] is the `millrace` command this runs under.
    const args = [process.argv[1]!, 'start', ...settings.flatMap((s) => ['--override', s])];
    children.push({ name: `broker ${i}`, child: launch(process.execPath, args, join(logDir, `broker-${i}.log`)) });
  }
  for (const { name, child } of children) {
    child.once('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`millrace cluster dev: ${name} exited (${signal ?? code}); see ${logDir}; stopping the others\n`);
      process.exitCode = 1;
      void stopAll();
    });
  }

  const ready = await waitForBrokers(bootstrap, flags.brokers, () => stopping);
  if (!ready) {
    if (!stopping) {
      process.stderr.write(`millrace cluster dev: the brokers did not all register within ${READY_TIMEOUT_MS / 1000} s; see ${logDir}\n`);
      process.exitCode = 1;
      await stopAll();
    }
    return;
  }
  process.stdout.write(
    `millrace cluster dev: ${flags.brokers} brokers ready\n` +
    `  bootstrap servers  ${bootstrap.join(',')}\n` +
    `  metadata.store     etcd://${etcdEndpoint}\n` +
    `  data and logs      ${dataDir}\n` +
    'Ctrl-C stops the cluster.\n',
  );
  // Runs until a signal, or a child's unexpected exit, stops everything.
  await Promise.all(children.map(({ child }) => exitOf(child)));
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
}

function launch(command: string, args: string[], logFile: string): ChildProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = exitOf(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** True once DescribeCluster lists every broker; false on timeout or when stopping began. */
async function waitForBrokers(bootstrap: string[], count: number, stopping: () => boolean): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !stopping()) {
    const client = new KafkaClient({ bootstrapServers: bootstrap, clientId: 'millrace-cluster-dev', requestTimeoutMs: 2000, connectTimeoutMs: 2000, retryTimeoutMs: 0 });
    try {
      const described = await new Admin(client).describeCluster();
      if (described.brokers.length >= count) return true;
    } catch {
      // not up yet
    } finally {
      client.close();
    }
    await sleep(250);
  }
  return false;
}
