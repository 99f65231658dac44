import { coordinatorLeadership, coordinatorTopicHost } from './group-coordinator-host.js';
import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';
import { LogManager } from '../storage/log-manager.js';
import { logConfigFromBrokerProps } from '../storage/config.js';
import type { StorageLogger } from '../storage/logger.js';
import { BrokerConfig, type Listener } from './settings/broker-config.js';
import { BROKER_CONFIGS } from './settings/definitions.js';
import type { BrokerContext } from './context.js';
import { HandlerRegistry } from './handlers/registry.js';
import { ALL_HANDLERS } from './handlers/index.js';
import type { BrokerEndpoint, MetadataStore } from '../cluster/metadata.js';
import { RequestDispatcher } from './request-dispatcher.js';
import { SocketServer } from './network/socket-server.js';
import { RequestBudget } from './network/request-budget.js';
import { ProduceServices } from './produce/produce-services.js';
import { FetchService } from './fetch/fetch-service.js';
import { Partitions } from './partition.js';
import { GroupCoordinator } from '../coordinator/group/coordinator.js';
import { TransactionCoordinator } from '../coordinator/txn/transaction-coordinator.js';
import { transactionConfigFrom } from '../coordinator/txn/transaction-config.js';
import { TransactionStateTopic } from '../coordinator/txn/transaction-state-topic.js';
import { BrokerTxnMarkerWriter } from './txn/txn-markers.js';
import { AddPartitionsToTxnSender } from './txn/add-partitions-to-txn-sender.js';
import { applyDynamicBrokerConfigs } from './config-admin/alter.js';
import { loadLz4Wasm, loadZstdWasm } from '../protocol/compression/index.js';
import { KvMetadataStore } from '../cluster/kv-metadata-store.js';
import { systemClock, type Clock } from '../cluster/kv/clock.js';
import { ReplicaManager } from './replica-manager.js';
import { ClientReplicaTransport } from './replica-transport.js';

/** Opens the metadata store once the broker knows its advertised endpoint. */
export type MetadataStoreFactory = (logDir: string, self: BrokerEndpoint, logger: Logger) => MetadataStore | Promise<MetadataStore>;

export interface BrokerOptions {
  config: BrokerConfig;
  metadata: MetadataStoreFactory;
  logger: Logger;
  /** Requests in flight per connection before its reading pauses. */
  maxInFlightPerConnection?: number;
  /** Replication's time (follower lag, acks=all timeouts); tests move a ManualClock. */
  clock?: Clock;
}

/**
 * A running broker: one PLAINTEXT listener, the partition logs under `log.dirs`, the metadata
 * store and the handler registry. `close()` stops accepting, lets in-flight requests finish,
 * then flushes logs and writes checkpoints and the clean-shutdown marker.
 */
export class Broker implements BrokerContext {
  readonly nodeId: number;
  readonly config: BrokerConfig;
  readonly handlers: HandlerRegistry;
  readonly logger: Logger;
  // Assigned in start(), before the first request can be read.
  logs!: LogManager;
  metadata!: MetadataStore;
  partitions!: Partitions;
  produce!: ProduceServices;
  fetch!: FetchService;
  groups!: GroupCoordinator;
  transactions!: TransactionCoordinator;
  /** Replication, when the metadata store is a cluster's; null on a single node. */
  replication: ReplicaManager | null = null;
  private replicaTransport: ClientReplicaTransport | null = null;
  /**
   * How this broker's transaction coordinator reaches the leaders of other brokers' partitions
   * (connections of their own, so that markers never wait behind a follower's parked Fetch);
   * null on a single node.
   */
  markerTransport: ClientReplicaTransport | null = null;
  /** KIP-890 verification with coordinators on other brokers (Kafka's AddPartitionsToTxnManager, its own connections); null on a single node. */
  txnVerification: AddPartitionsToTxnSender | null = null;
  private txnVerificationTransport: ClientReplicaTransport | null = null;
  private server!: SocketServer;
  private endpoint!: BrokerEndpoint;
  private closing: Promise<void> | null = null;

  private constructor(options: BrokerOptions) {
    this.config = options.config;
    this.nodeId = options.config.int('node.id');
    this.logger = options.logger;
    this.handlers = new HandlerRegistry(ALL_HANDLERS);
  }

  static async start(options: BrokerOptions): Promise<Broker> {
    const broker = new Broker(options);
    await broker.startup(options);
    return broker;
  }

  /** `host:port` clients should bootstrap from. */
  get bootstrapServers(): string {
    const host = this.endpoint.host.includes(':') ? `[${this.endpoint.host}]` : this.endpoint.host;
    return `${host}:${this.endpoint.port}`;
  }

  get port(): number {
    return this.server.port;
  }

  private async startup(options: BrokerOptions): Promise<void> {
    const config = this.config;
    // lz4 and zstd batches are walked by WebAssembly decoders; compile them while the logs load.
    void loadLz4Wasm();
    void loadZstdWasm();
    const listener = plaintextListener(config.listeners());
    this.server = new SocketServer(
      {
        host: listener.host === '' ? '0.0.0.0' : listener.host,
        port: listener.port,
        maxRequestBytes: config.int('socket.request.max.bytes'),
        maxConnections: config.int('max.connections'),
        connectionsMaxIdleMs: config.long('connections.max.idle.ms'),
        maxInFlightPerConnection: options.maxInFlightPerConnection ?? 64,
        maxConnectionsPerIp: config.int('max.connections.per.ip'),
        maxConnectionsPerIpOverrides: config.perIpOverrides(),
        maxConnectionCreationRate: config.int('max.connection.creation.rate'),
        budget: new RequestBudget(config.int('queued.max.requests'), requestMemoryBytes(config)),
        // Requests wait until everything below is up: a client connecting during start-up
        // would otherwise meet handlers whose services do not exist yet.
        deferRequestProcessing: true,
      },
      new RequestDispatcher(this),
    );
    await this.server.listen();
    this.endpoint = advertised(config, listener, this.server.port, this.nodeId);
    const dirs = config.logDirs();
    try {
      this.metadata = await options.metadata(dirs[0]!, this.endpoint, this.logger);
      const topicOverrides = new Map<string, Record<string, string>>();
      for (const t of this.metadata.topics()) topicOverrides.set(t.name, { ...t.configs });
      this.logs = LogManager.open({
        config: logManagerConfig(config, dirs),
        defaultLogConfig: logConfigFromBrokerProps(brokerProps(config)),
        topicOverrides,
        logger: storageLogger(this.logger),
      });
      for (const t of this.metadata.topics()) {
        for (const p of t.partitions) {
          if (!p.replicas.includes(this.nodeId)) continue;
          // A single-replica leader's high watermark is its log end (Kafka sets it so when the
          // partition becomes leader); the checkpoint can lag after an unclean stop. With
          // followers, only the ISR moves it.
          const log = this.logs.getOrCreateLog(t.name, p.partition);
          if (p.replicas.length === 1) log.maybeIncrementHighWatermark(log.logEndOffset);
        }
      }
      // Dynamic broker settings (AlterConfigs) saved in the metadata override the static topic defaults.
      applyDynamicBrokerConfigs(this);
      this.logs.startup();
      this.partitions = new Partitions(this.nodeId, this.logs);
      this.produce = new ProduceServices(this);
      this.fetch = new FetchService(this);
      const host = coordinatorTopicHost(this);
      this.groups = GroupCoordinator.onOffsetsTopic(host, this.config, this.metadata);
      await this.groups.startup();
      this.transactions = transactionCoordinator(this, host);
      // Loads every partition of __transaction_state this broker leads (all, on a single node);
      // transactions left prepared get their markers written again.
      await this.transactions.startup();
      if (this.metadata instanceof KvMetadataStore) {
        this.replicaTransport = new ClientReplicaTransport(this.metadata, this.nodeId, config.int('replica.socket.timeout.ms'));
        this.markerTransport = new ClientReplicaTransport(this.metadata, this.nodeId, config.int('request.timeout.ms'), 'txn-markers');
        const verificationTransport = new ClientReplicaTransport(this.metadata, this.nodeId, config.int('request.timeout.ms'), 'txn-verification');
        this.txnVerificationTransport = verificationTransport;
        this.txnVerification = new AddPartitionsToTxnSender(() => verificationTransport, this.logger.child({ component: 'add-partitions-to-txn' }));
        this.replication = new ReplicaManager(this, this.metadata, this.replicaTransport, options.clock ?? systemClock, coordinatorLeadership(this));
        this.replication.start();
      }
    } catch (err) {
      this.replicaTransport?.close();
      this.markerTransport?.close();
      this.txnVerification?.close();
      this.txnVerificationTransport?.close();
      await this.replication?.close();
      await this.server.close(0);
      // A store in a cluster holds a registration and a session: give them up.
      await (this.metadata as MetadataStore | undefined)?.close().catch(() => {});
      throw err;
    }
    this.server.enableRequestProcessing();
    this.logger.info({ bootstrap: this.bootstrapServers, logDirs: dirs, nodeId: this.nodeId }, 'broker started');
  }

  /** Graceful stop; safe to call more than once. */
  close(): Promise<void> {
    if (this.closing === null) this.closing = this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // Controlled shutdown: leadership moves to other ISR members while this broker still serves.
    if (this.replication !== null && this.metadata instanceof KvMetadataStore && this.config.bool('controlled.shutdown.enable')) {
      await this.metadata.controlledShutdown();
    }
    // Waiting fetches answer now rather than at their max_wait_ms, so in-flight requests end.
    this.fetch.completeAll();
    // Parked JoinGroup and SyncGroup requests are answered (NOT_COORDINATOR) for the same reason.
    this.groups.shutdown();
    // Markers still being retried stop; the next start loads the transactions and sends them again.
    this.transactions.shutdown();
    // Followers stop fetching; acks=all appends still waiting are answered NOT_LEADER_OR_FOLLOWER.
    this.replicaTransport?.close();
    this.markerTransport?.close();
    this.txnVerification?.close();
    this.txnVerificationTransport?.close();
    await this.replication?.close();
    await this.server.close();
    await this.logs.shutdown();
    await this.metadata.close();
    this.logger.info('broker stopped');
  }
}

/** The transaction coordinator on this broker's __transaction_state, its markers written here or sent to the partitions' leaders. */
function transactionCoordinator(broker: Broker, host: ReturnType<typeof coordinatorTopicHost>): TransactionCoordinator {
  const config = transactionConfigFrom(broker.config);
  return new TransactionCoordinator({
    config,
    log: new TransactionStateTopic(host, config),
    markerWriter: new BrokerTxnMarkerWriter(broker, () => broker.markerTransport),
    producerIds: broker.produce.producerIds,
    groupPartitionFor: (groupId) => broker.groups.partitionFor(groupId),
    logger: broker.logger.child({ component: 'transaction-coordinator' }),
  });
}

function plaintextListener(listeners: Listener[]): Listener {
  const l = listeners.find((x) => x.name === 'PLAINTEXT');
  if (l === undefined) {
    throw new Error(`listeners: Millrace serves PLAINTEXT only for now; got ${listeners.map((x) => x.name).join(', ') || 'none'}`);
  }
  return l;
}

function advertised(config: BrokerConfig, listener: Listener, boundPort: number, nodeId: number): BrokerEndpoint {
  const adv = config.advertisedListeners().find((x) => x.name === listener.name);
  const rack = config.raw('broker.rack');
  if (adv !== undefined && config.isSet('advertised.listeners')) {
    return { nodeId, host: adv.host === '' ? hostname() : adv.host, port: adv.port === 0 ? boundPort : adv.port, rack };
  }
  const host = listener.host === '' || listener.host === '0.0.0.0' ? hostname() : listener.host;
  return { nodeId, host, port: boundPort, rack };
}

/**
 * The request memory pool: `queued.max.request.bytes`, or when that is -1 (Kafka's default,
 * bounded in Kafka by its JVM heap) `millrace.request.memory.bytes`; <= 0 for none.
 */
function requestMemoryBytes(config: BrokerConfig): number {
  const queued = config.long('queued.max.request.bytes');
  return queued > 0 ? queued : config.long('millrace.request.memory.bytes');
}

/** The broker settings as raw strings, for the storage layer's own parsing of `log.*`. */
function brokerProps(config: BrokerConfig): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of BROKER_CONFIGS.keys()) {
    if (config.isSet(name)) out[name] = config.raw(name) ?? undefined;
  }
  return out;
}

function logManagerConfig(config: BrokerConfig, dirs: string[]) {
  return {
    'log.dirs': dirs,
    'log.retention.check.interval.ms': config.long('log.retention.check.interval.ms'),
    'log.flush.scheduler.interval.ms': config.long('log.flush.scheduler.interval.ms'),
    'log.flush.offset.checkpoint.interval.ms': config.int('log.flush.offset.checkpoint.interval.ms'),
    'log.flush.start.offset.checkpoint.interval.ms': config.int('log.flush.start.offset.checkpoint.interval.ms'),
    'replica.high.watermark.checkpoint.interval.ms': config.long('replica.high.watermark.checkpoint.interval.ms'),
    'log.initial.task.delay.ms': config.long('log.initial.task.delay.ms'),
    'log.cleaner.enable': config.bool('log.cleaner.enable'),
    'log.cleaner.backoff.ms': config.long('log.cleaner.backoff.ms'),
    'log.cleaner.dedupe.buffer.size': config.long('log.cleaner.dedupe.buffer.size'),
    'log.cleaner.io.buffer.size': config.int('log.cleaner.io.buffer.size'),
    'millrace.log.max.open.files': config.int('millrace.log.max.open.files'),
    'millrace.log.index.cache.bytes': config.long('millrace.log.index.cache.bytes'),
  };
}

function storageLogger(logger: Logger): StorageLogger {
  const child = logger.child({ component: 'storage' });
  return {
    debug: (msg) => child.debug(msg),
    info: (msg) => child.info(msg),
    warn: (msg) => child.warn(msg),
    error: (msg) => child.error(msg),
  };
}

/** A pino logger at `level` ('silent' for embedded brokers) writing JSON lines to stderr. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { name: 'millrace' } }, pino.destination(2));
}
