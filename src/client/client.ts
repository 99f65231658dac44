import { ApiKey, type RequestTypes, type ResponseTypes } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { MetadataResponse } from '../protocol/generated/metadata-response.js';
import { ZERO_UUID } from '../protocol/primitives/codec-helpers.js';
import { BrokerConnection, type ApiKeyNumber, type ConnectionOptions } from './connection.js';
import { KafkaConnectionError, KafkaResponseError } from './errors.js';

export interface ClientOptions extends ConnectionOptions {
  /** `host:port` entries to start from (Kafka's `bootstrap.servers`). */
  bootstrapServers: readonly string[];
  /** How long to keep retrying retriable errors such as a coordinator still loading (default 30000). */
  retryTimeoutMs?: number;
}

export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** Coordinator key types of FindCoordinator. */
export const CoordinatorType = { GROUP: 0, TRANSACTION: 1 } as const;

/** Splits `host:port` (IPv6 hosts in brackets). */
export function parseHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`invalid broker address "${address}": expected HOST:PORT`);
  }
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

/**
 * A small Kafka client over our own codecs: it finds the brokers from the bootstrap list,
 * keeps one connection per broker, and routes requests to partition leaders and group
 * coordinators. Used by the `millrace` command-line tools and `millrace perf`.
 */
export class KafkaClient {
  private readonly options: ClientOptions;
  private readonly connections = new Map<string, Promise<BrokerConnection>>();
  private readonly nodes = new Map<number, BrokerNode>();
  private bootstrap: BrokerConnection | undefined;
  /** Latest metadata answer, including its cluster id and controller. */
  lastMetadata: MetadataResponse | undefined;

  constructor(options: ClientOptions) {
    if (options.bootstrapServers.length === 0) throw new Error('no bootstrap servers given');
    for (const s of options.bootstrapServers) parseHostPort(s);
    this.options = options;
  }

  /** A connection to any broker of the bootstrap list (the first that answers). */
  async any(): Promise<BrokerConnection> {
    if (this.bootstrap !== undefined && !this.bootstrap.closed) return this.bootstrap;
    let lastError: unknown;
    for (const address of this.options.bootstrapServers) {
      const { host, port } = parseHostPort(address);
      try {
        this.bootstrap = await this.connectTo(host, port);
        return this.bootstrap;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError instanceof Error ? lastError : new KafkaConnectionError('no bootstrap server answered');
  }

  /** A connection to the broker with `nodeId` (known from metadata). */
  async node(nodeId: number): Promise<BrokerConnection> {
    let node = this.nodes.get(nodeId);
    if (node === undefined) {
      await this.metadata([]);
      node = this.nodes.get(nodeId);
      if (node === undefined) throw new KafkaConnectionError(`broker ${nodeId} is not in the cluster metadata`);
    }
    return this.connectTo(node.host, node.port);
  }

  /** Brokers from the latest metadata. */
  brokers(): BrokerNode[] {
    return [...this.nodes.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  /** Sends a request to any broker (for cluster-wide requests: Metadata, CreateTopics, ...). */
  async request<K extends ApiKeyNumber>(apiKey: K, body: RequestTypes[K], version?: number): Promise<ResponseTypes[K]> {
    return (await this.any()).request(apiKey, body, version);
  }

  /**
   * Metadata for `topics` (null: every topic; []: brokers only). Remembers the brokers.
   * Never creates topics.
   */
  async metadata(topics: readonly string[] | null): Promise<MetadataResponse> {
    const conn = await this.any();
    const v = conn.version(ApiKey.Metadata);
    if (topics === null && v === 0) throw new KafkaResponseError(ErrorCode.UNSUPPORTED_VERSION, 'listing all topics needs Metadata v1');
    const response = await conn.request(ApiKey.Metadata, {
      topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
      // Before v4 the request cannot say "don't create"; the broker's setting decides.
      allowAutoTopicCreation: v < 4,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }, v);
    this.nodes.clear();
    for (const b of response.brokers) this.nodes.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    this.lastMetadata = response;
    return response;
  }

  /** The leader of every partition of `topic`, by partition index. */
  async leaders(topic: string): Promise<Map<number, number>> {
    const md = await this.metadata([topic]);
    const t = md.topics[0];
    if (t === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${topic}`);
    if (t.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(t.errorCode, `topic ${topic}`);
    const leaders = new Map<number, number>();
    for (const p of t.partitions) leaders.set(p.partitionIndex, p.leaderId);
    return leaders;
  }

  /** The coordinator of a group (or transactional id), retried while it is loading. */
  async coordinator(key: string, keyType: number = CoordinatorType.GROUP): Promise<BrokerConnection> {
    const deadline = Date.now() + (this.options.retryTimeoutMs ?? 30_000);
    for (let attempt = 0; ; attempt++) {
      const conn = await this.any();
      const v = conn.version(ApiKey.FindCoordinator);
      const body = v >= 4 ? { key: '', keyType, coordinatorKeys: [key] } : { key, keyType, coordinatorKeys: [] };
      const r = await conn.request(ApiKey.FindCoordinator, body, v);
      const found = v >= 4 ? r.coordinators[0] : r;
      if (found === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `FindCoordinator for ${key}: empty answer`);
      if (found.errorCode === ErrorCode.NONE) return this.connectTo(found.host, found.port);
      const err = new KafkaResponseError(found.errorCode, `FindCoordinator for ${key}`, found.errorMessage);
      if (!err.retriable || Date.now() >= deadline) throw err;
      await sleep(Math.min(1000, 50 * 2 ** attempt));
    }
  }

  /**
   * Runs `fn` again while it fails with a retriable Kafka error (coordinator moving or
   * loading, leader elections), until the retry timeout.
   */
  async retrying<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + (this.options.retryTimeoutMs ?? 30_000);
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof KafkaResponseError) || !err.retriable || Date.now() >= deadline) throw err;
        await sleep(Math.min(1000, 50 * 2 ** attempt));
      }
    }
  }

  close(): void {
    for (const c of this.connections.values()) c.then((conn) => conn.close(), () => {});
    this.connections.clear();
    this.bootstrap?.close();
    this.bootstrap = undefined;
  }

  private connectTo(host: string, port: number): Promise<BrokerConnection> {
    const key = `${host}:${port}`;
    const existing = this.connections.get(key);
    if (existing !== undefined) {
      return existing.then((conn) => (conn.closed ? this.reconnect(key, host, port) : conn));
    }
    return this.reconnect(key, host, port);
  }

  private reconnect(key: string, host: string, port: number): Promise<BrokerConnection> {
    const p = BrokerConnection.connect(host, port, this.options);
    this.connections.set(key, p);
    p.catch(() => {
      if (this.connections.get(key) === p) this.connections.delete(key);
    });
    return p;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
