import { createTopic } from './topics.js';
import { brokerLogDirMover, type LogDirMover } from './log-dir-mover.js';
import { resolve as resolvePath } from 'node:path';
import { coordinatorLeadership, coordinatorTopicHost } from './group-coordinator-host.js';
import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';
import { LogManager } from '../storage/log-manager.js';
import { previousBrokerEpoch } from '../storage/checkpoint.js';
import { NodeFs } from '../storage/fs/storage-fs.js';
import { logConfigFromBrokerProps } from '../storage/config.js';
import { BrokerConfig } from './settings/broker-config.js';
import { brokerProps, logManagerConfig, requestMemoryBytes, storageLogger } from './broker-settings.js';
import type { BrokerContext } from './context.js';
import { parseSuperUsers, STANDARD_AUTHORIZER_CLASS, StandardAuthorizer } from '../security/authorizer/standard-authorizer.js';
import { HandlerRegistry } from './handlers/registry.js';
import { ALL_HANDLERS } from './handlers/index.js';
import type { BrokerEndpoint, ListenerEndpoint, MetadataStore } from '../cluster/metadata.js';
import { RequestDispatcher } from './request-dispatcher.js';
import { ClientQuotas } from './quotas/client-quotas.js';
import { SocketServer } from './network/socket-server.js';
import { ConnectionQuotas } from './network/connection-quotas.js';
import { interBrokerClientSecurity, listenerSecurity } from './listener-security.js';
import type { ListenerConfig } from '../security/listeners.js';
import { RequestBudget } from './network/request-budget.js';
import { ProduceServices } from './produce/produce-services.js';
import { FetchService } from './fetch/fetch-service.js';
import { Partitions } from './partition.js';
import { ShareServices } from './share/share-services.js';
import { GroupCoordinator } from '../coordinator/group/coordinator.js';
import { TransactionCoordinator } from '../coordinator/txn/transaction-coordinator.js';
import { transactionConfigFrom } from '../coordinator/txn/transaction-config.js';
import { transactionVersionFromLevel } from '../coordinator/txn/transaction-state.js';
import { featureLevel, TRANSACTION_VERSION } from '../cluster/features.js';
import { TransactionStateTopic } from '../coordinator/txn/transaction-state-topic.js';
import { BrokerTxnMarkerWriter } from './txn/txn-markers.js';
import { AddPartitionsToTxnSender } from './txn/add-partitions-to-txn-sender.js';
import { applyDynamicBrokerConfigs } from './config-admin/alter.js';
import { loadLz4Wasm, loadZstdWasm } from '../protocol/compression/index.js';
import { KvMetadataStore } from '../cluster/kv-metadata-store.js';
import { DelegationTokenManager, type DelegationTokenSettings } from '../security/delegation-tokens.js';
import { systemClock, type Clock } from '../cluster/kv/clock.js';
import { ReplicaManager } from './replica-manager.js';
import { replicaSelectorFor } from '../cluster/replication/replica-selector.js';
import { ClientReplicaTransport } from './replica-transport.js';
import { BrokerStats } from './stats/broker-stats.js';

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
  /**
   * What runs with the broker (the HTTP console of src/console/, which sits above the broker):
   * each is started once the Kafka listeners are bound, before the logs load, so that it can
   * say "not ready" meanwhile; a failure to start fails start-up. Closed when the broker stops.
   */
  services?: readonly BrokerServiceStarter[];
}

/** A service started with the broker (see BrokerOptions.services). */
export interface BrokerService {
  close(): Promise<void>;
}

export type BrokerServiceStarter = (broker: Broker) => Promise<BrokerService>;

/** Where the broker is in its life: requests are served only while running. */
export type BrokerPhase = 'starting' | 'running' | 'stopping';

/**
 * A running broker: its listeners (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), the partition logs under `log.dirs`, the metadata
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
  logDirMover!: LogDirMover;
  produce!: ProduceServices;
  fetch!: FetchService;
  groups!: GroupCoordinator;
  transactions!: TransactionCoordinator;
  share!: ShareServices;
  /** Replication, when the metadata store is a cluster's; null on a single node. */
  replication: ReplicaManager | null = null;
  private replicaTransport: ClientReplicaTransport | null = null;
  private shareStateTransport: ClientReplicaTransport | null = null;
  /**
   * How this broker's transaction coordinator reaches the leaders of other brokers' partitions
   * (connections of their own, so that markers never wait behind a follower's parked Fetch);
   * null on a single node.
   */
  markerTransport: ClientReplicaTransport | null = null;
  /** KIP-890 verification with coordinators on other brokers (Kafka's AddPartitionsToTxnManager, its own connections); null on a single node. */
  txnVerification: AddPartitionsToTxnSender | null = null;
  authorizer: StandardAuthorizer | null = null;
  clientQuotas!: ClientQuotas;
  readonly delegationTokens: DelegationTokenManager;
  private tokenSweep: NodeJS.Timeout | null = null;
  readonly stats = new BrokerStats();
  private phase_: BrokerPhase = 'starting';
  private readonly services: BrokerService[] = [];
  private txnVerificationTransport: ClientReplicaTransport | null = null;
  /** One socket server per listener, in `listeners` order. */
  private servers: SocketServer[] = [];
  private endpoint!: BrokerEndpoint;
  private closing: Promise<void> | null = null;

  private constructor(options: BrokerOptions) {
    this.config = options.config;
    this.nodeId = options.config.int('node.id');
    this.logger = options.logger;
    this.handlers = new HandlerRegistry(ALL_HANDLERS);
    // Built before the listeners: SCRAM looks tokens up through it (the store opens later).
    this.delegationTokens = new DelegationTokenManager(() => this.metadata as MetadataStore | undefined, delegationTokenSettings(options.config));
  }

  static async start(options: BrokerOptions): Promise<Broker> {
    const broker = new Broker(options);
    await broker.startup(options);
    return broker;
  }

  /** `host:port` clients should bootstrap from: the first listener's. */
  get bootstrapServers(): string {
    return this.listenerAddress(this.config.listenerSettings.listeners[0]!.name);
  }

  /** `host:port` of the listener `name` as it is advertised (else as it is bound). */
  listenerAddress(name: string): string {
    const l = this.endpoint.listeners?.find((x) => x.name === name) ?? this.boundEndpoint(name);
    if (l === undefined) throw new Error(`no listener ${name}`);
    return `${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`;
  }

  get phase(): BrokerPhase {
    return this.phase_;
  }

  /**
   * Why the broker should not get traffic yet (null when it should): still starting (its logs
   * are loaded during start-up), stopping, or in a cluster not registered or fenced.
   */
  notReadyReason(): string | null {
    if (this.phase_ === 'starting') return 'starting: partition logs not loaded yet';
    if (this.phase_ === 'stopping') return 'shutting down';
    if (this.metadata instanceof KvMetadataStore) {
      if (!this.metadata.registered) return 'not registered in the cluster metadata';
      if (this.partitions.fenced) return 'fenced: the metadata session was lost';
    }
    return null;
  }

  /** Open connections on each listener, by listener name (Kafka's connection-count of socket-server-metrics). */
  connectionCounts(): Array<{ listener: string; connections: number }> {
    return this.servers.map((server, i) => ({ listener: this.config.listenerSettings.listeners[i]!.name, connections: server.connectionCount }));
  }

  /** The port the first listener is bound to. */
  get port(): number {
    return this.servers[0]!.port;
  }

  private boundEndpoint(name: string): { host: string; port: number } | undefined {
    const i = this.config.listenerSettings.listeners.findIndex((l) => l.name === name);
    if (i < 0) return undefined;
    const l = this.config.listenerSettings.listeners[i]!;
    return { host: l.host === '' || l.host === '0.0.0.0' ? hostname() : l.host, port: this.servers[i]!.port };
  }

  private async startup(options: BrokerOptions): Promise<void> {
    const config = this.config;
    // lz4 and zstd batches are walked by WebAssembly decoders; compile them while the logs load.
    void loadLz4Wasm();
    void loadZstdWasm();
    // Kafka's ReplicaManager loads replica.selector.class at start-up and fails on an unknown class.
    replicaSelectorFor(config.raw('replica.selector.class'));
    await this.openListeners(options);
    this.endpoint = advertised(config, this.servers.map((s) => s.port), this.nodeId);
    const dirs = config.logDirs();
    // The registration carries the log directories and the statically cordoned ones from the
    // start; dynamic `cordoned.log.dirs` (in the store) follows once it is read.
    this.endpoint = { ...this.endpoint, logDirs: dirs.map((d) => resolvePath(d)), cordonedLogDirs: config.cordonedLogDirs().map((d) => resolvePath(d)) };
    // KIP-966: the registration says whether the last run shut down cleanly (the markers are
    // read here, before the logs load and remove them).
    const previousEpoch = previousBrokerEpoch(new NodeFs(), dirs);
    try {
      for (const start of options.services ?? []) this.services.push(await start(this));
      this.metadata = await options.metadata(dirs[0]!, { ...this.endpoint, previousBrokerEpoch: previousEpoch }, this.logger);
      this.authorizer = makeAuthorizer(config, this.metadata);
      const metadata = this.metadata;
      this.clientQuotas = new ClientQuotas(() => metadata.clientQuotas(), config.int('quota.window.size.seconds'), config.int('quota.window.num'));
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
      this.partitions = new Partitions(this.nodeId, this.logs, this.stats.topics);
      this.produce = new ProduceServices(this);
      this.fetch = new FetchService(this);
      // Moves between log directories left unfinished by the last run go on.
      this.logDirMover = brokerLogDirMover(this);
      this.logDirMover.resume();
      const host = coordinatorTopicHost(this);
      this.groups = GroupCoordinator.onOffsetsTopic(host, this.config, this.metadata);
      // Group configs (the GROUP config resource) are read from the metadata at every use, as Kafka's GroupConfigManager does.
      this.groups.useGroupOverrides((groupId) => this.metadata.entityConfigs('groups', groupId));
      await this.groups.startup();
      this.share = new ShareServices(this, host, this.config, options.clock ?? systemClock, this.logger);
      this.groups.share.onMemberRemoved = (groupId, memberId) => this.share.memberLeft(groupId, memberId);
      this.groups.shareStateDeleter = (groupId, topics) => this.share.deleteState(groupId, topics);
      this.share.start();
      this.transactions = transactionCoordinator(this, host);
      // Loads every partition of __transaction_state this broker leads (all, on a single node);
      // transactions left prepared get their markers written again.
      await this.transactions.startup();
      if (this.metadata instanceof KvMetadataStore) {
        const security = interBrokerClientSecurity(config);
        this.replicaTransport = new ClientReplicaTransport(this.metadata, this.nodeId, config.int('replica.socket.timeout.ms'), 'fetcher', security);
        this.markerTransport = new ClientReplicaTransport(this.metadata, this.nodeId, config.int('request.timeout.ms'), 'txn-markers', security);
        const verificationTransport = new ClientReplicaTransport(this.metadata, this.nodeId, config.int('request.timeout.ms'), 'txn-verification', security);
        this.txnVerificationTransport = verificationTransport;
        this.txnVerification = new AddPartitionsToTxnSender(() => verificationTransport, this.logger.child({ component: 'add-partitions-to-txn' }));
        // Share-partition leaders reach the share coordinators on other brokers.
        this.shareStateTransport = new ClientReplicaTransport(this.metadata, this.nodeId, config.int('request.timeout.ms'), 'share-state', security);
        this.share.transport = this.shareStateTransport;
        this.replication = new ReplicaManager(this, this.metadata, this.replicaTransport, options.clock ?? systemClock, coordinatorLeadership(this));
        this.replication.start();
      }
    } catch (err) {
      this.logDirMover?.stop();
      this.replicaTransport?.close();
      this.shareStateTransport?.close();
      this.markerTransport?.close();
      this.txnVerification?.close();
      this.txnVerificationTransport?.close();
      await this.replication?.close();
      await Promise.all(this.servers.map((s) => s.close(0)));
      await this.closeServices();
      // A store in a cluster holds a registration and a session: give them up.
      await (this.metadata as MetadataStore | undefined)?.close().catch(() => {});
      throw err;
    }
    this.startTokenSweep();
    for (const s of this.servers) s.enableRequestProcessing();
    this.phase_ = 'running';
    this.logger.info({ bootstrap: this.bootstrapServers, logDirs: dirs, nodeId: this.nodeId }, 'broker started');
  }

  /**
   * Binds every listener, each with its TLS and SASL settings; they share the connection
   * quotas and the request budget, as Kafka's listeners share its processors' limits.
   */
  private async openListeners(options: BrokerOptions): Promise<void> {
    const config = this.config;
    const dispatcher = new RequestDispatcher(this);
    const quotas = new ConnectionQuotas({
      maxConnections: config.int('max.connections'),
      maxConnectionsPerIp: config.int('max.connections.per.ip'),
      maxConnectionsPerIpOverrides: config.perIpOverrides(),
      maxConnectionCreationRate: config.int('max.connection.creation.rate'),
    });
    await quotas.resolve();
    const budget = new RequestBudget(config.int('queued.max.requests'), requestMemoryBytes(config));
    // Every listener's security is built before any socket is bound, so a bad setting fails start-up cleanly.
    const security = config.listenerSettings.listeners.map((l) => listenerSecurity(this, l));
    try {
      for (let i = 0; i < config.listenerSettings.listeners.length; i++) {
        const listener = config.listenerSettings.listeners[i]!;
        const server = new SocketServer(
          {
            host: listener.host === '' ? '0.0.0.0' : listener.host,
            port: listener.port,
            maxRequestBytes: config.int('socket.request.max.bytes'),
            maxConnections: config.int('max.connections'),
            connectionsMaxIdleMs: config.long('connections.max.idle.ms'),
            maxInFlightPerConnection: options.maxInFlightPerConnection ?? 64,
            quotas,
            budget,
            listenerName: listener.name,
            // Requests wait until the broker has started: a client connecting during start-up
            // would otherwise meet handlers whose services do not exist yet.
            deferRequestProcessing: true,
            // A share consumer's connection closing ends its share sessions and releases its records (Kafka's ShareSessionCache).
            onConnectionClosed: (c) => this.share?.connectionClosed(c.remoteAddress),
            ...security[i]!,
          },
          dispatcher,
        );
        this.servers.push(server);
        await server.listen();
      }
    } catch (err) {
      await Promise.all(this.servers.map((s) => s.close(0)));
      throw err;
    }
  }

  /**
   * Removes expired delegation tokens every `delegation.token.expiry.check.interval.ms`, as
   * Kafka's controller does: in a cluster, only the broker that is the controller.
   */
  private startTokenSweep(): void {
    if (!this.delegationTokens.enabled) return;
    const logger = this.logger.child({ component: 'delegation-tokens' });
    const sweep = () => {
      if (this.metadata.controllerId !== this.nodeId) return;
      const tokens = this.metadata.delegationTokens();
      this.delegationTokens.sweep().then(
        (ids) => {
          for (const id of ids) logger.info({ tokenId: id, owner: tokens.get(id)?.owner }, 'Delegation token expired');
        },
        (err: unknown) => logger.warn({ err }, 'removing expired delegation tokens failed'),
      );
    };
    this.tokenSweep = setInterval(sweep, this.config.long('delegation.token.expiry.check.interval.ms'));
    this.tokenSweep.unref();
  }

  private async closeServices(): Promise<void> {
    const services = this.services.splice(0);
    await closeAll(services, this.logger);
  }

  /** Graceful stop; safe to call more than once. */
  /** Creates a topic with the broker's default partitions and replicas (a share group's DLQ topic): Kafka's error, or null. */
  async createTopicWithDefaults(name: string, configs: Readonly<Record<string, string>>): Promise<{ errorCode: number; message: string } | null> {
    const created = await createTopic(this, name, -1, -1, { ...configs });
    return created.ok ? null : { errorCode: created.errorCode, message: created.message };
  }

  close(): Promise<void> {
    if (this.closing === null) this.closing = this.shutdown(true);
    return this.closing;
  }

  /**
   * Stops as a killed process would leave things (tests of unclean shutdowns on an embedded
   * cluster): no controlled shutdown, no checkpoints or clean-shutdown markers, and the
   * metadata session left to expire rather than revoked.
   */
  kill(): Promise<void> {
    if (this.closing === null) this.closing = this.shutdown(false);
    return this.closing;
  }

  private async shutdown(clean: boolean): Promise<void> {
    this.phase_ = 'stopping';
    if (this.tokenSweep !== null) clearInterval(this.tokenSweep);
    if (!clean && this.metadata instanceof KvMetadataStore) await this.metadata.crash();
    // Controlled shutdown: leadership moves to other ISR members while this broker still serves.
    if (clean && this.replication !== null && this.metadata instanceof KvMetadataStore && this.config.bool('controlled.shutdown.enable')) {
      await this.metadata.controlledShutdown();
    }
    // Waiting fetches answer now rather than at their max_wait_ms, so in-flight requests end.
    this.fetch.completeAll();
    // Parked JoinGroup and SyncGroup requests are answered (NOT_COORDINATOR) for the same reason.
    this.groups.shutdown();
    // Share-partitions' lock timers stop; their state is in __share_group_state.
    this.share?.stop();
    // Markers still being retried stop; the next start loads the transactions and sends them again.
    this.transactions.shutdown();
    // Followers stop fetching; acks=all appends still waiting are answered NOT_LEADER_OR_FOLLOWER.
    this.replicaTransport?.close();
    this.markerTransport?.close();
    this.shareStateTransport?.close();
    this.txnVerification?.close();
    this.txnVerificationTransport?.close();
    await this.replication?.close();
    await Promise.all(this.servers.map((s) => s.close()));
    // Services (the console) kept answering /ready with 503 until the listeners closed.
    await this.closeServices();
    this.logDirMover?.stop();
    if (!clean) {
      this.logs.abandon();
      this.logger.info('broker killed');
      return;
    }
    await this.logs.shutdown(this.metadata instanceof KvMetadataStore ? this.metadata.brokerEpoch : -1);
    await this.metadata.close();
    this.logger.info('broker stopped');
  }
}

/** The delegation token settings, longs read exactly (a lifetime of Long.MAX_VALUE saturates as in Kafka). */
function delegationTokenSettings(config: BrokerConfig): DelegationTokenSettings {
  const long = (name: string) => BigInt(config.raw(name)!.trim());
  return {
    secretKey: config.raw('delegation.token.secret.key'),
    maxLifetimeMs: long('delegation.token.max.lifetime.ms'),
    expiryTimeMs: long('delegation.token.expiry.time.ms'),
  };
}

/** Closes what started with the broker, logging rather than throwing: the broker still stops. */
async function closeAll(services: readonly BrokerService[], logger: Logger): Promise<void> {
  await Promise.all(services.map((s) => s.close().catch((err: unknown) => logger.warn({ err }, 'a service failed to close'))));
}

/** The transaction coordinator on this broker's __transaction_state, its markers written here or sent to the partitions' leaders. */
function transactionCoordinator(broker: Broker, host: ReturnType<typeof coordinatorTopicHost>): TransactionCoordinator {
  const config = transactionConfigFrom(broker.config, () => transactionVersionFromLevel(featureLevel(broker.metadata.finalizedFeatures(), TRANSACTION_VERSION)));
  return new TransactionCoordinator({
    config,
    log: new TransactionStateTopic(host, config),
    markerWriter: new BrokerTxnMarkerWriter(broker, () => broker.markerTransport),
    producerIds: broker.produce.producerIds,
    groupPartitionFor: (groupId) => broker.groups.partitionFor(groupId),
    logger: broker.logger.child({ component: 'transaction-coordinator' }),
  });
}

/**
 * This broker as it registers: every advertised listener (a port of 0 is the port bound, an
 * empty host this machine's name), and at top level the inter-broker listener's address, the
 * one other brokers connect to.
 */
function advertised(config: BrokerConfig, boundPorts: readonly number[], nodeId: number): BrokerEndpoint {
  const settings = config.listenerSettings;
  const rack = config.raw('broker.rack');
  const explicit = config.isSet('advertised.listeners');
  const listeners: ListenerEndpoint[] = settings.advertised.map((adv: ListenerConfig) => {
    const i = settings.listeners.findIndex((l) => l.name === adv.name);
    const bound = boundPorts[i]!;
    const wildcard = adv.host === '' || (!explicit && adv.host === '0.0.0.0');
    return { name: adv.name, host: wildcard ? hostname() : adv.host, port: adv.port === 0 ? bound : adv.port, securityProtocol: adv.securityProtocol };
  });
  const inter = listeners.find((l) => l.name === settings.interBrokerListener)!;
  return { nodeId, host: inter.host, port: inter.port, rack, listeners };
}

/** A pino logger at `level` ('silent' for embedded brokers) writing JSON lines to stderr. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { name: 'millrace' } }, pino.destination(2));
}

/** The authorizer `authorizer.class.name` asks for (the validator let only Kafka's StandardAuthorizer through), or null. */
function makeAuthorizer(config: BrokerConfig, metadata: MetadataStore): StandardAuthorizer | null {
  if ((config.raw('authorizer.class.name') ?? '').trim() !== STANDARD_AUTHORIZER_CLASS) return null;
  return new StandardAuthorizer(
    { superUsers: parseSuperUsers(config.raw('super.users')), allowEveryoneIfNoAclFound: config.bool('allow.everyone.if.no.acl.found') },
    () => metadata.acls(),
  );
}
