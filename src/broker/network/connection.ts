import type { Socket } from 'node:net';
import { FrameDecoder, FrameError, type FrameBufferPool } from './frame-decoder.js';

/**
 * What the network layer asks of the rest of the broker. `process` is called once per request
 * frame, in arrival order; it (or something it hands the work to) later calls
 * `connection.complete(seq, response)` exactly once. Completion may happen in any order;
 * responses go out in request order.
 */
export interface RequestProcessor {
  process(frame: Buffer, connection: Connection, seq: number): void;
  /** The connection is gone; pending work for it may be dropped. */
  closed?(connection: Connection): void;
}

export interface ConnectionLimits {
  /** `socket.request.max.bytes`. */
  maxRequestBytes: number;
  /** Requests in progress per connection before reading is paused (backpressure). */
  maxInFlight: number;
  /**
   * Reusable buffers for Produce frames assembled from several reads; each goes back when
   * its request is completed (the handler is done with the records by then).
   */
  framePool?: FrameBufferPool;
}

/**
 * A response frame in chunks written in order (one writev under the cork); `written` runs
 * once the socket is done with them (sent to the kernel, or failed), so their memory can be
 * reused. Not called when the connection closes first.
 */
export interface ChunkedFrame {
  readonly chunks: readonly Buffer[];
  readonly written: ((err?: Error | null) => void) | null;
}

/** Marks a slot whose response has not been produced yet. */
const PENDING = 0;
const READY = 1;

/**
 * One client connection: frames in, responses out in request order, reading paused while too
 * many requests are in flight or the socket's write buffer is full.
 */
export class Connection {
  readonly id: number;
  readonly socket: Socket;
  readonly remoteAddress: string;
  /** Last time (ms since epoch, from the server's coarse clock) bytes moved either way. */
  lastActive: number;
  closed = false;
  /** Why the connection was closed by us, for logs and tests. */
  closeReason = '';

  private readonly processor: RequestProcessor;
  private readonly decoder: FrameDecoder;
  private readonly mask: number;
  private readonly state: Uint8Array;
  private readonly responses: Array<Buffer | ChunkedFrame | null>;
  /** Per slot: the request frame to give back to the frame pool on completion. */
  private readonly pooledFrames: Array<Buffer | null>;
  private readonly framePool: FrameBufferPool | undefined;
  private nextSeq = 0;
  private nextToSend = 0;
  private readPaused = false;
  /** True while drainFrames runs, so a synchronous complete() does not re-enter it. */
  private draining = false;
  private writeBlocked = false;
  private readonly onClosed: (c: Connection) => void;

  constructor(
    id: number,
    socket: Socket,
    processor: RequestProcessor,
    limits: ConnectionLimits,
    now: number,
    onClosed: (c: Connection) => void,
  ) {
    this.id = id;
    this.socket = socket;
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.processor = processor;
    this.framePool = limits.framePool;
    this.decoder = new FrameDecoder(limits.maxRequestBytes, limits.framePool);
    let capacity = 1;
    while (capacity < limits.maxInFlight) capacity <<= 1;
    this.mask = capacity - 1;
    this.state = new Uint8Array(capacity);
    this.responses = new Array<Buffer | ChunkedFrame | null>(capacity).fill(null);
    this.pooledFrames = new Array<Buffer | null>(capacity).fill(null);
    this.lastActive = now;
    this.onClosed = onClosed;
    socket.setNoDelay(true);
    socket.on('data', this.onData.bind(this));
    socket.on('drain', this.onDrain.bind(this));
    socket.on('error', this.onError.bind(this));
    socket.on('close', this.onSocketClose.bind(this));
  }

  get inFlight(): number {
    return this.nextSeq - this.nextToSend;
  }

  /**
   * Delivers the response (a whole frame with its size prefix, in one buffer or in chunks to
   * write in order) for request `seq`; null sends nothing.
   */
  complete(seq: number, response: Buffer | ChunkedFrame | null): void {
    if (this.closed) return;
    const slot = seq & this.mask;
    const frame = this.pooledFrames[slot];
    if (frame !== null && frame !== undefined) {
      this.pooledFrames[slot] = null;
      this.framePool!.release(frame);
    }
    this.responses[slot] = response;
    this.state[slot] = READY;
    if (seq === this.nextToSend) this.flush();
  }

  /** Closes the connection, dropping queued responses. */
  close(reason: string): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.markClosed();
    this.socket.destroy();
  }

  /** Closes after queued responses are written (half-close then end). */
  end(reason: string): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.markClosed();
    this.socket.end();
  }

  private onData(chunk: Buffer): void {
    this.lastActive = Date.now();
    this.decoder.push(chunk);
    this.drainFrames();
  }

  private drainFrames(): void {
    if (this.draining) return;
    this.draining = true;
    const capacity = this.mask + 1;
    while (!this.closed && this.nextSeq - this.nextToSend < capacity) {
      const frame = this.decoder.next();
      if (frame === null) {
        if (this.decoder.error !== FrameError.None) this.rejectFrame();
        break;
      }
      const seq = this.nextSeq++;
      const slot = seq & this.mask;
      this.state[slot] = PENDING;
      this.pooledFrames[slot] = this.decoder.lastFramePooled ? frame : null;
      this.processor.process(frame, this, seq);
    }
    this.draining = false;
    this.updateReading();
  }

  private rejectFrame(): void {
    const size = this.decoder.errorSize;
    if (this.decoder.error === FrameError.TooLarge) {
      this.close(`request size ${size} exceeds socket.request.max.bytes (${this.decoder.maxFrameBytes})`);
    } else {
      this.close(`invalid request size ${size}`);
    }
  }

  private flush(): void {
    const socket = this.socket;
    let corked = false;
    while (this.nextToSend < this.nextSeq) {
      const slot = this.nextToSend & this.mask;
      if (this.state[slot] !== READY) break;
      const response = this.responses[slot];
      this.responses[slot] = null;
      this.state[slot] = PENDING;
      this.nextToSend++;
      if (response !== null && response !== undefined) {
        if (!corked) {
          socket.cork();
          corked = true;
        }
        if (Buffer.isBuffer(response)) {
          if (!socket.write(response)) this.writeBlocked = true;
        } else {
          // Corked: the chunks leave in one writev.
          const chunks = response.chunks;
          const last = chunks.length - 1;
          for (let i = 0; i < last; i++) if (!socket.write(chunks[i])) this.writeBlocked = true;
          if (!socket.write(chunks[last], response.written ?? undefined)) this.writeBlocked = true;
        }
      }
    }
    if (corked) {
      socket.uncork();
      this.lastActive = Date.now();
    }
    // Frames held back by the in-flight limit can go now.
    if (this.decoder.bufferedBytes > 0 && !this.draining) this.drainFrames();
    else this.updateReading();
  }

  private updateReading(): void {
    if (this.closed) return;
    const full = this.nextSeq - this.nextToSend > this.mask || this.writeBlocked;
    if (full && !this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    } else if (!full && this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  private onDrain(): void {
    this.writeBlocked = false;
    this.updateReading();
  }

  private onError(): void {
    // 'close' follows; errors such as ECONNRESET are a client going away, not a broker fault.
  }

  private onSocketClose(): void {
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.processor.closed?.(this);
    this.onClosed(this);
  }
}
