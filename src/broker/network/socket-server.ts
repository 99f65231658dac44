import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { ReadBufferPool } from '../fetch/read-buffer-pool.js';
import { Connection, type RequestProcessor } from './connection.js';

/** Buffers for Produce request frames assembled from several reads, shared by every listener in the process. */
const requestFramePool = new ReadBufferPool();

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
}

/**
 * One listener: accepts connections up to `max.connections`, closes idle ones with a single
 * coarse timer, and on close stops accepting, lets in-flight requests finish, then drops the
 * rest.
 */
export class SocketServer {
  readonly options: SocketServerOptions;
  private readonly server: Server;
  private readonly processor: RequestProcessor;
  private readonly connections = new Set<Connection>();
  private idleTimer: NodeJS.Timeout | null = null;
  private nextId = 0;
  private boundPort = 0;

  constructor(options: SocketServerOptions, processor: RequestProcessor) {
    this.options = options;
    this.processor = processor;
    this.server = createServer({ noDelay: true }, this.onConnection.bind(this));
    this.server.on('error', () => {});
  }

  get port(): number {
    return this.boundPort;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async listen(): Promise<void> {
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
  }

  /** Stops accepting, waits up to `graceMs` for in-flight requests, then closes every connection. */
  async close(graceMs = 5_000): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && [...this.connections].some((c) => c.inFlight > 0)) {
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const c of this.connections) c.end('broker shutting down');
    for (const c of this.connections) c.socket.destroy();
    await closing;
  }

  private onConnection(socket: Socket): void {
    if (this.connections.size >= this.options.maxConnections) {
      socket.destroy();
      return;
    }
    const connection = new Connection(
      this.nextId++,
      socket,
      this.processor,
      { maxRequestBytes: this.options.maxRequestBytes, maxInFlight: this.options.maxInFlightPerConnection, framePool: requestFramePool },
      Date.now(),
      this.onConnectionClosed.bind(this),
    );
    this.connections.add(connection);
  }

  private onConnectionClosed(connection: Connection): void {
    this.connections.delete(connection);
  }

  private closeIdle(): void {
    const cutoff = Date.now() - this.options.connectionsMaxIdleMs;
    for (const c of this.connections) {
      if (c.lastActive < cutoff && c.inFlight === 0) c.close('idle longer than connections.max.idle.ms');
    }
  }
}
