import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, createLogger, type BrokerServiceStarter } from '../../src/broker/broker.js';
import { BrokerConfig } from '../../src/broker/settings/broker-config.js';
import type { MetadataStore, TopicMetadata } from '../../src/cluster/metadata.js';
import { createTopic } from '../../src/broker/topics.js';
import { LocalMetadataStore } from '../../src/cluster/local-metadata-store.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { WireClient } from './wire-client.js';
import type { Logger } from 'pino';

/**
 * An embedded broker whose logs and metadata a test can reach (startBroker hides them), with
 * a wire client connected to it. The one way tests start a broker in-process.
 */
export interface TestBroker {
  broker: Broker;
  bootstrap: string;
  client: WireClient;
  logDir: string;
  /** Stops the broker; removes its directory unless `keepDir`. */
  close(keepDir?: boolean): Promise<void>;
}

export interface TestBrokerOptions {
  /** Broker settings by Kafka's names. */
  config?: Record<string, string | number | boolean>;
  /** The broker's logger; one at MILLRACE_TEST_LOG (default silent) writing to stderr when omitted. */
  logger?: Logger;
  /** Data directory (to restart on the same data); a new temporary one when omitted. */
  logDir?: string;
  /** Rewrites topics as the metadata store returns them (to fake ISRs and leaders). */
  rewriteTopic?: (t: TopicMetadata) => TopicMetadata;
  /** Extra brokers the metadata lists. */
  extraBrokers?: Array<{ nodeId: number; host: string; port: number; rack: string | null }>;
  /** What starts with the broker (the console: `consoleService` of src/console/server.ts). */
  services?: readonly BrokerServiceStarter[];
}

export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'millrace-test-'));
  const config = BrokerConfig.load({ overrides: { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': logDir, ...options.config } });
  const broker = await Broker.start({
    config,
    logger: options.logger ?? createLogger(process.env.MILLRACE_TEST_LOG ?? 'silent'),
    ...(options.services === undefined ? {} : { services: options.services }),
    metadata: (dir, self) => {
      const store = LocalMetadataStore.open(dir, self);
      if (options.rewriteTopic === undefined && options.extraBrokers === undefined) return store;
      return wrapStore(store, options.rewriteTopic ?? ((t) => t), options.extraBrokers ?? []);
    },
  });
  const client = await WireClient.connect(broker.bootstrapServers);
  client.socket.setMaxListeners(0);
  return {
    broker,
    bootstrap: broker.bootstrapServers,
    client,
    logDir,
    async close(keepDir = false) {
      client.close();
      await broker.close();
      if (!keepDir) rmSync(logDir, { recursive: true, force: true });
    },
  };
}

function wrapStore(store: MetadataStore, rewrite: (t: TopicMetadata) => TopicMetadata, extra: NonNullable<TestBrokerOptions['extraBrokers']>): MetadataStore {
  return {
    get clusterId() {
      return store.clusterId;
    },
    get controllerId() {
      return store.controllerId;
    },
    brokers: () => [...store.brokers(), ...extra],
    *topics() {
      for (const t of store.topics()) yield rewrite(t);
    },
    topic: (name) => {
      const t = store.topic(name);
      return t === undefined ? undefined : rewrite(t);
    },
    topicById: (id) => {
      const t = store.topicById(id);
      return t === undefined ? undefined : rewrite(t);
    },
    createTopic: (...args) => store.createTopic(...args),
    deleteTopic: (name) => store.deleteTopic(name),
    createPartitions: (name, total) => store.createPartitions(name, total),
    setTopicConfigs: (name, configs) => store.setTopicConfigs(name, configs),
    setLogDirs: (logDirs, cordoned) => store.setLogDirs(logDirs, cordoned),
    scramCredentials: (user) => store.scramCredentials(user),
    scramUsers: () => store.scramUsers(),
    alterScramCredentials: (changes) => store.alterScramCredentials(changes),
    delegationTokens: () => store.delegationTokens(),
    putDelegationToken: (token, basis) => store.putDelegationToken(token, basis),
    removeDelegationTokens: (ids) => store.removeDelegationTokens(ids),
    acls: () => store.acls(),
    alterAcls: (add, remove) => store.alterAcls(add, remove),
    clientQuotas: () => store.clientQuotas(),
    alterClientQuotas: (changes) => store.alterClientQuotas(changes),
    entityConfigs: (type, name) => store.entityConfigs(type, name),
    entityConfigNames: (type) => store.entityConfigNames(type),
    setEntityConfigs: (type, name, configs) => store.setEntityConfigs(type, name, configs),
    finalizedFeatures: () => store.finalizedFeatures(),
    setFeatureLevels: (levels, basis) => store.setFeatureLevels(levels, basis),
    ...(store.registeredFeatures === undefined ? {} : { registeredFeatures: () => store.registeredFeatures!() }),
    ...(store.brokerConfigs === undefined ? {} : { brokerConfigs: (scope: string) => store.brokerConfigs!(scope) }),
    ...(store.setBrokerConfigs === undefined ? {} : { setBrokerConfigs: (scope: string, configs: Record<string, string>) => store.setBrokerConfigs!(scope, configs) }),
    close: () => store.close(),
  };
}

/** Creates a topic through the broker's own topic code (not the wire) and fails on any error. */
export async function makeTopic(tb: TestBroker, name: string, partitions = 1, configs: Record<string, string> = {}): Promise<TopicMetadata> {
  const r = await createTopic(tb.broker, name, partitions, 1, configs);
  if (!r.ok) throw new Error(`creating ${name}: ${r.message}`);
  return r.topic;
}

export function logOf(tb: TestBroker, topic: string, partition = 0): PartitionLog {
  const log = tb.broker.logs.getLog(topic, partition);
  if (log === undefined) throw new Error(`no log for ${topic}-${partition}`);
  return log;
}

/** The principals of the broker's open connections on `listener` (the authorizer's view of them). */
export function principalsOn(tb: TestBroker, listener: string): string[] {
  // The socket servers and their connection sets are private: tests look, nothing else does.
  const servers = (tb.broker as unknown as { servers: Array<{ options: { listenerName?: string }; connections: Set<{ principal: string; closed: boolean }> }> }).servers;
  const out: string[] = [];
  for (const s of servers) {
    if ((s.options.listenerName ?? 'PLAINTEXT') !== listener) continue;
    for (const c of s.connections) if (!c.closed) out.push(c.principal);
  }
  return out.sort();
}
