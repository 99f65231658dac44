/**
 * Giving memory back after a burst. Request and response bytes live in Buffers outside V8's
 * heap; V8 collects them only when a collection runs, and a collection is triggered by
 * allocation, not by freeing: a broker that goes quiet after hundreds of connections closed
 * keeps their garbage (and its RSS) indefinitely. Every HOUSEKEEPING_MS the network layer:
 * - trims the buffer pools (read-buffer-pool.ts) of what the last period did not use;
 * - when buffers were dropped or connections closed since the last tick, or in the first
 *   tick after such a period ended, and RSS is more than GC_RSS_GROWTH_BYTES above the level
 *   the last quiet collection left, runs one full collection, so the freed external memory
 *   goes back to the allocator (and from there, for large blocks, to the system). The level is
 *   set only by the collection after a period of closes (what remains then is in use), not by
 *   those during it (connections still closing hold their buffers).
 * A collection takes a few milliseconds on the broker's small heap; it runs at most once per
 * tick and only after connections went away or pools shrank.
 */
import { gcFunction } from './collector.js';
import { readBufferPool } from './read-buffer-pool.js';
import type { ReadBufferPool } from './read-buffer-pool.js';

export const HOUSEKEEPING_MS = 5_000;
const GC_RSS_GROWTH_BYTES = 32 * 1024 * 1024;

export class MemoryHousekeeper {
  private readonly pools: readonly ReadBufferPool[];
  private floorRss = process.memoryUsage.rss();
  /** Buffers were dropped or connections closed in the previous tick. */
  private busyLastTick = false;
  /** Connections closed since the last tick (set by the socket server). */
  closedSinceTick = 0;
  collections = 0;

  constructor(requestFramePool: ReadBufferPool) {
    this.pools = [readBufferPool, requestFramePool];
  }

  tick(): void {
    let dropped = 0;
    for (const p of this.pools) dropped += p.trim();
    const busy = dropped > 0 || this.closedSinceTick > 0;
    this.closedSinceTick = 0;
    const quietAfterBusy = !busy && this.busyLastTick;
    this.busyLastTick = busy;
    if (!busy && !quietAfterBusy) return;
    if (process.memoryUsage.rss() < this.floorRss + GC_RSS_GROWTH_BYTES) return;
    const gc = gcFunction();
    if (gc === null) return;
    gc();
    this.collections++;
    if (quietAfterBusy) this.floorRss = process.memoryUsage.rss();
  }
}
