/**
 * Apache Kafka 4.4.0 as the cluster of the fault run (fault-run.ts), to compare Millrace with:
 * three broker-only KRaft nodes, each in its own network namespace (cluster-net.ts) as
 * Millrace's brokers are, and one controller-only node on the bridge where etcd stands for
 * Millrace (a cut with `etcd` cuts a broker off from the controller). The jars are those of
 * tools/kafka/fetch.sh; the nodes' properties are tools/kafka/kafka-process.js's
 * clusterNodeProperties plus the settings of the Millrace fault cluster under Kafka's names
 * (broker.session.timeout.ms SESSION_MS, replica.lag.time.max.ms LAG_MS, min ISR 2, RF 3, ...).
 *
 * Partition state comes from the brokers' Metadata (Kafka keeps it in the controller's log,
 * which no client API reads): the view of the broker with the highest leader epoch among those
 * running, awake and not cut off, and settled only when all of them agree. Leader observations
 * are every broker's Metadata, polled (no etcd history here).
 */
import { spawn } from 'node:child_process';
import { NodeProcesses, spawnNode } from './node-processes.js';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import * as MetadataRequest from '../../src/protocol/generated/metadata-request.js';
import { ensureApt } from '../compat/setup/apt.js';
import { ensureKafkaJars } from '../compat/setup/kafka.js';
import { repoRoot } from '../compat/setup/paths.js';
import { eventually } from '../helpers/eventually.js';
import { WireClient } from '../helpers/wire-client.js';
import { BROKER_PORT, LAG_MS, NODE_IDS, SESSION_MS, tied, type PartitionState } from './cluster-harness.js';
import { createClusterNet, netnsUnavailable, type ClusterNet } from './cluster-net.js';
import type { LeaderObservation } from './fault-checker.js';
import type { FaultTarget } from './fault-run.js';

const CONTROLLER_ID = 4;
const CONTROLLER_PORT = 9093;

interface KafkaProcessModule {
  DEFAULT_LIBS_DIR: string;
  KAFKA_JVM_PERFORMANCE_OPTS: string[];
  LOG4J2_XML: string;
  clusterNodeProperties(o: { nodeId: number; roles: string; host: string; port?: number; controllerPort?: number; voters: string; logDirs: string }): Record<string, string | number>;
}

/** The Millrace fault cluster's settings (cluster-harness.ts startBroker), as Kafka names them. */
function faultSettings(): Record<string, string | number | boolean> {
  return {
    'default.replication.factor': 3,
    'min.insync.replicas': 2,
    'offsets.topic.replication.factor': 3,
    'offsets.topic.num.partitions': 3,
    'transaction.state.log.replication.factor': 3,
    'transaction.state.log.num.partitions': 3,
    'group.initial.rebalance.delay.ms': 0,
    'broker.session.timeout.ms': SESSION_MS,
    // Kafka's default (2000) is half the session: kept at that ratio
    'broker.heartbeat.interval.ms': SESSION_MS / 4,
    'replica.lag.time.max.ms': LAG_MS,
    'replica.fetch.wait.max.ms': 100,
    'replica.fetch.backoff.ms': 100,
    'replica.socket.timeout.ms': 3000,
    'auto.leader.rebalance.enable': true,
    'leader.imbalance.check.interval.seconds': 10,
  };
}

/** The ClusterNet, remembering which brokers are cut off (their Metadata is stale). */
class TrackedNet implements ClusterNet {
  readonly cutOff = new Set<number>();
  constructor(private readonly inner: ClusterNet) {}
  get hostAddress(): string { return this.inner.hostAddress; }
  get etcdAddress(): string { return this.inner.etcdAddress; }
  addressOf(nodeId: number): string { return this.inner.addressOf(nodeId); }
  namespaceOf(nodeId: number): string { return this.inner.namespaceOf(nodeId); }
  cut(nodeId: number, etcd?: boolean): void {
    this.inner.cut(nodeId, etcd);
    this.cutOff.add(nodeId);
  }
  heal(nodeId: number): void {
    this.inner.heal(nodeId);
    this.cutOff.delete(nodeId);
  }
  close(): void { this.inner.close(); }
}

export class KafkaFaultCluster implements FaultTarget {
  readonly net: TrackedNet;
  readonly dir: string;
  readonly observations: LeaderObservation[] = [];
  readonly watchError: Error | null = null;
  private readonly nodes = new NodeProcesses();
  private readonly metadataClients = new Map<number, WireClient>();
  private pollTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private watchedTopic: string | null = null;

  private constructor(dir: string, net: ClusterNet, private readonly kafka: KafkaProcessModule) {
    this.dir = dir;
    this.net = new TrackedNet(net);
  }

  static async start(dir: string): Promise<KafkaFaultCluster> {
    await ensureApt(['iproute2']);
    await ensureKafkaJars();
    const why = netnsUnavailable();
    if (why !== null) throw new Error(`the Kafka fault run needs network namespaces (run it as root): ${why}`);
    const kafka = (await import(pathToFileURL(join(repoRoot, 'tools', 'kafka', 'kafka-process.js')).href)) as KafkaProcessModule;
    const cluster = new KafkaFaultCluster(dir, createClusterNet(NODE_IDS), kafka);
    try {
      await cluster.formatAll();
      cluster.startNode(CONTROLLER_ID);
      for (const id of NODE_IDS) cluster.startBroker(id);
      await cluster.waitForBrokers(180_000);
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
    return join(this.nodeDir(nodeId), 'data');
  }

  private nodeDir(nodeId: number): string {
    return join(this.dir, `node-${nodeId}`);
  }

  private propsFile(nodeId: number): string {
    return join(this.nodeDir(nodeId), 'server.properties');
  }

  private logsDir(nodeId: number): string {
    return join(this.nodeDir(nodeId), 'logs');
  }

  /** Writes each node's server.properties and log4j2.xml and formats its log directory. */
  private async formatAll(): Promise<void> {
    const voters = `${CONTROLLER_ID}@${this.net.etcdAddress}:${CONTROLLER_PORT}`;
    const java = javaBin();
    const libs = join(this.kafka.DEFAULT_LIBS_DIR, '*');
    const clusterId = await output(java, ['-cp', libs, 'kafka.tools.StorageTool', 'random-uuid']);
    for (const id of [...NODE_IDS, CONTROLLER_ID]) {
      const isController = id === CONTROLLER_ID;
      mkdirSync(this.logsDir(id), { recursive: true });
      const props = {
        ...this.kafka.clusterNodeProperties({
          nodeId: id, roles: isController ? 'controller' : 'broker', voters, logDirs: this.logDirOf(id),
          host: isController ? this.net.etcdAddress : this.net.addressOf(id),
          ...(isController ? { controllerPort: CONTROLLER_PORT } : { port: BROKER_PORT }),
        }),
        ...faultSettings(),
      };
      writeFileSync(this.propsFile(id), Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
      writeFileSync(join(this.nodeDir(id), 'log4j2.xml'), this.kafka.LOG4J2_XML);
      await output(java, [...this.commonArgs(id), 'kafka.tools.StorageTool', 'format', '-t', clusterId.trim(), '-c', this.propsFile(id)]);
    }
  }

  private commonArgs(nodeId: number): string[] {
    return [`-Dlog4j2.configurationFile=${join(this.nodeDir(nodeId), 'log4j2.xml')}`, `-Dkafka.logs.dir=${this.logsDir(nodeId)}`, '-cp', join(this.kafka.DEFAULT_LIBS_DIR, '*')];
  }

  /** Starts broker `nodeId` (again) in its namespace, on its data directory. */
  startBroker(nodeId: number): void {
    this.startNode(nodeId);
  }

  private startNode(nodeId: number): void {
    const heap = nodeId === CONTROLLER_ID ? ['-Xmx256M', '-Xms256M'] : ['-Xmx512M', '-Xms512M'];
    const javaArgs = [...heap, ...this.kafka.KAFKA_JVM_PERFORMANCE_OPTS, ...this.commonArgs(nodeId), 'kafka.Kafka', this.propsFile(nodeId)];
    // the controller stands where etcd does, on the bridge; a broker in its namespace (ip netns
    // exec and setpriv exec what they run: the child's pid is the JVM's)
    const [command, args] = nodeId === CONTROLLER_ID
      ? tied(javaBin(), javaArgs)
      : ['ip', ['netns', 'exec', this.net.namespaceOf(nodeId), ...tied(javaBin(), javaArgs).flat()]] as [string, string[]];
    const out = openSync(join(this.logsDir(nodeId), 'kafka.out'), 'a');
    this.nodes.add(nodeId, spawnNode(command, args, out));
    closeSync(out);
  }

  isRunning(nodeId: number): boolean {
    return this.nodes.isRunning(nodeId);
  }

  /** Running, awake and not cut off: its Metadata is current. */
  private isHealthy(nodeId: number): boolean {
    return this.isRunning(nodeId) && !this.nodes.isPaused(nodeId) && !this.net.cutOff.has(nodeId);
  }

  async kill9(nodeId: number): Promise<void> {
    if (!(await this.nodes.kill9(nodeId))) return;
    this.metadataClients.get(nodeId)?.close();
    this.metadataClients.delete(nodeId);
  }

  pause(nodeId: number): void {
    this.nodes.pause(nodeId);
  }

  resume(nodeId: number): void {
    this.nodes.resume(nodeId);
  }

  /** Waits until every broker answers Metadata listing all three (Kafka lists unfenced brokers only). */
  async waitForBrokers(timeoutMs = 90_000): Promise<void> {
    for (const id of NODE_IDS) {
      await eventually(`Kafka broker ${id} to list three brokers`, async () => {
        if (!this.isRunning(id)) throw new Error(`Kafka broker ${id} exited: ${readFileSync(join(this.logsDir(id), 'kafka.out'), 'utf8').slice(-3000)}`);
        const md = await this.metadata(id, null, 2000);
        return md.brokers.length === NODE_IDS.length;
      }, { timeoutMs, intervalMs: 250, retryErrors: true });
    }
  }

  private async metadata(nodeId: number, topic: string | null, timeoutMs: number) {
    const c = await WireClient.connect(this.addressOf(nodeId), { apiVersions: true, timeoutMs, clientId: 'millrace-faults-observer' });
    try {
      return await c.request(ApiKey.Metadata, c.version(ApiKey.Metadata, 12), {
        topics: topic === null ? [] : [{ ...MetadataRequest.defaultMetadataRequestTopic(), name: topic }], allowAutoTopicCreation: false,
      });
    } finally {
      c.close();
    }
  }

  /** Each healthy broker's view of `topic`'s partitions. */
  private async views(topic: string): Promise<Array<Map<number, PartitionState>>> {
    const healthy = NODE_IDS.filter((id) => this.isHealthy(id));
    const answers = await Promise.allSettled(healthy.map((id) => this.metadata(id, topic, 3000)));
    const views: Array<Map<number, PartitionState>> = [];
    for (const a of answers) {
      if (a.status !== 'fulfilled') continue;
      const t = a.value.topics.find((x) => x.name === topic);
      if (t === undefined || t.errorCode !== 0) continue;
      views.push(new Map(t.partitions.map((p) => [p.partitionIndex, { leader: p.leaderId, leaderEpoch: p.leaderEpoch, isr: [...p.isrNodes], replicas: [...p.replicaNodes] }])));
    }
    if (views.length === 0) throw new Error(`no healthy Kafka broker answered Metadata for ${topic}`);
    return views;
  }

  async partitions(topic: string): Promise<Map<number, PartitionState>> {
    const out = new Map<number, PartitionState>();
    for (const view of await this.views(topic)) {
      for (const [p, s] of view) {
        const have = out.get(p);
        if (have === undefined || s.leaderEpoch > have.leaderEpoch) out.set(p, s);
      }
    }
    return out;
  }

  async waitSettled(topic: string, timeoutMs = 90_000): Promise<Map<number, PartitionState>> {
    let lastSeen = '';
    try {
      return await eventually(`every partition of ${topic} led, with three in sync (Kafka)`, async () => {
        const views = await this.views(topic);
        lastSeen = JSON.stringify(views.map((v) => [...v].map(([p, s]) => ({ p, leader: s.leader, epoch: s.leaderEpoch, isr: s.isr }))));
        if (views.length < NODE_IDS.length) return false;
        for (const v of views) {
          if (v.size === 0) return false;
          for (const s of v.values()) if (s.leader < 0 || s.isr.length !== NODE_IDS.length) return false;
        }
        return this.partitions(topic);
      }, { timeoutMs, intervalMs: 200, retryErrors: true });
    } catch (e) {
      if (e instanceof Error) e.message += `; last seen by the brokers: ${lastSeen}; nodes: ${this.nodes.describe()}`;
      throw e;
    }
  }

  async observeLeaders(topic: string, intervalMs = 300): Promise<void> {
    this.watchedTopic = topic;
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
    if (!this.isRunning(nodeId) || this.nodes.isPaused(nodeId)) return;
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
      this.metadataClients.get(nodeId)?.close();
      this.metadataClients.delete(nodeId);
    }
  }

  stopObserving(): void {
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.watchedTopic = null;
  }

  /** Kills every node (SIGKILL: what is on disk is what they wrote) and removes the namespaces. */
  async close(): Promise<void> {
    this.stopObserving();
    for (const c of this.metadataClients.values()) c.close();
    this.metadataClients.clear();
    for (const id of [...NODE_IDS, CONTROLLER_ID]) {
      if (this.nodes.isPaused(id) && this.nodes.isRunning(id)) this.nodes.resume(id);
      await this.kill9(id);
    }
    this.net.close();
  }
}

function javaBin(): string {
  return process.env.JAVA_HOME === undefined ? 'java' : join(process.env.JAVA_HOME, 'bin', 'java');
}

/** Runs `command` to its end; its stdout, or an error with its output. */
function output(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { err = (err + b.toString()).slice(-4000); });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.slice(-6).join(' ')} exited ${code}: ${err}${out.slice(-2000)}`))));
  });
}
