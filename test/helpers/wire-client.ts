import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { decodeResponseFrame, encodeRequestFrame } from '../../src/protocol/header.js';
import type { RequestTypes, ResponseTypes } from '../../src/protocol/generated/api-keys.js';

type Key = keyof RequestTypes & keyof ResponseTypes;

/**
 * A minimal Kafka client for tests: one connection, requests encoded with our codecs,
 * responses matched by correlation id. Also sends raw bytes, to test bad input.
 */
export class WireClient {
  readonly socket: Socket;
  private pending: Buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, { resolve: (frame: Buffer) => void; reject: (err: Error) => void }>();
  private nextCorrelationId = 1;
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      for (const [id, w] of this.waiting) w.reject(new Error(`connection closed before response ${id}`));
      this.waiting.clear();
    });
    socket.on('error', () => {});
  }

  static async connect(bootstrap: string): Promise<WireClient> {
    const i = bootstrap.lastIndexOf(':');
    const socket = connect(Number(bootstrap.slice(i + 1)), bootstrap.slice(0, i).replace(/^\[|\]$/g, ''));
    await once(socket, 'connect');
    return new WireClient(socket);
  }

  /** Sends a request and waits for its response body. */
  async request<K extends Key>(apiKey: K, apiVersion: number, body: RequestTypes[K], clientId = 'millrace-test'): Promise<ResponseTypes[K]> {
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequestFrame(apiKey, apiVersion, { correlationId, clientId }, body as never);
    const response = this.awaitCorrelation(correlationId);
    this.socket.write(frame);
    const raw = await response;
    return decodeResponseFrame(raw, apiKey, apiVersion, { sizePrefixed: true }).body as ResponseTypes[K];
  }

  /** Sends bytes as they are; resolves with the next response frame whose correlation id is `correlationId`. */
  sendRaw(bytes: Buffer, correlationId?: number): Promise<Buffer> | void {
    const p = correlationId === undefined ? undefined : this.awaitCorrelation(correlationId);
    this.socket.write(bytes);
    return p;
  }

  /** Resolves when the broker closes the connection (rejects after `ms`). */
  async waitClosed(ms = 5000): Promise<void> {
    if (this.closed) return;
    await Promise.race([
      once(this.socket, 'close'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('connection still open')), ms).unref()),
    ]);
  }

  close(): void {
    this.socket.destroy();
  }

  private awaitCorrelation(correlationId: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error(`connection closed before response ${correlationId}`));
    return new Promise((resolve, reject) => {
      this.waiting.set(correlationId, { resolve, reject });
    });
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (this.pending.length < 4 + size) break;
      const frame = this.pending.subarray(0, 4 + size);
      this.pending = this.pending.subarray(4 + size);
      const correlationId = frame.readInt32BE(4);
      const waiter = this.waiting.get(correlationId);
      if (waiter !== undefined) {
        this.waiting.delete(correlationId);
        waiter.resolve(frame);
      }
    }
  }
}
