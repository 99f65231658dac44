/**
 * The cluster of the fault tests: one etcd member and three `millrace start` processes, each
 * broker in its own network namespace (cluster-net.ts) with its own data directory, and the
 * faults done to them: kill -9 and start again on the same data, SIGSTOP / SIGCONT, a network
 * cut. Timeouts are short so that a fault plays out in seconds: broker.session.timeout.ms
 * (the etcd lease) SESSION_MS, replica.lag.time.max.ms LAG_MS.
 *
 * It also records, for the checker, every (leader epoch, leader) any source reported for each
 * partition: the history of the partition keys in etcd (a watch) and what each broker's
 * Metadata said, polled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { NodeProcesses, spawnNode } from './node-processes.js';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import * as MetadataRequest from '../../src/protocol/generated/metadata-request.js';
import { EtcdKv } from '../../src/cluster/kv/etcd-kv.js';
import type { KvWatch } from '../../src/cluster/kv/kv.js';
import { ensureApt } from '../compat/setup/apt.js';
import { eventually } from '../helpers/eventually.js';
import { WireClient } from '../helpers/wire-client.js';
import { createClusterNet, netnsUnavailable, type ClusterNet } from './cluster-net.js';
import type { LeaderObservation } from './fault-checker.js';

export const NODE_IDS = [1, 2, 3] as const;
export const BROKER_PORT = 9092;
export const SESSION_MS = 4000;
export const LAG_MS = 2000;
const ETCD_ROOT = '/millrace/';
const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/**
 * `command args` run so that the kernel kills it when this process dies (setpriv --pdeathsig):
 * a test runner that kills a hung test leaves no broker, etcd or client behind.
 */
export function tied(command: string, args: readonly string[]): [string, string[]] {
  return ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]];
}

export interface PartitionState {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  replicas: number[];
}

export class FaultCluster {
  readonly net: ClusterNet;
  readonly dir: string;
  readonly etcdEndpoint: string;
  readonly observations: LeaderObservation[] = [];
  /** Set when the etcd watch of the partitions ended early: etcd's history is then incomplete. */
  watchError: Error | null = null;
  private etcd: ChildProcess | null = null;
  private readonly brokers = new NodeProcesses();
  private kv: EtcdKv | null = null;
  private watch: KvWatch | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private watchedTopic: string | null = null;
  private readonly metadataClients = new Map<number, WireClient>();

  private constructor(dir: string, net: ClusterNet) {
    this.dir = dir;
    this.net = net;
    this.etcdEndpoint = `${net.etcdAddress}:2379`;
  }

  /** Installs etcd and iproute2 when missing, makes the namespaces, starts etcd and the brokers. */
  static async start(dir: string): Promise<FaultCluster> {
    await ensureApt(['etcd-server', 'iproute2']);
    const why = netnsUnavailable();
    if (why !== null) throw new Error(`the cluster fault tests need network namespaces (run them as root): ${why}`);
    const net = createClusterNet(NODE_IDS);
    const cluster = new FaultCluster(dir, net);
    try {
      mkdirSync(join(dir, 'logs'), { recursive: true });
      await cluster.startEtcd();
      for (const id of NODE_IDS) cluster.startBroker(id);
      await cluster.waitForBrokers();
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  bootstrap(): string {
    return NODE_IDS.map((id) => this.addressOf(id)).join(',');
  }

  addressOf(nodeId: number): string {
    return `${this.net.addressOf(nodeId)}:${BROKER_PORT}`;
  }

  logDirOf(nodeId: number): string {
    return join(this.dir, `broker-${nodeId}`);
  }

  logFileOf(nodeId: number): string {
    return join(this.dir, 'logs', `broker-${nodeId}.log`);
  }

  private async startEtcd(): Promise<void> {
    const peer = `http://${this.net.etcdAddress}:2380`;
    const out = openSync(join(this.dir, 'logs', 'etcd.log'), 'a');
    this.etcd = spawn(...tied('etcd', [
      '--name', 'faults', '--data-dir', join(this.dir, 'etcd'),
      '--listen-client-urls', `http://${this.etcdEndpoint}`, '--advertise-client-urls', `http://${this.etcdEndpoint}`,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `faults=${peer}`,
      '--log-level', 'warn',
    ]), { stdio: ['ignore', out, out] });
    closeSync(out);
    const kv = new EtcdKv({ hosts: [this.etcdEndpoint], dialTimeoutMs: 1000 });
    this.kv = kv;
    await eventually('etcd to serve', async () => {
      if (this.etcd!.exitCode !== null) throw new Error(`etcd exited ${this.etcd!.exitCode}: ${readFileSync(join(this.dir, 'logs', 'etcd.log'), 'utf8').slice(-2000)}`);
      await kv.get('/probe');
      return true;
    }, { retryErrors: true, intervalMs: 100 });
  }

  /** Starts broker `nodeId` (again) in its namespace, on its data directory. */
  startBroker(nodeId: number): void {
    const settings: Record<string, string | number | boolean> = {
      'node.id': nodeId,
      listeners: `PLAINTEXT://${this.addressOf(nodeId)}`,
      'log.dirs': this.logDirOf(nodeId),
      'metadata.store': `etcd://${this.etcdEndpoint}`,
      'console.listeners': '',
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      'offsets.topic.replication.factor': 3,
      'offsets.topic.num.partitions': 3,
      'transaction.state.log.replication.factor': 3,
      'transaction.state.log.num.partitions': 3,
      'group.initial.rebalance.delay.ms': 0,
      'broker.session.timeout.ms': SESSION_MS,
      'replica.lag.time.max.ms': LAG_MS,
      'replica.fetch.wait.max.ms': 100,
      'replica.fetch.backoff.ms': 100,
      'replica.socket.timeout.ms': 3000,
      'auto.leader.rebalance.enable': true,
      'leader.imbalance.check.interval.seconds': 10,
    };
    // `millrace start` from the compiled sources (bin/millrace.js runs the bundle, which only
    // `npm run build` makes)
    const launcher = `const { main } = await import(${JSON.stringify(CLI_MAIN)}); await main(['node', 'millrace', ...process.argv.slice(1)]);`;
    // ip netns exec and setpriv exec what they run: the child's pid is the broker's
    const args = ['netns', 'exec', this.net.namespaceOf(nodeId), 'setpriv', '--pdeathsig', 'KILL', '--', process.execPath, '--input-type=module', '-e', launcher, 'start',
      ...Object.entries(settings).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
    const out = openSync(this.logFileOf(nodeId), 'a');
    this.brokers.add(nodeId, spawnNode('ip', args, out));
    closeSync(out);
  }

  isRunning(nodeId: number): boolean {
    return this.brokers.isRunning(nodeId);
  }

  isPaused(nodeId: number): boolean {
    return this.brokers.isPaused(nodeId);
  }

  /** kill -9 of broker `nodeId`; resolves once it is gone. */
  async kill9(nodeId: number): Promise<void> {
    if (!(await this.brokers.kill9(nodeId))) return;
    this.metadataClients.get(nodeId)?.close();
    this.metadataClients.delete(nodeId);
  }

  pause(nodeId: number): void {
    this.brokers.pause(nodeId);
  }

  resume(nodeId: number): void {
    this.brokers.resume(nodeId);
  }

  /** Waits until every broker answers Metadata listing all three. */
  async waitForBrokers(timeoutMs = 60_000): Promise<void> {
    for (const id of NODE_IDS) {
      await eventually(`broker ${id} to list three brokers`, async () => {
        if (!this.isRunning(id)) throw new Error(`broker ${id} exited: ${readFileSync(this.logFileOf(id), 'utf8').slice(-3000)}`);
        const c = await WireClient.connect(this.addressOf(id), { apiVersions: true, timeoutMs: 2000 });
        try {
          const md = await c.request(ApiKey.Metadata, c.version(ApiKey.Metadata, 12), { topics: [], allowAutoTopicCreation: false });
          return md.brokers.length === NODE_IDS.length;
        } finally {
          c.close();
        }
      }, { timeoutMs, intervalMs: 200, retryErrors: true });
    }
  }

  /** Every partition of `topic` as etcd holds it. */
  async partitions(topic: string): Promise<Map<number, PartitionState>> {
    const { entries } = await this.kv!.range(`${ETCD_ROOT}partitions/${topic}/`);
    const out = new Map<number, PartitionState>();
    for (const e of entries) out.set(Number(e.key.slice(e.key.lastIndexOf('/') + 1)), JSON.parse(e.value) as PartitionState);
    return out;
  }

  /** Waits until every partition of `topic` has a leader and all three replicas in its ISR. */
  async waitSettled(topic: string, timeoutMs = 90_000): Promise<Map<number, PartitionState>> {
    // The last state seen goes into the timeout's message: a soak that stops there says why.
    let lastSeen = '';
    try {
      return await eventually(`every partition of ${topic} led, with three in sync`, async () => {
        const ps = await this.partitions(topic);
        lastSeen = JSON.stringify([...ps].map(([p, s]) => ({ p, leader: s.leader, epoch: s.leaderEpoch, isr: s.isr })));
        if (ps.size === 0) return false;
        for (const p of ps.values()) if (p.leader < 0 || p.isr.length !== NODE_IDS.length) return false;
        return ps;
      }, { timeoutMs, intervalMs: 200, retryErrors: true });
    } catch (e) {
      if (e instanceof Error) e.message += `; last seen in etcd: ${lastSeen}; brokers: ${this.brokers.describe()}`;
      throw e;
    }
  }

  /** Starts recording leader observations of `topic`: etcd's history and each broker's Metadata. */
  async observeLeaders(topic: string, intervalMs = 300): Promise<void> {
    this.watchedTopic = topic;
    const prefix = `${ETCD_ROOT}partitions/${topic}/`;
    const { entries, revision } = await this.kv!.range(prefix);
    const record = (key: string, value: string): void => {
      if (value === '') return;
      const s = JSON.parse(value) as PartitionState;
      this.observations.push({ source: 'etcd', partition: Number(key.slice(prefix.length)), leaderEpoch: s.leaderEpoch, leader: s.leader, atMs: Date.now() });
    };
    for (const e of entries) record(e.key, e.value);
    this.watch = await this.kv!.watch(prefix, revision + 1, {
      events: (events) => {
        for (const e of events) if (e.type === 'put') record(e.entry.key, e.entry.value);
      },
      error: (err) => {
        this.watchError = err;
      },
    });
    this.pollTimer = setInterval(() => void this.pollMetadata(), intervalMs);
  }

  private async pollMetadata(): Promise<void> {
    if (this.polling || this.watchedTopic === null) return;
    this.polling = true;
    try {
      await Promise.all(NODE_IDS.map((id) => this.pollOne(id, this.watchedTopic!)));
    } finally {
      this.polling = false;
    }
  }

  private async pollOne(nodeId: number, topic: string): Promise<void> {
    if (!this.isRunning(nodeId) || this.isPaused(nodeId)) return;
    try {
      let c = this.metadataClients.get(nodeId);
      if (c === undefined || c.closed) {
        c = await WireClient.connect(this.addressOf(nodeId), { apiVersions: true, timeoutMs: 2000 });
        this.metadataClients.set(nodeId, c);
      }
      const md = await c.request(ApiKey.Metadata, c.version(ApiKey.Metadata, 12), {
        topics: [{ ...MetadataRequest.defaultMetadataRequestTopic(), name: topic }], allowAutoTopicCreation: false,
      });
      const now = Date.now();
      for (const t of md.topics) {
        if (t.errorCode !== 0) continue;
        for (const p of t.partitions) {
          this.observations.push({ source: `broker-${nodeId}`, partition: p.partitionIndex, leaderEpoch: p.leaderEpoch, leader: p.leaderId, atMs: now });
        }
      }
    } catch {
      const c = this.metadataClients.get(nodeId);
      c?.close();
      this.metadataClients.delete(nodeId);
    }
  }

  stopObserving(): void {
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.watchedTopic = null;
  }

  /** Kills every broker (SIGKILL: what is on disk is what they wrote), etcd, and removes the namespaces. */
  async close(): Promise<void> {
    this.stopObserving();
    await this.watch?.cancel().catch(() => {});
    this.watch = null;
    for (const c of this.metadataClients.values()) c.close();
    this.metadataClients.clear();
    for (const id of this.brokers.ids()) await this.kill9(id);
    await this.kv?.close().catch(() => {});
    this.kv = null;
    const etcd = this.etcd;
    this.etcd = null;
    if (etcd !== null && etcd.exitCode === null && etcd.signalCode === null) {
      const gone = new Promise<void>((resolve) => etcd.once('exit', () => resolve()));
      etcd.kill('SIGKILL');
      await gone;
    }
    this.net.close();
  }
}
