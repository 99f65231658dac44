/**
 * A cluster of brokers inside this process, for tests and local experiments: each broker on
 * a free port with its own log directory, all sharing one in-process metadata store
 * (`MemoryKv`, etcd's semantics without etcd), so they register, elect a controller and
 * replicate exactly as brokers on an etcd cluster do. Brokers can be stopped and started
 * again on their directories, to test failover.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, createLogger } from './broker/broker.js';
import { BrokerConfig } from './broker/settings/broker-config.js';
import { KvMetadataStore } from './cluster/kv-metadata-store.js';
import { MemoryKv } from './cluster/kv/memory-kv.js';
import { systemClock, type Clock } from './cluster/kv/clock.js';
import { leaderRebalanceConfig } from './broker/metadata-store.js';

export interface StartClusterOptions {
  /** How many brokers (node ids 1..n). */
  brokers: number;
  /** Broker settings by Kafka's names, for every broker. */
  config?: Readonly<Record<string, string | number | boolean>>;
  /** `broker.rack` of each broker, in node id order. */
  racks?: ReadonlyArray<string | null>;
  /** Replication's clock (follower lag, acks=all timeouts); real time unless a test moves one. */
  clock?: Clock;
  /** The metadata store's clock (session leases); real time by default. */
  metadataClock?: Clock;
  /** Session lease TTL in seconds (default 9, Kafka's broker.session.timeout.ms). */
  sessionTtlSeconds?: number;
  /** pino level: 'silent' (default), 'error', 'warn', 'info', 'debug'. */
  logLevel?: string;
  /** Log directories per broker (`broker-<id>` when 1, the default; `broker-<id>/dir-<n>` otherwise). */
  logDirsPerBroker?: number;
}

export interface EmbeddedCluster {
  /** The shared metadata store. */
  readonly kv: MemoryKv;
  /** The running brokers by node id. */
  readonly brokers: ReadonlyMap<number, Broker>;
  /** `host:port` of every running broker, for clients' `bootstrap.servers`. */
  readonly bootstrapServers: string;
  broker(nodeId: number): Broker;
  /** Its metadata store. */
  store(nodeId: number): KvMetadataStore;
  /** Stops a broker gracefully (its session ends at once); its directory stays. */
  stopBroker(nodeId: number): Promise<void>;
  /** Stops a broker as a kill would (Broker.kill): no clean-shutdown markers, its session left to expire. */
  killBroker(nodeId: number): Promise<void>;
  /** Starts a stopped broker again on its directory (on a new port). */
  startBroker(nodeId: number): Promise<Broker>;
  /** Stops every broker and removes the directories. */
  close(): Promise<void>;
}

export async function startCluster(options: StartClusterOptions): Promise<EmbeddedCluster> {
  const root = mkdtempSync(join(tmpdir(), 'millrace-cluster-'));
  const kv = new MemoryKv({ clock: options.metadataClock ?? systemClock });
  const brokers = new Map<number, Broker>();
  const stores = new Map<number, KvMetadataStore>();
  const logger = createLogger(options.logLevel ?? 'silent');

  const start = async (nodeId: number): Promise<Broker> => {
    const rack = options.racks?.[nodeId - 1] ?? null;
    const config = BrokerConfig.load({
      overrides: {
        'node.id': nodeId,
        listeners: 'PLAINTEXT://127.0.0.1:0',
        'log.dirs': logDirsOf(join(root, `broker-${nodeId}`), options.logDirsPerBroker ?? 1),
        ...(rack === null ? {} : { 'broker.rack': rack }),
        ...options.config,
      },
    });
    const brokerLogger = logger.child({ nodeId });
    const broker = await Broker.start({
      config,
      logger: brokerLogger,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      metadata: async (dir, self, log) => {
        const store = await KvMetadataStore.open({
          kv,
          self,
          logDir: dir,
          logger: log.child({ component: 'metadata' }),
          uncleanLeaderElection: config.bool('unclean.leader.election.enable'),
          minInsyncReplicas: config.int('min.insync.replicas'),
          leaderRebalance: leaderRebalanceConfig(config),
          ...(options.metadataClock === undefined ? {} : { clock: options.metadataClock }),
          ...(options.sessionTtlSeconds === undefined ? {} : { sessionTtlSeconds: options.sessionTtlSeconds }),
        });
        stores.set(nodeId, store);
        return store;
      },
    });
    brokers.set(nodeId, broker);
    return broker;
  };

  try {
    // One at a time, so node 1 creates the cluster id and the others join it.
    for (let id = 1; id <= options.brokers; id++) await start(id);
  } catch (err) {
    await Promise.all([...brokers.values()].map((b) => b.close().catch(() => {})));
    rmSync(root, { recursive: true, force: true });
    throw err;
  }

  return {
    kv,
    brokers,
    get bootstrapServers() {
      return [...brokers.values()].map((b) => b.bootstrapServers).join(',');
    },
    broker(nodeId) {
      const b = brokers.get(nodeId);
      if (b === undefined) throw new Error(`broker ${nodeId} is not running`);
      return b;
    },
    store(nodeId) {
      const s = stores.get(nodeId);
      if (s === undefined || !brokers.has(nodeId)) throw new Error(`broker ${nodeId} is not running`);
      return s;
    },
    async stopBroker(nodeId) {
      const b = brokers.get(nodeId);
      if (b === undefined) return;
      brokers.delete(nodeId);
      await b.close();
    },
    async killBroker(nodeId) {
      const b = brokers.get(nodeId);
      if (b === undefined) return;
      brokers.delete(nodeId);
      await b.kill();
    },
    async startBroker(nodeId) {
      if (brokers.has(nodeId)) throw new Error(`broker ${nodeId} is running`);
      return start(nodeId);
    },
    async close() {
      const all = [...brokers.values()];
      brokers.clear();
      await Promise.all(all.map((b) => b.close().catch(() => {})));
      await kv.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function logDirsOf(base: string, count: number): string {
  return count <= 1 ? base : Array.from({ length: count }, (_, i) => join(base, `dir-${i + 1}`)).join(',');
}
