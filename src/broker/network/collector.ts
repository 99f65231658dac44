/**
 * V8's collector, driven where its own heuristics misjudge a broker's memory.
 *
 * Node gives every socket read a Buffer of its own (up to 64 KiB; a server-side socket cannot
 * be handed a reusable one), which the broker copies into its frames and drops at once. V8
 * counts those buffers as external memory, and the broker allocates so little on the JS heap
 * that its young generation seldom fills: the dead read buffers pile up until V8's external
 * memory limit starts incremental marking and a mark-compact of the whole heap. A producer at
 * 300 MB/s caused one every ~100 ms (--trace-gc: "external memory pressure"; 90–160 per 4 GB
 * produced, on Node 20 and 24), and their cost grows with everything else the heap holds (the
 * console's server and UI). A young-generation collection frees those buffers for a fraction of
 * that, so after every SCAVENGE_EVERY_READ_BYTES read from sockets one runs, at a frame
 * boundary: 2–8 mark-compacts per 4 GB, and a quarter to a third less broker CPU per record
 * (BENCHMARKS.md, "The console's cost").
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * 4 MiB: at 8 MiB Node 24 still ran 20–40 mark-compacts per 4 GB (Node 20 two), at 16 and 32
 * most of them; at 4 Node 20 runs 2 and Node 24 4–8, and the extra scavenges (about 1 ms each)
 * cost less.
 */
const SCAVENGE_EVERY_READ_BYTES = 4 * 1024 * 1024;
/** One socket read's worth: the rest of a chunk whose first part ended a frame. */
const HELD_READ_BYTES = 64 * 1024;

type GcFunction = (options?: { type?: 'major' | 'minor' }) => void;

let collector: GcFunction | null | undefined;
let readSinceScavenge = 0;

/** `global.gc`, exposing it when the process was not started with --expose-gc; null if it cannot be. */
export function gcFunction(): GcFunction | null {
  if (collector !== undefined) return collector;
  const existing = (globalThis as { gc?: GcFunction }).gc;
  if (typeof existing === 'function') return (collector = existing);
  try {
    setFlagsFromString('--expose-gc');
    collector = runInNewContext('gc') as GcFunction;
  } catch {
    collector = null;
  }
  return collector;
}

/**
 * Called by a connection after each socket read (`readBytes`, delivered in a Buffer of its own)
 * once it has taken what frames it could, holding `heldReadBytes` of reads for an incomplete
 * one. Runs a young-generation collection if SCAVENGE_EVERY_READ_BYTES were read since the last
 * and at most HELD_READ_BYTES are held: reads held for an incomplete frame would survive it and
 * be promoted, and only a mark-compact frees promoted buffers (collecting in the middle of 6 MiB
 * produce requests made 1 MiB batches cost 50% more broker CPU). True when it ran one.
 */
export function afterSocketRead(readBytes: number, heldReadBytes: number): boolean {
  readSinceScavenge += readBytes;
  if (readSinceScavenge < SCAVENGE_EVERY_READ_BYTES || heldReadBytes > HELD_READ_BYTES) return false;
  readSinceScavenge = 0;
  const gc = gcFunction();
  if (gc === null) return false;
  gc({ type: 'minor' });
  return true;
}
