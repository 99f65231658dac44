/**
 * Splits a TCP byte stream into Kafka frames (int32 size prefix, then that many bytes).
 * The size is checked against the limit before any buffer for the frame is allocated; a frame
 * that arrives inside one chunk is handed out as a view with no copy.
 *
 * A Produce frame that spans chunks (most of them: socket reads come in 64 KiB pieces and
 * produce requests are often larger) is assembled in a buffer from `pool` when one is given,
 * and `lastFramePooled` says so: the connection gives it back once the request is answered.
 * Without the pool every such frame was a fresh allocation, and that external memory, beside
 * Node's own read buffers, kept V8's collector busy (see BENCHMARKS.md, produce path profile).
 */
export const enum FrameError {
  None = 0,
  /** Size prefix over `socket.request.max.bytes`. */
  TooLarge = 1,
  /** Size prefix zero or negative. */
  Invalid = 2,
}

/** Where assembled frames may come from (src/broker/network/read-buffer-pool.ts). */
export interface FrameBufferPool {
  acquire(size: number): Buffer;
  release(view: Buffer): void;
}

/** The broker's request memory (request-budget.ts), when `queued.max.request.bytes` bounds it. */
export interface FrameMemory {
  readonly pooled: boolean;
  tryAllocate(bytes: number): boolean;
  allocateHeld(bytes: number): void;
}

/**
 * A frame at least this large whose size the request memory pool granted is assembled in its
 * own buffer as its bytes arrive (Kafka's NetworkReceive with a pool), each read copied in and
 * dropped at once. Left as a list of 64 KiB reads until complete, such frames spread
 * long-lived blocks over the allocator's heap that it cannot give back to the system after.
 * The buffer is allocated uninitialised: its pages become resident only as bytes are written.
 */
const ASSEMBLE_MIN_BYTES = 1024 * 1024;

/** Frames smaller than this are copied into fresh (Node-pooled) memory as before. */
const POOLED_FRAME_MIN_BYTES = 32 * 1024;
const PRODUCE_API_KEY = 0;

export class FrameDecoder {
  /** Largest frame accepted; lowered while a SASL connection is unauthenticated. */
  maxFrameBytes: number;
  private readonly pool: FrameBufferPool | undefined;
  private readonly memory: FrameMemory | null;
  /** True when the frame last returned by next() lies in a buffer from the pool. */
  lastFramePooled = false;
  /** Bytes the frame last returned by next() took from `memory` (0 without it). */
  lastFrameCharge = 0;
  /**
   * True when next() returned null because the frame's size could not be taken from
   * `memory`: the connection stops reading until memory is released, then calls next() again.
   */
  needsMemory = false;
  /** Whether the frame being assembled has its bytes from `memory`. */
  private charged = false;
  /** The buffer a large granted frame is assembled in, and the bytes in it so far. */
  private assembly: Buffer | null = null;
  private assembled = 0;
  /** Bytes received but not yet part of a returned frame. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Size of the frame being assembled, -1 while its size prefix is incomplete. */
  private frameSize = -1;
  /** Last error; set when `next()` returns null because the stream is unusable. */
  error: FrameError = FrameError.None;
  /** The offending size prefix when `error` is set. */
  errorSize = 0;

  constructor(maxFrameBytes: number, pool?: FrameBufferPool, memory?: FrameMemory) {
    this.maxFrameBytes = maxFrameBytes;
    this.pool = pool;
    this.memory = memory !== undefined && memory.pooled ? memory : null;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.assembly !== null) {
      const want = this.frameSize - this.assembled;
      if (chunk.length <= want) {
        chunk.copy(this.assembly, this.assembled);
        this.assembled += chunk.length;
        return;
      }
      chunk.copy(this.assembly, this.assembled, 0, want);
      this.assembled += want;
      chunk = chunk.subarray(want);
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
  }

  get bufferedBytes(): number {
    return this.pendingBytes + this.assembled;
  }

  /**
   * The next complete frame body (without its size prefix), or null if none is complete.
   * Bytes are only ever buffered as they arrive: nothing is allocated from the size a frame
   * claims. With `memory`, the frame's size is taken from it once the size prefix is read
   * (NetworkReceive asking the MemoryPool); a frame already received whole takes its bytes
   * even past the pool, since they are in memory anyway and holding them back frees nothing.
   */
  next(): Buffer | null {
    this.lastFramePooled = false;
    this.lastFrameCharge = 0;
    this.needsMemory = false;
    if (this.error !== FrameError.None) return null;
    if (this.assembly !== null) return this.assembledFrame();
    if (this.frameSize < 0) {
      if (this.pendingBytes < 4) return null;
      const size = this.readSizePrefix();
      if (size <= 0) return this.fail(FrameError.Invalid, size);
      if (size > this.maxFrameBytes) return this.fail(FrameError.TooLarge, size);
      this.frameSize = size;
    }
    const size = this.frameSize;
    if (this.memory !== null && !this.charged) {
      if (this.pendingBytes >= size) this.memory.allocateHeld(size);
      else if (!this.memory.tryAllocate(size)) {
        this.needsMemory = true;
        return null;
      }
      this.charged = true;
      if (this.pendingBytes < size && size >= ASSEMBLE_MIN_BYTES) {
        this.assembly = Buffer.allocUnsafeSlow(size);
        this.assembled = 0;
        const held = this.pending;
        this.pending = [];
        this.pendingBytes = 0;
        for (let i = 0; i < held.length; i++) this.push(held[i]!);
        return null;
      }
    }
    if (this.pendingBytes < size) return null;
    const frame = this.take(size);
    this.frameSize = -1;
    if (this.charged) {
      this.charged = false;
      this.lastFrameCharge = size;
    }
    return frame;
  }

  private assembledFrame(): Buffer | null {
    if (this.assembled < this.frameSize) return null;
    const frame = this.assembly!;
    this.assembly = null;
    this.assembled = 0;
    this.frameSize = -1;
    this.charged = false;
    this.lastFrameCharge = frame.length;
    return frame;
  }

  /**
   * Bytes taken from `memory` for a frame not yet returned (given back by the connection when
   * it closes).
   */
  get chargedBytes(): number {
    return this.charged ? this.frameSize : 0;
  }

  private fail(error: FrameError, size: number): null {
    this.error = error;
    this.errorSize = size;
    this.clear();
    return null;
  }

  /** Drops every buffered byte (the connection is closed). */
  clear(): void {
    this.pending.length = 0;
    this.pendingBytes = 0;
    this.assembly = null;
    this.assembled = 0;
  }

  private readSizePrefix(): number {
    const first = this.pending[0]!;
    if (first.length >= 4) {
      const size = first.readInt32BE(0);
      this.consumeFront(4);
      return size;
    }
    const prefix = this.take(4);
    return prefix.readInt32BE(0);
  }

  /** Removes `n` bytes from the front of the first chunk (which holds at least n). */
  private consumeFront(n: number): void {
    const first = this.pending[0]!;
    if (first.length === n) this.pending.shift();
    else this.pending[0] = first.subarray(n);
    this.pendingBytes -= n;
  }

  /** Takes exactly `n` buffered bytes (n <= pendingBytes), copying only when they span chunks. */
  private take(n: number): Buffer {
    const first = this.pending[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      this.consumeFront(n);
      return out;
    }
    let out: Buffer;
    if (this.pool !== undefined && n >= POOLED_FRAME_MIN_BYTES && first.length >= 2 && first.readInt16BE(0) === PRODUCE_API_KEY) {
      out = this.pool.acquire(n).subarray(0, n);
      this.lastFramePooled = true;
    } else {
      out = Buffer.allocUnsafe(n);
    }
    let filled = 0;
    while (filled < n) {
      const chunk = this.pending[0]!;
      const want = n - filled;
      if (chunk.length <= want) {
        chunk.copy(out, filled);
        filled += chunk.length;
        this.pending.shift();
      } else {
        chunk.copy(out, filled, 0, want);
        this.pending[0] = chunk.subarray(want);
        filled += want;
      }
    }
    this.pendingBytes -= n;
    return out;
  }
}
