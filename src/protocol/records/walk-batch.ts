import {
  DecompressionError,
  gzipDecompressInto,
  gzipDecompressSmall,
  loadZstdWasm,
  lz4DecompressInto,
  scanZstdFrames,
  snappyDecompressInto,
  zstdDecompressInto,
  zstdDecompressSmall,
  zstdWasmDecodeInto,
  zstdWasmFits,
  zstdWasmReady,
  zstdNativeDecodeInto,
  zstdNativeFits,
  ZSTD_POOL_MIN_BOUND,
  type ChunkSink,
  type ZstdScan,
} from '../compression/index.js';
import { ATTRIBUTES_OFFSET, BASE_TIMESTAMP_OFFSET, COMPRESSION_MASK, RECORD_COUNT_OFFSET, RECORDS_OFFSET } from './batch-header.js';
import { CompressionType } from '../compression/compression-type.js';
import { readInt64Number } from './header.js';
import { RecordFault, RecordWalk, walkRecords } from './walk.js';

/**
 * Walks every record of one v2 batch whose header has been validated (validateClientBatch):
 * in place for an uncompressed batch; for a compressed one, decompressing as a stream into a
 * reused window and walking records as they come out, so a bomb is refused at its first bad
 * record or when its output passes `limit`, never inflated whole, and nothing is allocated
 * by what the data claims (the window grows only with bytes actually produced, up to the cap).
 *
 * `limit` (the broker's cap on a batch's decompressed records) is stricter than Kafka, which
 * has none: a batch of well-formed records that inflates past it is RECORD_TOO_LARGE, so a
 * Java producer splits it, where Kafka would accept it.
 */

/** Initial window: a few records of usual sizes; grown (by output) only for larger records. */
const WINDOW_SIZE = 256 * 1024;
/** A window grown past this is dropped after its batch instead of being kept for the next. */
const KEEP_WINDOW_MAX = 1024 * 1024;
/** Windows kept for reuse (async decompressions run concurrently, each needs its own). */
const POOL_MAX = 8;

/** Decompressed output flows in here: records walked in each chunk, a cut record carried over. */
class RecordSink implements ChunkSink {
  walk: RecordWalk;
  buf: Buffer;
  /** Live bytes of the window: the start of a record not yet complete, and the end of data. */
  start = 0;
  end = 0;
  limit = 0;

  constructor() {
    this.walk = new RecordWalk();
    this.buf = Buffer.allocUnsafe(WINDOW_SIZE);
  }

  reset(walk: RecordWalk, limit: number): this {
    this.walk = walk;
    this.start = 0;
    this.end = 0;
    this.limit = limit;
    return this;
  }

  push(chunk: Buffer, start: number, end: number): boolean {
    const w = this.walk;
    if (w.fault !== RecordFault.Ok) return false;
    if (this.start === this.end) {
      // Nothing carried over: walk the chunk where it is and keep only a cut record's bytes.
      const pos = walkRecords(w, chunk, start, end, false, this.limit);
      if (w.fault !== RecordFault.Ok) return false;
      this.start = 0;
      this.end = 0;
      if (pos < end) this.append(chunk, pos, end);
    } else {
      this.append(chunk, start, end);
      this.start = walkRecords(w, this.buf, this.start, this.end, false, this.limit);
      if (w.fault !== RecordFault.Ok) return false;
    }
    if (w.bytes + (this.end - this.start) > this.limit) {
      w.fail(RecordFault.TooLarge, this.limit);
      return false;
    }
    return true;
  }

  /** The stream has ended: what is left must be whole records, `count` of them in all. */
  finish(): RecordFault {
    const w = this.walk;
    if (w.fault === RecordFault.Ok) walkRecords(w, this.buf, this.start, this.end, true, this.limit);
    return w.finish();
  }

  private append(src: Buffer, start: number, end: number): void {
    const len = end - start;
    if (this.end + len > this.buf.length) {
      const live = this.end - this.start;
      if (live + len <= this.buf.length) {
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(live + len, this.buf.length * 2));
        this.buf.copy(grown, 0, this.start, this.end);
        this.buf = grown;
      }
      this.start = 0;
      this.end = live;
    }
    src.copy(this.buf, this.end, start, end);
    this.end += len;
  }
}

const pool: RecordSink[] = [];

function acquire(walk: RecordWalk, limit: number): RecordSink {
  return (pool.pop() ?? new RecordSink()).reset(walk, limit);
}

function release(sink: RecordSink): void {
  if (sink.buf.length > KEEP_WINDOW_MAX) sink.buf = Buffer.allocUnsafe(WINDOW_SIZE);
  if (pool.length < POOL_MAX) pool.push(sink);
}

/** Prepares `walk` for the batch; false when there is nothing to walk (no records). */
function begin(batch: Buffer, walk: RecordWalk): boolean {
  const count = batch.readInt32BE(RECORD_COUNT_OFFSET);
  walk.begin(count, readInt64Number(batch, BASE_TIMESTAMP_OFFSET));
  // Kafka's record iterator reads nothing of an empty batch (DefaultRecordBatch: count 0).
  return count > 0;
}

/** A decompression failure as a walk fault. Anything else is not bad input: rethrown. */
function decompressionFault(walk: RecordWalk, err: unknown, limit: number): RecordFault {
  if (!(err instanceof DecompressionError)) throw err;
  if (walk.fault === RecordFault.Ok) {
    if (err.reason === 'too-large') walk.fail(RecordFault.TooLarge, limit);
    else walk.fail(RecordFault.CorruptStream);
  }
  return walk.fault;
}

/**
 * Output up to which gzip and zstd (where node:zlib has it) inflate in one synchronous call
 * (about a millisecond of the event loop); larger output is streamed asynchronously.
 */
export const SYNC_INFLATE_MAX = 2 * 1024 * 1024;

/** walkBatchSync's answer when the batch must be walked asynchronously (walkBatch). */
export const WALK_ASYNC = -1;

/**
 * A zstd batch whose frames were scanned, walked synchronously by the fastest decoder that
 * takes it, or WALK_ASYNC when none does here:
 * - node:zlib's native decoder with its one reused context (zstd-native.ts; Node >= 22.15),
 *   for output bounds within SYNC_INFLATE_MAX and windows within NATIVE_MAX_WINDOW, streamed
 *   through the reused window. bench/perf/zstd-validate.js on Node 24, 16 KiB–1 MiB batches
 *   of Java-style frames, CPU per MB of records walked (best of 15 rounds): 1.21, 0.98, 1.01,
 *   1.01 ms against 1.98, 1.56, 1.61, 1.56 through the WebAssembly decoder;
 * - elsewhere (Node 20), bounds from ZSTD_POOL_MIN_BOUND on go to the binding on the libuv
 *   pool (walkBatch): there it decodes with less CPU than the WebAssembly decoder and keeps
 *   the work off the event loop (the measurement is at ZSTD_POOL_MIN_BOUND);
 * - smaller ones to the WebAssembly decoder (zstd-wasm.ts) when it is loaded;
 * - then (gzip's rule) node:zlib's one-shot call when the output fits SYNC_INFLATE_MAX.
 */
function walkZstdSync(body: Buffer, scan: ZstdScan, walk: RecordWalk, limit: number): RecordFault | typeof WALK_ASYNC {
  const native = scan.bound <= SYNC_INFLATE_MAX && zstdNativeFits(scan.window);
  if (!native && scan.bound >= ZSTD_POOL_MIN_BOUND) return WALK_ASYNC;
  if (native || zstdWasmFits(body.length, scan.bound)) {
    const sink = acquire(walk, limit);
    try {
      if (native) zstdNativeDecodeInto(body, limit, sink);
      else zstdWasmDecodeInto(body, scan.bound, sink);
      return sink.finish();
    } catch (err) {
      return decompressionFault(walk, err, limit);
    } finally {
      release(sink);
    }
  }
  let out: Buffer | null;
  try {
    out = zstdDecompressSmall(body, Math.min(limit, SYNC_INFLATE_MAX));
  } catch (err) {
    return decompressionFault(walk, err, limit);
  }
  if (out === null) return WALK_ASYNC;
  walkRecords(walk, out, 0, out.length, true);
  return walk.finish();
}

/**
 * Walks the records of `batch` (exactly one batch) synchronously where it can: uncompressed,
 * lz4 and snappy always; zstd as walkZstdSync says; gzip when its output fits
 * SYNC_INFLATE_MAX. Returns the fault (Ok when every record is well framed; the walk's
 * statistics are in `walk`), or WALK_ASYNC: then use walkBatch.
 */
export function walkBatchSync(batch: Buffer, walk: RecordWalk, limit: number): RecordFault | typeof WALK_ASYNC {
  if (!begin(batch, walk)) return RecordFault.Ok;
  const codec = batch[ATTRIBUTES_OFFSET + 1]! & COMPRESSION_MASK;
  if (codec === CompressionType.None) {
    walkRecords(walk, batch, RECORDS_OFFSET, batch.length, true);
    return walk.finish();
  }
  const body = batch.subarray(RECORDS_OFFSET);
  if (codec === CompressionType.Zstd) {
    let scan: ZstdScan;
    try {
      scan = scanZstdFrames(body);
    } catch (err) {
      return decompressionFault(walk, err, limit);
    }
    return walkZstdSync(body, scan, walk, limit);
  }
  if (codec === CompressionType.Gzip) {
    let out: Buffer | null;
    try {
      out = gzipDecompressSmall(body, Math.min(limit, SYNC_INFLATE_MAX));
    } catch (err) {
      return decompressionFault(walk, err, limit);
    }
    if (out === null) return WALK_ASYNC;
    walkRecords(walk, out, 0, out.length, true);
    return walk.finish();
  }
  const sink = acquire(walk, limit);
  try {
    if (codec === CompressionType.Lz4) lz4DecompressInto(body, sink);
    else if (codec === CompressionType.Snappy) snappyDecompressInto(body, sink, limit);
    else throw new RangeError(`codec ${codec} has no synchronous walk`);
    return sink.finish();
  } catch (err) {
    return decompressionFault(walk, err, limit);
  } finally {
    release(sink);
  }
}

/**
 * Walks any batch; gzip and zstd stream their output as they inflate, so a bomb stops at its
 * first bad record or at `limit`.
 */
export async function walkBatch(batch: Buffer, walk: RecordWalk, limit: number): Promise<RecordFault> {
  const codec = batch[ATTRIBUTES_OFFSET + 1]! & COMPRESSION_MASK;
  if (codec !== CompressionType.Gzip && codec !== CompressionType.Zstd) return walkBatchSync(batch, walk, limit) as RecordFault;
  if (codec === CompressionType.Zstd && !zstdWasmReady() && (await loadZstdWasm())) {
    const fault = walkBatchSync(batch, walk, limit);
    if (fault !== WALK_ASYNC) return fault;
  }
  if (!begin(batch, walk)) return RecordFault.Ok;
  const body = batch.subarray(RECORDS_OFFSET);
  const sink = acquire(walk, limit);
  try {
    if (codec === CompressionType.Gzip) await gzipDecompressInto(body, sink);
    else await zstdDecompressInto(body, sink, limit);
    return sink.finish();
  } catch (err) {
    return decompressionFault(walk, err, limit);
  } finally {
    release(sink);
  }
}
