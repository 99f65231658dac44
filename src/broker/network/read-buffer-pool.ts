/**
 * Buffers that fetches read records into, reused once the socket has written them. Without
 * it every fetch allocated a fresh buffer per partition (1 MiB for librdkafka's and the Java
 * client's defaults), and the external memory those left behind made V8 run a full
 * mark-compact every few fetches.
 *
 * Size classes are powers of two from 64 KiB to 8 MiB; other sizes are allocated as before.
 * A buffer goes back only through `release`, called with the records it was read into (or a
 * view of them) after the socket is done with them; one never released (a connection closed
 * with the response queued, a read that failed) is simply collected. Each class keeps at most
 * MAX_POOLED_BYTES_PER_CLASS bytes of free buffers, the pool MAX_POOLED_BYTES in all, and
 * `trim()` (called every few seconds by the network layer) drops the free buffers that were
 * not needed since the previous trim, so a burst's buffers go back once it is over.
 */
const MIN_CLASS_SHIFT = 16;
const MAX_CLASS_SHIFT = 23;
const MAX_POOLED_BYTES_PER_CLASS = 32 * 1024 * 1024;
const MAX_POOLED_BYTES = 64 * 1024 * 1024;

export class ReadBufferPool {
  private readonly free: Buffer[][] = [];
  /** The pool's buffers by their memory, whether free or lent out: their class. */
  private readonly owned = new WeakMap<ArrayBufferLike, number>();
  /** Buffers lent out and not yet released, so that a second release is ignored. */
  private readonly lent = new WeakSet<ArrayBufferLike>();
  /** Per class: the fewest free buffers since the last trim (those were never needed). */
  private readonly lowWater: number[] = [];
  private freeBytes = 0;

  constructor() {
    for (let s = MIN_CLASS_SHIFT; s <= MAX_CLASS_SHIFT; s++) {
      this.free.push([]);
      this.lowWater.push(0);
    }
    this.acquire = this.acquire.bind(this);
  }

  /** A buffer of at least `size` bytes (exactly `size` outside the size classes). */
  acquire(size: number): Buffer {
    if (size > 1 << MAX_CLASS_SHIFT || size < 1 << (MIN_CLASS_SHIFT - 1)) return Buffer.allocUnsafe(size);
    let shift = MIN_CLASS_SHIFT;
    while (1 << shift < size) shift++;
    const cls = shift - MIN_CLASS_SHIFT;
    const list = this.free[cls]!;
    let buf = list.pop();
    if (buf !== undefined) {
      this.freeBytes -= 1 << shift;
      if (list.length < this.lowWater[cls]!) this.lowWater[cls] = list.length;
    } else {
      // Its own memory (not a slice of Node's shared pool), so it can be told apart and reused.
      buf = Buffer.allocUnsafeSlow(1 << shift);
      this.owned.set(buf.buffer, cls);
    }
    this.lent.add(buf.buffer);
    return buf;
  }

  /** True when `view` lies in a buffer lent by this pool and not yet released. */
  isLent(view: Buffer): boolean {
    return this.lent.has(view.buffer);
  }

  /** Gives back the buffer that `view` lies in; anything else is ignored. */
  release(view: Buffer): void {
    const memory = view.buffer;
    if (!this.lent.has(memory)) return;
    this.lent.delete(memory);
    const cls = this.owned.get(memory)!;
    const list = this.free[cls]!;
    const size = 1 << (cls + MIN_CLASS_SHIFT);
    if ((list.length + 1) * size > MAX_POOLED_BYTES_PER_CLASS || this.freeBytes + size > MAX_POOLED_BYTES) return;
    list.push(Buffer.from(memory, 0, size));
    this.freeBytes += size;
  }

  /**
   * Drops the free buffers no acquire needed since the last trim; the bytes dropped (left to
   * the collector).
   */
  trim(): number {
    let dropped = 0;
    for (let c = 0; c < this.free.length; c++) {
      const list = this.free[c]!;
      const idle = Math.min(this.lowWater[c]!, list.length);
      if (idle > 0) {
        list.length -= idle;
        dropped += idle << (c + MIN_CLASS_SHIFT);
      }
      this.lowWater[c] = list.length;
    }
    this.freeBytes -= dropped;
    return dropped;
  }

  /** Free bytes held, for tests. */
  get pooledBytes(): number {
    return this.freeBytes;
  }
}

/** The process's pool: fetches of every broker in the process share it. */
export const readBufferPool = new ReadBufferPool();
