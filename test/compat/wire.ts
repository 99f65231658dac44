/**
 * A tiny Kafka protocol client over one TCP connection, on the project's own codecs
 * (encodeRequestFrame / decodeResponseFrame): the seed of the internal client in src/client/.
 * Compat tests use it to set a broker up (create topics, produce our own batches) without
 * going through a client under test.
 *
 *   const conn = await WireConnection.connect('127.0.0.1:9092');
 *   const res = await conn.request(ApiKey.Metadata, conn.version(ApiKey.Metadata), body);
 *
 * Requests may be pipelined; responses are matched by correlation id. `connect` asks
 * ApiVersions first, so `version(apiKey)` is the highest version both sides support.
 */
import net from 'node:net';
import { decodeResponseFrame, encodeRequestFrame } from '../../src/protocol/header.js';
import {
  ApiKey, apiInfo, type RequestTypes, type ResponseTypes,
} from '../../src/protocol/generated/api-keys.js';
import { errorName } from '../../src/protocol/generated/errors.js';
import * as CreateTopicsRequest from '../../src/protocol/generated/create-topics-request.js';
import * as FetchRequest from '../../src/protocol/generated/fetch-request.js';
import * as MetadataRequest from '../../src/protocol/generated/metadata-request.js';
import * as ProduceRequest from '../../src/protocol/generated/produce-request.js';

interface Pending {
  apiKey: number;
  version: number;
  resolve(body: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class WireError extends Error {
  override readonly name = 'WireError';
}

/** "NAME (code)" for a Kafka error code. */
export function describeError(code: number): string {
  return `${errorName(code)} (${code})`;
}

export class WireConnection {
  readonly socket: net.Socket;
  readonly clientId: string;
  /** Request timeout in ms. */
  timeoutMs: number;
  private nextCorrelationId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffered: Buffer = Buffer.alloc(0);
  private closedError: Error | null = null;
  /** The broker's supported versions per API key, from ApiVersions. */
  private readonly brokerVersions = new Map<number, { min: number; max: number }>();

  private constructor(socket: net.Socket, clientId: string, timeoutMs: number) {
    this.socket = socket;
    this.clientId = clientId;
    this.timeoutMs = timeoutMs;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new WireError('connection closed')));
  }

  /** Connects to `host:port` and reads the broker's API versions. */
  static async connect(address: string, options: { clientId?: string; timeoutMs?: number } = {}): Promise<WireConnection> {
    const colon = address.lastIndexOf(':');
    const host = address.slice(0, colon);
    const port = Number(address.slice(colon + 1));
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port });
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
    socket.setNoDelay(true);
    const conn = new WireConnection(socket, options.clientId ?? 'millrace-compat', options.timeoutMs ?? 30_000);
    try {
      const ask = (version: number) => conn.request(ApiKey.ApiVersions, version, {
        clientSoftwareName: 'millrace-compat', clientSoftwareVersion: '0',
      });
      // A broker without v3 answers UNSUPPORTED_VERSION in v0's layout, which a v3 decoder
      // may not read: then ask again with v0, as Kafka's clients do.
      let res = await ask(3).catch(() => null);
      if (res === null || res.errorCode === 35) res = await ask(0);
      if (res.errorCode !== 0) throw new WireError(`ApiVersions: ${describeError(res.errorCode)}`);
      for (const k of res.apiKeys) conn.brokerVersions.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
    } catch (e) {
      conn.close();
      throw e;
    }
    return conn;
  }

  /**
   * The highest version of `apiKey` that both our codecs and the broker support; throws when
   * that is below `atLeast`.
   */
  version(apiKey: number, atLeast = 0): number {
    const ours = apiInfo(apiKey);
    const theirs = this.brokerVersions.get(apiKey);
    if (ours === undefined || theirs === undefined) throw new WireError(`the broker does not support API key ${apiKey}`);
    const v = Math.min(ours.validVersions.highest, theirs.max);
    if (v < atLeast || v < theirs.min || v < ours.validVersions.lowest) {
      throw new WireError(`${ours.name}: no common version >= ${atLeast} (ours ${ours.validVersions.lowest}-${ours.validVersions.highest}, broker ${theirs.min}-${theirs.max})`);
    }
    return v;
  }

  request<K extends keyof RequestTypes & keyof ResponseTypes>(
    apiKey: K, version: number, body: Partial<RequestTypes[K]>,
  ): Promise<ResponseTypes[K]> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    const api = apiInfo(apiKey);
    if (api === undefined) return Promise.reject(new WireError(`unknown API key ${apiKey}`));
    const full = { ...(api.request.defaults() as object), ...body } as RequestTypes[K];
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequestFrame(apiKey, version, { correlationId, clientId: this.clientId }, full as never);
    return new Promise<ResponseTypes[K]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new WireError(`${api.name} v${version}: no response within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(correlationId, { apiKey, version, resolve: resolve as (b: unknown) => void, reject, timer });
      this.socket.write(frame);
    });
  }

  close(): void {
    this.socket.destroy();
    this.fail(new WireError('connection closed'));
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const correlationId = frame.readInt32BE(0);
      const p = this.pending.get(correlationId);
      if (p === undefined) {
        this.fail(new WireError(`response with unknown correlation id ${correlationId}`));
        this.socket.destroy();
        return;
      }
      this.pending.delete(correlationId);
      clearTimeout(p.timer);
      try {
        p.resolve(decodeResponseFrame(frame, p.apiKey, p.version).body);
      } catch (e) {
        p.reject(e as Error);
      }
    }
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(e);
    }
  }
}

/** Broker-side errors that mean "not ready yet" for a topic just created. */
const NOT_READY = new Set([3, 5, 6]); // UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER

/**
 * Creates topics (replication factor 1) and waits until Metadata shows a leader for every
 * partition. Fails on any CreateTopics error, TOPIC_ALREADY_EXISTS included. Returns the topic
 * ids (all zero from brokers without topic ids).
 */
export async function createTopics(
  conn: WireConnection, topics: readonly { name: string; partitions: number; configs?: Record<string, string> }[],
  timeoutMs = 30_000,
): Promise<Map<string, Buffer>> {
  const res = await conn.request(ApiKey.CreateTopics, conn.version(ApiKey.CreateTopics, 1), {
    timeoutMs,
    topics: topics.map((t) => ({
      ...CreateTopicsRequest.defaultCreatableTopic(), name: t.name, numPartitions: t.partitions, replicationFactor: 1,
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
    })),
  });
  for (const t of res.topics) {
    if (t.errorCode !== 0) throw new WireError(`CreateTopics ${t.name}: ${describeError(t.errorCode)} ${t.errorMessage ?? ''}`);
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const md = await conn.request(ApiKey.Metadata, conn.version(ApiKey.Metadata, 1), {
      topics: topics.map((t) => ({ ...MetadataRequest.defaultMetadataRequestTopic(), name: t.name })),
      allowAutoTopicCreation: false,
    });
    const ready = topics.every((want) => {
      const t = md.topics.find((x) => x.name === want.name);
      return t !== undefined && t.errorCode === 0 && t.partitions.length === want.partitions &&
        t.partitions.every((p) => p.errorCode === 0 && p.leaderId >= 0);
    });
    if (ready) return new Map(md.topics.map((t) => [t.name ?? '', t.topicId]));
    if (Date.now() > deadline) throw new WireError(`topics ${topics.map((t) => t.name).join(', ')} have no leaders after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ProducedPartition {
  partition: number;
  baseOffset: number;
}

/**
 * Produces one batch per partition (acks=-1, version at least `minVersion`) in one request;
 * partitions the broker says are not ready yet (just created: no leader, or the leader's log
 * not open yet) are sent again, alone, until they are. Throws on any other error code.
 */
export async function produce(
  conn: WireConnection, topic: string, batches: ReadonlyMap<number, Buffer>, minVersion = 3, timeoutMs = 30_000,
): Promise<ProducedPartition[]> {
  const version = conn.version(ApiKey.Produce, minVersion);
  const done: ProducedPartition[] = [];
  let left = new Map(batches);
  const deadline = Date.now() + timeoutMs;
  while (left.size > 0) {
    const res = await conn.request(ApiKey.Produce, version, {
      transactionalId: null, acks: -1, timeoutMs,
      topicData: [{
        ...ProduceRequest.defaultTopicProduceData(), name: topic,
        partitionData: [...left].map(([index, records]) => ({ ...ProduceRequest.defaultPartitionProduceData(), index, records })),
      }],
    });
    const parts = res.responses.flatMap((t) => t.partitionResponses);
    if (parts.length !== left.size) throw new WireError(`Produce v${version} to ${topic}: ${parts.length} partition responses for ${left.size} batches`);
    const failed = parts.filter((p) => p.errorCode !== 0 && !(NOT_READY.has(p.errorCode) && Date.now() < deadline));
    if (failed.length > 0) {
      throw new WireError(`Produce v${version} to ${topic}: ` + failed.map((p) =>
        `partition ${p.index} ${describeError(p.errorCode)} ${p.errorMessage ?? ''}`.trim()).join('; '));
    }
    const retry = new Map<number, Buffer>();
    for (const p of parts) {
      if (p.errorCode === 0) done.push({ partition: p.index, baseOffset: Number(p.baseOffset) });
      else retry.set(p.index, left.get(p.index)!);
    }
    left = retry;
    if (left.size > 0) await new Promise((r) => setTimeout(r, 100));
  }
  return done;
}

/**
 * Fetches one partition from `offset` (read uncommitted, up to `maxBytes`) and returns the
 * record batches as the broker stored them: the raw `records` bytes of the response.
 */
export async function fetchRaw(
  conn: WireConnection, topic: { name: string; id: Buffer }, partition: number, offset: number, maxBytes = 4 << 20,
): Promise<Buffer> {
  const version = conn.version(ApiKey.Fetch, 4);
  const res = await conn.request(ApiKey.Fetch, version, {
    maxWaitMs: 0, minBytes: 0, maxBytes, isolationLevel: 0,
    topics: [{
      ...FetchRequest.defaultFetchTopic(), topic: topic.name, topicId: topic.id,
      partitions: [{ ...FetchRequest.defaultFetchPartition(), partition, fetchOffset: BigInt(offset), partitionMaxBytes: maxBytes }],
    }],
  });
  if (res.errorCode !== 0) throw new WireError(`Fetch v${version} ${topic.name}: ${describeError(res.errorCode)}`);
  const p = res.responses[0]?.partitions.find((x) => x.partitionIndex === partition);
  if (p === undefined) throw new WireError(`Fetch v${version} ${topic.name}: no response for partition ${partition}`);
  if (p.errorCode !== 0) throw new WireError(`Fetch v${version} ${topic.name}/${partition}: ${describeError(p.errorCode)}`);
  return p.records ?? Buffer.alloc(0);
}
