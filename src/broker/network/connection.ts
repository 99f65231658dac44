import type { Socket } from 'node:net';
import { afterSocketRead } from './collector.js';
import { javaHostAddress } from './host-address.js';
import { FrameDecoder, FrameError, type FrameBufferPool } from './frame-decoder.js';
import { RequestBudget, type BudgetWaiter } from './request-budget.js';
import type { SaslSession } from '../../security/sasl/sasl-session.js';

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
  /** `queued.max.requests` and `queued.max.request.bytes`, shared by the broker's connections. */
  budget?: RequestBudget;
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

/** Per slot: the request is counted in the broker's `queued.max.requests`. */
const QUEUED = 1;

const FETCH_API_KEY = 1;

/** Without a broker budget (tests that build a SocketServer alone): no broker-wide bounds. */
const UNBOUNDED = new RequestBudget(Number.MAX_SAFE_INTEGER, -1);

/**
 * One client connection: frames in, responses out in request order. Kafka reads one request
 * per channel and mutes the channel until its response is sent; Millrace pipelines, and bounds
 * what a connection may hold instead. The next request is read (decoded and dispatched) only
 * while:
 * - fewer than `maxInFlight` of its requests are unanswered;
 * - its responses are being taken by the socket (no write has reported a full buffer since the
 *   last 'drain'): a client that does not read its responses stops being read, so no more
 *   work, disk reads included, is done for responses that cannot be sent;
 * - it is not a Fetch while another Fetch of the connection is unanswered (a Fetch response
 *   holds up to `fetch.max.bytes`; one per connection, as in Kafka);
 * - the broker's `queued.max.requests` and request memory (`queued.max.request.bytes`) allow;
 * - no client quota throttle mutes it (`throttle`).
 * Otherwise the socket is paused (its bytes stay in the kernel) until the reason goes away.
 */
export class Connection implements BudgetWaiter {
  readonly id: number;
  readonly socket: Socket;
  readonly remoteAddress: string;
  /** The peer's IP address as Java writes it (Kafka's ACL host filters compare with that). */
  readonly remoteHost: string;
  /** Last time (ms since epoch, from the server's coarse clock) bytes moved either way. */
  lastActive: number;
  /** performance.now() of the last socket read: a request's queue time runs from it (RequestQueueTimeMs). */
  lastReadAt = 0;
  closed = false;
  /** Why the connection was closed by us, for logs and tests. */
  closeReason = '';
  /** The address its connection quota is counted under. */
  quotaKey = '';
  /** The listener it came in on (upper case), for the endpoints Metadata answers with. */
  listenerName = 'PLAINTEXT';
  /** The authenticated principal (`User:ANONYMOUS` until TLS or SASL says otherwise), for the authorizer. */
  principal = 'User:ANONYMOUS';
  /** True when SASL authenticated it with a delegation token (Kafka's KafkaPrincipal.tokenAuthenticated). */
  tokenAuthenticated = false;
  /**
   * SASL state of a SASL_PLAINTEXT / SASL_SSL connection (src/security/sasl), null on other
   * listeners; requests are served only once it has authenticated.
   */
  sasl: SaslSession | null = null;

  private readonly processor: RequestProcessor;
  private readonly decoder: FrameDecoder;
  private readonly mask: number;
  private readonly state: Uint8Array;
  private readonly responses: Array<Buffer | ChunkedFrame | null>;
  /** Per slot: the request frame to give back to the frame pool on completion. */
  private readonly pooledFrames: Array<Buffer | null>;
  private readonly framePool: FrameBufferPool | undefined;
  /** Per slot: bytes the request took from the broker's request memory. */
  private readonly charges: Float64Array;
  /** Per slot: QUEUED while counted in `queued.max.requests`. */
  private readonly queuedFlags: Uint8Array;
  private readonly budget: RequestBudget;
  private nextSeq = 0;
  private nextToSend = 0;
  private readPaused = false;
  /** True while drainFrames runs, so a synchronous complete() does not re-enter it. */
  private draining = false;
  private writeBlocked = false;
  /** Seq of the unanswered Fetch, or -1. */
  private fetchSeq = -1;
  /** A Fetch frame read while another Fetch was unanswered: dispatched when that one is. */
  private heldFrame: Buffer | null = null;
  private heldPooled = false;
  private heldCharge = 0;
  /** True while registered with the budget to be woken. */
  private waitingBudget = false;
  private readonly onClosed: (c: Connection) => void;
  private readonly maxRequestBytes: number;
  /** Set while a quota throttle mutes the connection (no request is read until it fires). */
  private throttleTimer: ReturnType<typeof setTimeout> | null = null;
  private throttledUntil = 0;

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
    this.remoteHost = javaHostAddress(socket.remoteAddress ?? '?');
    this.processor = processor;
    this.framePool = limits.framePool;
    let capacity = 1;
    while (capacity < limits.maxInFlight) capacity <<= 1;
    this.mask = capacity - 1;
    this.state = new Uint8Array(capacity);
    this.responses = new Array<Buffer | ChunkedFrame | null>(capacity).fill(null);
    this.pooledFrames = new Array<Buffer | null>(capacity).fill(null);
    this.charges = new Float64Array(capacity);
    this.queuedFlags = new Uint8Array(capacity);
    this.budget = limits.budget ?? UNBOUNDED;
    this.decoder = new FrameDecoder(limits.maxRequestBytes, limits.framePool, this.budget);
    this.maxRequestBytes = limits.maxRequestBytes;
    this.lastActive = now;
    this.onClosed = onClosed;
    socket.setNoDelay(true);
    socket.on('data', this.onData.bind(this));
    socket.on('drain', this.onDrain.bind(this));
    socket.on('error', this.onError.bind(this));
    socket.on('close', this.onSocketClose.bind(this));
    // Accepted paused (socket-server.ts). While the broker's request memory is exhausted a new
    // connection is not read at all until some comes back: Kafka would read its 4-byte size
    // and then mute it, but a Node read takes up to 64 KiB, and hundreds of connections
    // opened during an attack would each pin that much. Connections already open keep being
    // read, and a request they send whole is served past the pool.
    if (this.budget.outOfMemory) {
      this.readPaused = true;
      this.waitForBudget();
    } else {
      socket.resume();
    }
  }

  /**
   * Largest request frame read from now on: `sasl.server.max.receive.size` until SASL
   * authentication completes (Kafka's SaslServerAuthenticator reads no more), then
   * `socket.request.max.bytes` again (null).
   */
  limitRequestBytes(max: number | null): void {
    this.decoder.maxFrameBytes = max ?? this.maxRequestBytes;
  }

  /**
   * A client quota was exceeded: read no request for `ms` (extending a throttle in progress),
   * as Kafka mutes a throttled channel after sending its response (KIP-219). Responses still
   * go out; requests already being handled still complete. Call it before completing the
   * throttled request, so that completing it does not read the next one.
   */
  throttle(ms: number): void {
    if (this.closed || ms <= 0) return;
    const until = Date.now() + ms;
    if (until <= this.throttledUntil) return;
    this.throttledUntil = until;
    if (this.throttleTimer !== null) clearTimeout(this.throttleTimer);
    this.throttleTimer = setTimeout(this.onThrottleEnd, ms);
    this.updateReading();
  }

  /** True while a quota throttle mutes the connection. */
  get throttled(): boolean {
    return this.throttleTimer !== null;
  }

  private readonly onThrottleEnd = (): void => {
    this.throttleTimer = null;
    this.throttledUntil = 0;
    if (!this.closed) this.drainFrames();
  };

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
    if (seq === this.fetchSeq) this.fetchSeq = -1;
    this.releaseSlot(slot);
    if (seq === this.nextToSend) this.flush();
    else if (this.heldFrame !== null && this.fetchSeq < 0) this.drainFrames();
  }

  /**
   * Request `seq` waits for an event (a long-poll Fetch, a JoinGroup in a rebalance): it no
   * longer counts in `queued.max.requests`, as a request in a Kafka purgatory has left the
   * request queue.
   */
  parked(seq: number): void {
    if (this.closed || seq < this.nextToSend || seq >= this.nextSeq) return;
    const slot = seq & this.mask;
    if (this.state[slot] !== PENDING || this.queuedFlags[slot] !== QUEUED) return;
    this.queuedFlags[slot] = 0;
    this.budget.dequeue();
  }

  /** RequestBudget: requests or memory were freed. */
  budgetAvailable(): void {
    this.waitingBudget = false;
    if (!this.closed) this.drainFrames();
  }

  /** Gives back what the request in `slot` holds of the broker's budget. */
  private releaseSlot(slot: number): void {
    if (this.queuedFlags[slot] === QUEUED) {
      this.queuedFlags[slot] = 0;
      this.budget.dequeue();
    }
    const charge = this.charges[slot]!;
    if (charge > 0) {
      this.charges[slot] = 0;
      this.budget.release(charge);
    }
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
    this.lastReadAt = performance.now();
    this.decoder.push(chunk);
    this.drainFrames();
    afterSocketRead(chunk.length, this.decoder.bufferedBytes);
  }

  private drainFrames(): void {
    if (this.draining) return;
    this.draining = true;
    const capacity = this.mask + 1;
    const budget = this.budget;
    while (!this.closed && !this.writeBlocked && this.throttleTimer === null && this.nextSeq - this.nextToSend < capacity) {
      if (!budget.canQueue) {
        this.waitForBudget();
        break;
      }
      let frame: Buffer | null;
      let pooled: boolean;
      let charge: number;
      if (this.heldFrame !== null) {
        if (this.fetchSeq >= 0) break;
        frame = this.heldFrame;
        pooled = this.heldPooled;
        charge = this.heldCharge;
        this.heldFrame = null;
      } else {
        frame = this.decoder.next();
        if (frame === null) {
          if (this.decoder.needsMemory) this.waitForBudget();
          else if (this.decoder.error !== FrameError.None) this.rejectFrame();
          break;
        }
        pooled = this.decoder.lastFramePooled;
        charge = this.decoder.lastFrameCharge;
        if (frame.length >= 2 && frame.readInt16BE(0) === FETCH_API_KEY && this.fetchSeq >= 0) {
          this.heldFrame = frame;
          this.heldPooled = pooled;
          this.heldCharge = charge;
          break;
        }
      }
      const seq = this.nextSeq++;
      const slot = seq & this.mask;
      this.state[slot] = PENDING;
      this.pooledFrames[slot] = pooled ? frame : null;
      this.charges[slot] = charge;
      this.queuedFlags[slot] = QUEUED;
      budget.enqueue();
      if (frame.length >= 2 && frame.readInt16BE(0) === FETCH_API_KEY) this.fetchSeq = seq;
      this.processor.process(frame, this, seq);
    }
    this.draining = false;
    this.updateReading();
  }

  private waitForBudget(): void {
    if (this.waitingBudget) return;
    this.waitingBudget = true;
    this.budget.wait(this);
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
          for (let i = 0; i < last; i++) if (!socket.write(chunks[i]!)) this.writeBlocked = true;
          if (!socket.write(chunks[last]!, response.written ?? undefined)) this.writeBlocked = true;
        }
      }
    }
    if (corked) {
      socket.uncork();
      this.lastActive = Date.now();
    }
    // Frames held back by the in-flight limit can go now.
    if ((this.decoder.bufferedBytes > 0 || this.heldFrame !== null) && !this.draining) this.drainFrames();
    else this.updateReading();
  }

  /** Reads from the socket only while the next request could be taken. */
  private updateReading(): void {
    if (this.closed) return;
    const full = this.nextSeq - this.nextToSend > this.mask || this.writeBlocked || this.waitingBudget || this.heldFrame !== null || this.throttleTimer !== null;
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
    if ((this.decoder.bufferedBytes > 0 || this.heldFrame !== null) && !this.draining) this.drainFrames();
    else this.updateReading();
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
    if (this.throttleTimer !== null) clearTimeout(this.throttleTimer);
    this.throttleTimer = null;
    this.releaseAll();
    this.processor.closed?.(this);
    this.onClosed(this);
  }

  /** A closed connection gives back every request slot, held frame and buffered byte it had. */
  private releaseAll(): void {
    for (let seq = this.nextToSend; seq < this.nextSeq; seq++) {
      const slot = seq & this.mask;
      this.responses[slot] = null;
      this.pooledFrames[slot] = null;
      this.releaseSlot(slot);
    }
    this.nextToSend = this.nextSeq;
    if (this.heldFrame !== null) {
      this.heldFrame = null;
      if (this.heldCharge > 0) this.budget.release(this.heldCharge);
      this.heldCharge = 0;
    }
    const charged = this.decoder.chargedBytes;
    this.decoder.clear();
    if (charged > 0) this.budget.release(charged);
  }
}
