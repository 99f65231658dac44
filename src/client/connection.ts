import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { authenticate, type SaslCredentials } from './sasl.js';
import type { OAuthBearerCredentials } from './oauthbearer-unsecured.js';
import { decodeResponseFrame, encodeRequestFrame } from '../protocol/header.js';
import { ApiKey, apiInfo, type RequestTypes, type ResponseTypes } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import { KafkaConnectionError, KafkaResponseError } from './errors.js';
import { clientMaxVersion } from './client-versions.js';

export type ApiKeyNumber = keyof RequestTypes & keyof ResponseTypes;

export interface ConnectionOptions {
  clientId?: string;
  /** How long a request may wait for its response (Kafka's `request.timeout.ms`, default 30000). */
  requestTimeoutMs?: number;
  /** How long connecting and the ApiVersions exchange may take (default 10000). */
  connectTimeoutMs?: number;
  /** Connect with TLS (SSL and SASL_SSL listeners). */
  tls?: TlsConnectionOptions;
  /** Authenticate with SASL after ApiVersions (SASL_PLAINTEXT and SASL_SSL listeners). */
  sasl?: SaslCredentials | OAuthBearerCredentials;
}

interface Pending {
  apiKey: number;
  version: number;
  deadline: number;
  resolve: (body: unknown) => void;
  reject: (err: Error) => void;
}

const CLIENT_SOFTWARE_NAME = 'millrace';
// Raised by CI's package version if ever needed; brokers only log it.
const CLIENT_SOFTWARE_VERSION = '0';

/**
 * A socket error in one line: OpenSSL's reason rather than its multi-line error stack, with
 * the setting to look at when the host name check failed or the broker asked for a client
 * certificate (mTLS).
 */
function socketErrorText(err: Error & { reason?: unknown; code?: unknown }): string {
  if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `${err.message.trim()} (the host name check of ssl.endpoint.identification.algorithm=https; empty skips it)`;
  if (typeof err.reason !== 'string' || typeof err.code !== 'string' || !err.code.startsWith('ERR_SSL_')) return err.message.trim();
  if (err.reason.includes('certificate required')) return `${err.reason}: the broker requires a client certificate (ssl.keystore.location or ssl.keystore.key)`;
  return err.reason;
}

/**
 * One connection to one broker: requests are pipelined and matched to responses by
 * correlation id. The API versions used are the highest both sides support, learned with
 * ApiVersions when the connection opens.
 */
export class BrokerConnection {
  readonly host: string;
  readonly port: number;
  private readonly socket: Socket;
  private readonly clientId: string;
  private readonly requestTimeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  private readonly brokerVersions = new Map<number, { min: number; max: number }>();
  private nextCorrelationId = 1;
  // Incoming bytes not yet framed: chunks and their total length, joined once a frame is whole.
  private chunks: Buffer[] = [];
  private buffered = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private failure: Error | undefined;

  private constructor(socket: Socket, host: string, port: number, options: ConnectionOptions) {
    this.socket = socket;
    this.host = host;
    this.port = port;
    this.clientId = options.clientId ?? 'millrace';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new KafkaConnectionError(`connection to ${host}:${port} failed: ${socketErrorText(err)}`, { cause: err })));
    socket.on('close', () => this.fail(new KafkaConnectionError(`connection to ${host}:${port} closed`)));
  }

  /** Opens a connection and negotiates API versions. */
  static async connect(host: string, port: number, options: ConnectionOptions = {}): Promise<BrokerConnection> {
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    const tls = options.tls;
    const socket = tls === undefined ? connect({ host, port }) : connectTls({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host, ...tls });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new KafkaConnectionError(`connecting to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once(tls === undefined ? 'connect' : 'secureConnect', () => { clearTimeout(timer); resolve(); });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new KafkaConnectionError(`cannot connect to ${host}:${port}: ${socketErrorText(err)}`, { cause: err }));
      });
    });
    const conn = new BrokerConnection(socket, host, port, options);
    try {
      await conn.negotiateVersions();
      if (options.sasl !== undefined) await authenticate(conn, options.sasl);
    } catch (err) {
      conn.close();
      throw err;
    }
    return conn;
  }

  get closed(): boolean {
    return this.failure !== undefined;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** The broker's supported version range of an API, or undefined when it does not serve it. */
  brokerRange(apiKey: number): { min: number; max: number } | undefined {
    return this.brokerVersions.get(apiKey);
  }

  /** The highest version of `apiKey` both sides support, at most `cap`. */
  version(apiKey: number, cap = Number.MAX_SAFE_INTEGER): number {
    const ours = apiInfo(apiKey);
    const theirs = this.brokerVersions.get(apiKey);
    const name = ours?.name ?? `API ${apiKey}`;
    if (ours === undefined || theirs === undefined) {
      throw new KafkaResponseError(ErrorCode.UNSUPPORTED_VERSION, `${this.host}:${this.port} does not serve ${name}`);
    }
    const v = Math.min(ours.validVersions.highest, clientMaxVersion(apiKey), theirs.max, cap);
    if (v < Math.max(ours.validVersions.lowest, theirs.min)) {
      throw new KafkaResponseError(ErrorCode.UNSUPPORTED_VERSION, `no version of ${name} both sides support`);
    }
    return v;
  }

  /** Sends a request at the negotiated (or given) version and resolves with the response body. */
  request<K extends ApiKeyNumber>(apiKey: K, body: RequestTypes[K], version?: number): Promise<ResponseTypes[K]> {
    let out: { frame: Buffer; version: number; correlationId: number };
    try {
      out = this.encode(apiKey, body, version);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(out.correlationId, {
        apiKey, version: out.version, deadline: Date.now() + this.requestTimeoutMs,
        resolve: resolve as (b: unknown) => void, reject,
      });
      this.armSweeper();
      this.socket.write(out.frame);
    });
  }

  /**
   * Sends a request the broker does not answer (Produce with acks=0). Resolves when the
   * bytes are handed to the kernel, so callers can pace themselves.
   */
  sendWithoutResponse<K extends ApiKeyNumber>(apiKey: K, body: RequestTypes[K], version?: number): Promise<void> {
    let frame: Buffer;
    try {
      frame = this.encode(apiKey, body, version).frame;
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return new Promise((resolve, reject) => {
      this.socket.write(frame, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** The request frame at the negotiated (or given) version; throws when it cannot be sent. */
  private encode(apiKey: number, body: unknown, version: number | undefined): { frame: Buffer; version: number; correlationId: number } {
    const v = version ?? this.version(apiKey);
    if (this.failure !== undefined) throw this.failure;
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequestFrame(apiKey, v, { correlationId, clientId: this.clientId }, body as never);
    return { frame, version: v, correlationId };
  }

  close(): void {
    this.socket.destroy();
    this.fail(new KafkaConnectionError(`connection to ${this.host}:${this.port} closed`));
  }

  private async negotiateVersions(): Promise<void> {
    const body = { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION, clusterId: null, nodeId: -1 };
    let response = await this.request(ApiKey.ApiVersions, body, 3);
    // A broker older than v3 answers UNSUPPORTED_VERSION with its ranges in a v0 body.
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      const theirMax = response.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions)?.maxVersion ?? 0;
      response = await this.request(ApiKey.ApiVersions, body, Math.min(theirMax, 2));
    }
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(response.errorCode, 'ApiVersions');
    for (const k of response.apiKeys) this.brokerVersions.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : this.join();
      const frameSize = 4 + head.readInt32BE(0);
      if (this.buffered < frameSize) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : this.join();
      const frame = all.subarray(0, frameSize);
      const rest = all.subarray(frameSize);
      this.chunks = rest.length === 0 ? [] : [rest];
      this.buffered = rest.length;
      this.onFrame(frame);
    }
  }

  private join(): Buffer {
    const joined = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [joined];
    return joined;
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(4);
    const p = this.pending.get(correlationId);
    if (p === undefined) {
      this.fail(new KafkaConnectionError(`response with unknown correlation id ${correlationId} from ${this.host}:${this.port}`));
      this.socket.destroy();
      return;
    }
    this.pending.delete(correlationId);
    try {
      p.resolve(decodeResponseFrame(frame, p.apiKey, p.version, { sizePrefixed: true }).body);
    } catch (err) {
      p.reject(err as Error);
    }
  }

  // One timer for all requests: it wakes once a second while anything is pending.
  private armSweeper(): void {
    if (this.sweeper !== undefined) return;
    this.sweeper = setInterval(() => this.sweep(), 1000);
    this.sweeper.unref();
  }

  /**
   * A request past its deadline fails, and so does the connection, as Kafka's NetworkClient
   * disconnects on a request timeout: its response may still come, and the connection cannot
   * tell it from a broken stream. The other requests in flight fail with it.
   */
  private sweep(): void {
    const now = Date.now();
    let timedOut: KafkaConnectionError | undefined;
    for (const [id, p] of this.pending) {
      if (p.deadline <= now) {
        this.pending.delete(id);
        const name = apiInfo(p.apiKey)?.name ?? `API ${p.apiKey}`;
        timedOut = new KafkaConnectionError(`${name} request to ${this.host}:${this.port} timed out after ${this.requestTimeoutMs} ms`);
        p.reject(timedOut);
      }
    }
    if (timedOut !== undefined) {
      this.socket.destroy();
      this.fail(new KafkaConnectionError(`disconnected from ${this.host}:${this.port} after a request timed out`));
      return;
    }
    if (this.pending.size === 0 && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private fail(err: Error): void {
    if (this.failure === undefined) this.failure = err;
    if (this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
