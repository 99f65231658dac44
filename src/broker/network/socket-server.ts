import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { TlsListener } from '../../security/tls-config.js';
import { once } from 'node:events';
import { ReadBufferPool } from './read-buffer-pool.js';
import { Connection, type RequestProcessor } from './connection.js';
import { addressKey, ConnectionQuotas, UNLIMITED } from './connection-quotas.js';
import { RequestBudget } from './request-budget.js';
import { HOUSEKEEPING_MS, MemoryHousekeeper } from './memory-housekeeping.js';

/** Buffers for Produce request frames assembled from several reads, shared by every listener in the process. */
export const requestFramePool = new ReadBufferPool();
/** How long close() lets ended connections write what they have queued before destroying them. */
const END_GRACE_MS = 1_000;

export interface SocketServerOptions {
  host: string;
  port: number;
  /** `socket.request.max.bytes` (Kafka default 100 MiB). */
  maxRequestBytes: number;
  /** `max.connections` (Kafka default Int.MaxValue). */
  maxConnections: number;
  /** `connections.max.idle.ms` (Kafka default 10 minutes). */
  connectionsMaxIdleMs: number;
  /** Requests in flight per connection before its reading pauses. */
  maxInFlightPerConnection: number;
  /** `max.connections.per.ip` (Kafka default Int.MaxValue). */
  maxConnectionsPerIp?: number;
  /** `max.connections.per.ip.overrides`, parsed: host to count. */
  maxConnectionsPerIpOverrides?: ReadonlyMap<string, number>;
  /** `max.connection.creation.rate` (Kafka default Int.MaxValue: none). */
  maxConnectionCreationRate?: number;
  /** `queued.max.requests` and `queued.max.request.bytes`; none when omitted. */
  budget?: RequestBudget;
  /** The listener's name (default PLAINTEXT), given to its connections. */
  listenerName?: string;
  /** TLS on this listener (SSL, SASL_SSL): the server context and how a peer becomes a principal. */
  tls?: TlsListener;
  /** Connection quotas shared with the broker's other listeners (max.connections counts them all). */
  quotas?: ConnectionQuotas;
  /**
   * Called once for each socket whose TLS handshake fails (plaintext bytes, no or an untrusted
   * certificate, a refused protocol version), with the peer's address and port: the broker logs it.
   */
  onTlsFailure?: (error: Error, remoteAddress: string) => void;
  /** Called for each connection before its first request is read (SASL listeners set up its SASL state there). */
  onConnection?: (connection: Connection) => void;
  /**
   * Accepted connections wait unread until enableRequestProcessing() (Kafka's
   * SocketServer.enableRequestProcessing): a broker listens early, to learn its port, but
   * serves only once it has started. Default false: served at once.
   */
  deferRequestProcessing?: boolean;
}

/**
 * One listener: accepts connections within Kafka's connection quotas (connection-quotas.ts),
 * closes idle ones with a single coarse timer, and on close stops accepting, lets in-flight
 * requests finish, then drops the rest.
 */
export class SocketServer {
  readonly options: SocketServerOptions;
  readonly quotas: ConnectionQuotas;
  readonly budget: RequestBudget | undefined;
  private readonly server: Server;
  /** False until enableRequestProcessing() when processing is deferred: connections wait. */
  private processing: boolean;
  private readonly processor: RequestProcessor;
  private readonly connections = new Set<Connection>();
  private idleTimer: NodeJS.Timeout | null = null;
  private housekeepingTimer: NodeJS.Timeout | null = null;
  readonly housekeeper = new MemoryHousekeeper(requestFramePool);
  private nextId = 0;
  private boundPort = 0;
  /** Accepted sockets waiting for a connection slot or the end of a creation-rate throttle. */
  private readonly waiting: Socket[] = [];
  private waitingHead = 0;
  /** The head of `waiting` is already recorded in the creation rate. */
  private headRecorded = false;
  private throttledUntil = 0;
  private throttleTimer: NodeJS.Timeout | null = null;
  private closing = false;
  /** The TLS server accepted sockets are handed to on an SSL or SASL_SSL listener (it never listens itself). */
  private readonly tlsServer: TlsServer | null = null;
  /** Sockets in their TLS handshake, by remote address and port: counted in the quotas, not yet connections. */
  private readonly handshaking = new Map<string, Socket>();
  /** Sockets under handshake whose failure was reported already (by address:port). */
  private readonly tlsReported = new Set<string>();

  constructor(options: SocketServerOptions, processor: RequestProcessor) {
    this.options = options;
    this.processor = processor;
    this.processing = options.deferRequestProcessing !== true;
    this.budget = options.budget;
    this.quotas = options.quotas ?? new ConnectionQuotas({
      maxConnections: options.maxConnections,
      maxConnectionsPerIp: options.maxConnectionsPerIp ?? UNLIMITED,
      maxConnectionsPerIpOverrides: options.maxConnectionsPerIpOverrides ?? new Map(),
      maxConnectionCreationRate: options.maxConnectionCreationRate ?? UNLIMITED,
    });
    // Sockets start paused: nothing is read from a connection before it is admitted and the
    // broker's request memory allows (a read allocates up to 64 KiB per socket).
    this.server = createServer({ noDelay: true, pauseOnConnect: true }, this.onConnection.bind(this));
    this.server.on('error', () => {});
    this.onThrottleEnd = this.onThrottleEnd.bind(this);
    if (options.tls !== undefined) {
      this.tlsServer = createTlsServer(options.tls.serverOptions);
      // A failed handshake (plaintext bytes, an untrusted certificate) destroys its socket; it is
      // only reported, once (Node emits tlsClientError once per socket).
      this.tlsServer.on('tlsClientError', (err: Error, socket: TLSSocket) => this.reportTlsFailure(err, `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`));
      this.tlsServer.on('secureConnection', this.onSecure.bind(this));
    }
  }

  /** Sockets accepted by the kernel and waiting for a slot or a throttle, for tests. */
  get waitingCount(): number {
    return this.waiting.length - this.waitingHead;
  }

  get port(): number {
    return this.boundPort;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async listen(): Promise<void> {
    if (this.options.quotas === undefined) await this.quotas.resolve();
    this.server.listen(this.options.port, this.options.host);
    await Promise.race([
      once(this.server, 'listening'),
      once(this.server, 'error').then(([err]) => Promise.reject(err as Error)),
    ]);
    const address = this.server.address();
    this.boundPort = typeof address === 'object' && address !== null ? address.port : this.options.port;
    const checkEvery = Math.max(10, Math.min(this.options.connectionsMaxIdleMs / 4, 30_000));
    this.idleTimer = setInterval(this.closeIdle.bind(this), checkEvery);
    this.idleTimer.unref();
    this.housekeepingTimer = setInterval(this.housekeeper.tick.bind(this.housekeeper), HOUSEKEEPING_MS);
    this.housekeepingTimer.unref();
  }

  /** Serves the connections that waited, and every new one (see deferRequestProcessing). */
  enableRequestProcessing(): void {
    if (this.processing) return;
    this.processing = true;
    this.acceptWaiting();
  }

  /**
   * Stops accepting, waits up to `graceMs` for in-flight requests, then ends every connection
   * (queued responses written) and, after END_GRACE_MS, destroys those the client has not closed.
   */
  async close(graceMs = 5_000): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
    if (this.housekeepingTimer) clearInterval(this.housekeepingTimer);
    this.housekeepingTimer = null;
    this.closing = true;
    if (this.throttleTimer !== null) clearTimeout(this.throttleTimer);
    this.throttleTimer = null;
    for (let i = this.waitingHead; i < this.waiting.length; i++) this.waiting[i]!.destroy();
    for (const s of this.handshaking.values()) s.destroy();
    this.waiting.length = 0;
    this.waitingHead = 0;
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && [...this.connections].some((c) => c.inFlight > 0)) {
      await new Promise((r) => setTimeout(r, 5));
    }
    // end() drops a connection from the set at once, so keep the list: a client that never
    // closes its side after our FIN would otherwise hold server.close() open for ever.
    const open = [...this.connections];
    for (const c of open) c.end('broker shutting down');
    const flushed = Date.now() + END_GRACE_MS;
    while (Date.now() < flushed && open.some((c) => !c.socket.destroyed)) {
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const c of open) c.socket.destroy();
    await closing;
  }

  private onConnection(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const quotas = this.quotas;
    if (this.processing && this.waitingCount === 0 && !quotas.rateLimited && quotas.slotAvailable()) {
      this.admit(socket);
      return;
    }
    if (this.waitingCount >= ConnectionQuotas.MAX_WAITING) {
      // Past the listen backlog: the kernel would have refused it.
      socket.destroy();
      return;
    }
    // Waits as Kafka's acceptor does: unread (paused since accepted), in order.
    socket.on('error', noop);
    this.waiting.push(socket);
    this.acceptWaiting();
  }

  /**
   * Serves waiting sockets while a slot is free and no throttle runs (Kafka's
   * waitForConnectionSlot); a throttle sets one timer, a full broker waits for a close.
   */
  private acceptWaiting(): void {
    const quotas = this.quotas;
    while (this.processing && this.waitingHead < this.waiting.length && !this.closing) {
      const now = Date.now();
      if (now < this.throttledUntil) {
        this.throttleTimer ??= setTimeout(this.onThrottleEnd, this.throttledUntil - now);
        return;
      }
      const socket = this.waiting[this.waitingHead]!;
      if (socket.destroyed) {
        this.shiftWaiting();
        continue;
      }
      if (!this.headRecorded) {
        const throttleMs = quotas.recordCreation(now);
        this.headRecorded = true;
        if (throttleMs > 0) {
          this.throttledUntil = now + throttleMs;
          continue;
        }
      }
      if (!quotas.slotAvailable()) return;
      this.shiftWaiting();
      socket.removeListener('error', noop);
      this.admit(socket);
    }
  }

  private onThrottleEnd(): void {
    this.throttleTimer = null;
    this.acceptWaiting();
  }

  private shiftWaiting(): void {
    this.waiting[this.waitingHead++] = undefined as unknown as Socket;
    this.headRecorded = false;
    if (this.waitingHead === this.waiting.length) {
      this.waiting.length = 0;
      this.waitingHead = 0;
    }
  }

  /** Counts the connection against its address's limit and serves it, or closes it. */
  private admit(raw: Socket): void {
    const ip = addressKey(raw.remoteAddress);
    if (!this.quotas.tryInc(ip)) {
      // TooManyConnectionsException: closed right away.
      raw.destroy();
      return;
    }
    if (this.tlsServer !== null) {
      this.handshake(raw, ip);
      return;
    }
    this.serve(raw, ip, 'User:ANONYMOUS');
  }

  /** Reports a failed handshake once: `key` is remembered until its socket closes. */
  private reportTlsFailure(err: Error, key: string): void {
    if (this.handshaking.has(key)) this.tlsReported.add(key);
    this.options.onTlsFailure?.(err, key);
  }

  /**
   * The TLS handshake of an admitted socket, run by node:tls's server (client certificate
   * checks included); the connection is served once it is done (onSecure), and a socket that
   * fails it (plaintext bytes, no or an untrusted certificate) gives its quota back when it closes.
   */
  private handshake(raw: Socket, ip: string): void {
    const key = `${raw.remoteAddress}:${raw.remotePort}`;
    this.handshaking.set(key, raw);
    raw.once('close', () => {
      const reported = this.tlsReported.delete(key);
      if (this.handshaking.get(key) !== raw) return;
      this.handshaking.delete(key);
      this.quotas.dec(ip);
      // node:tls drops a client certificate it does not trust (ssl.client.auth=required) without
      // an event: a socket that sent bytes and closed mid-handshake unreported is taken for one.
      if (!reported && !this.closing && raw.bytesRead > 0) {
        this.options.onTlsFailure?.(new Error('the TLS handshake did not complete: the client certificate was refused, or the client left'), key);
      }
    });
    this.tlsServer!.emit('connection', raw);
  }

  private onSecure(socket: TLSSocket): void {
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    const raw = this.handshaking.get(key);
    if (raw === undefined) {
      socket.destroy();
      return;
    }
    const principal = this.closing ? null : this.options.tls!.principalOf(socket);
    if (principal === null) {
      // ssl.client.auth=requested: a certificate was sent and is not trusted (or names no principal).
      if (!this.closing) this.reportTlsFailure(new Error(`client certificate refused: ${String(socket.authorizationError ?? 'no principal')}`), key);
      socket.destroy();
      return;
    }
    this.handshaking.delete(key);
    this.serve(socket, addressKey(raw.remoteAddress), principal);
  }

  private serve(socket: Socket, ip: string, principal: string): void {
    const connection = new Connection(
      this.nextId++,
      socket,
      this.processor,
      {
        maxRequestBytes: this.options.maxRequestBytes,
        maxInFlight: this.options.maxInFlightPerConnection,
        framePool: requestFramePool,
        budget: this.budget,
      },
      Date.now(),
      this.onConnectionClosed.bind(this),
    );
    connection.quotaKey = ip;
    connection.listenerName = this.options.listenerName ?? 'PLAINTEXT';
    connection.principal = principal;
    this.options.onConnection?.(connection);
    this.connections.add(connection);
  }

  private onConnectionClosed(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    this.quotas.dec(connection.quotaKey);
    this.housekeeper.closedSinceTick++;
    if (this.waitingCount > 0 && this.throttleTimer === null) this.acceptWaiting();
  }

  private closeIdle(): void {
    const cutoff = Date.now() - this.options.connectionsMaxIdleMs;
    for (const c of this.connections) {
      if (c.lastActive < cutoff && c.inFlight === 0) c.close('idle longer than connections.max.idle.ms');
    }
  }
}

function noop(): void {}
