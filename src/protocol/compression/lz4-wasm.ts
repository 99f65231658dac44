import { createRequire } from 'node:module';
import type { ChunkSink } from './errors.js';
import type { Lz4FrameScan } from './lz4.js';

/**
 * liblz4's frame decoder compiled to WebAssembly (the `@foxglove/wasm-lz4` package), for the
 * lz4 batches producers usually send: a frame whose output bound (scanLz4Frame) is at most
 * LZ4_WASM_MAX_BOUND is decoded by one synchronous call, with one decompression context kept
 * for the process, into an output region of the module's memory that every call reuses, and
 * walked where it lies.
 *
 * Why not lz4-napi for these: each of its block calls returns a fresh native buffer, which a
 * 16 KiB batch pays for in allocation and, on a broker's heap, in the full collections the
 * external memory triggers (BENCHMARKS.md, issue 12). Here nothing is allocated per call.
 *
 * The frame is checked first as Kafka's Java reader checks it (scanLz4Frame), and only
 * [0, frame end) is decoded. liblz4 also verifies what the Java reader does not (a content
 * checksum, a declared content size), so any failure here is not answered from here: the
 * caller decodes the frame again on the exact path in lz4.ts, which decides, and the module
 * is replaced (a decoder context that failed is not used again). Should the package change
 * shape, `lz4WasmReady()` stays false and lz4.ts takes every batch.
 *
 * Memory: input and output regions of LZ4_WASM_MAX_BOUND each and the context's block buffers,
 * reserved at load; the module's memory does not grow per call.
 */

/** Largest output bound decoded here; larger frames go through lz4.ts. */
export const LZ4_WASM_MAX_BOUND = 2 * 1024 * 1024;

interface Lz4WasmModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _createDecompressionContext(): number;
  _decompressFrame(context: number, dest: number, destSize: number, src: number, srcSize: number): number;
}

interface Loaded {
  module: Lz4WasmModule;
  context: number;
  src: number;
  dst: number;
  heap: Buffer;
}

const require = createRequire(import.meta.url);
let loaded: Loaded | null = null;
let loading: Promise<boolean> | null = null;

function isUsable(m: unknown): m is Lz4WasmModule {
  const x = m as Partial<Lz4WasmModule> | null;
  return (
    x !== null &&
    typeof x === 'object' &&
    x.HEAPU8 instanceof Uint8Array &&
    typeof x._malloc === 'function' &&
    typeof x._createDecompressionContext === 'function' &&
    typeof x._decompressFrame === 'function'
  );
}

async function instantiate(): Promise<Loaded | null> {
  // The package's own entry point copies every output out of the module; its Emscripten
  // factory gives a module of our own with the same functions.
  const factory = require('@foxglove/wasm-lz4/dist/wasm-lz4.js') as () => Promise<unknown>;
  const module = await factory();
  if (!isUsable(module)) return null;
  const src = module._malloc(LZ4_WASM_MAX_BOUND);
  const dst = module._malloc(LZ4_WASM_MAX_BOUND);
  const context = module._createDecompressionContext();
  if (src === 0 || dst === 0 || context === 0) return null;
  return { module, context, src, dst, heap: Buffer.from(module.HEAPU8.buffer) };
}

/**
 * Loads the module (once; a few milliseconds). Resolves true when the WebAssembly path is
 * ready, false when it cannot be used here (then lz4.ts serves every batch).
 */
export function loadLz4Wasm(): Promise<boolean> {
  return (loading ??= instantiate().then(
    (l) => {
      loaded = l;
      return l !== null;
    },
    () => false,
  ));
}

/** True once loadLz4Wasm has succeeded (and until a failed frame retires the module). */
export function lz4WasmReady(): boolean {
  return loaded !== null;
}

/** Whether a frame of `frame.end` bytes whose output bound is `frame.maxOutput` is decoded here. */
export function lz4WasmFits(frame: Lz4FrameScan): boolean {
  return loaded !== null && frame.maxOutput <= LZ4_WASM_MAX_BOUND && frame.end <= LZ4_WASM_MAX_BOUND;
}

/**
 * Decodes the frame at the start of `data` (scanned as `frame`, lz4WasmFits) and hands the
 * whole output to `sink` in one push (valid only during the call). False when liblz4 refused
 * it: nothing was pushed, and the caller decodes it on the exact path instead.
 */
export function lz4WasmDecodeInto(data: Uint8Array, frame: Lz4FrameScan, sink: ChunkSink): boolean {
  const l = loaded;
  if (l === null || !lz4WasmFits(frame)) throw new RangeError('lz4: frame not decodable by the WebAssembly decoder');
  if (l.heap.buffer !== l.module.HEAPU8.buffer) l.heap = Buffer.from(l.module.HEAPU8.buffer);
  l.heap.set(data.subarray(0, frame.end), l.src);
  const n = l.module._decompressFrame(l.context, l.dst, LZ4_WASM_MAX_BOUND, l.src, frame.end);
  if (n < 0 || n > LZ4_WASM_MAX_BOUND) {
    retire();
    return false;
  }
  if (l.heap.buffer !== l.module.HEAPU8.buffer) l.heap = Buffer.from(l.module.HEAPU8.buffer);
  sink.push(l.heap, l.dst, l.dst + n);
  return true;
}

/** How long after a failed frame a fresh module is loaded. */
const RELOAD_DELAY_MS = 1000;

/**
 * A context that failed is left in a state liblz4 does not define, and the package cannot
 * free one: drop the whole module (its memory goes with it) and load a fresh one a second
 * later. Until then lz4.ts decodes, so a client that keeps sending bad frames costs at most one
 * module load a second, and never more than one module is alive.
 */
function retire(): void {
  loaded = null;
  setTimeout(() => {
    loading = null;
    void loadLz4Wasm();
  }, RELOAD_DELAY_MS).unref();
}
