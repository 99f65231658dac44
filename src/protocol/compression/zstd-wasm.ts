import { ZSTDDecoder } from 'zstddec';
import { CompressionType } from './compression-type.js';
import { DecompressionError, type ChunkSink } from './errors.js';

/**
 * zstd's reference decoder compiled to WebAssembly (the `zstddec` package), for the batches
 * producers usually send where node:zlib has no zstd (Node 20; elsewhere zstd-native.ts is
 * faster and comes first): frames whose output bound (scanZstdFrames) is at most
 * WASM_MAX_BOUND are decoded by one synchronous ZSTD_decompress call into an output region of
 * the module's memory that every call reuses, and walked where they lie.
 *
 * Why not the native bindings for these: each of their calls creates a decoder context (and,
 * for the streamed frames Java's zstd-jni writes, a window buffer) and allocates its output,
 * which for a 16 KiB batch costs several times the decoding and feeds the garbage collector
 * (BENCHMARKS.md, issue 12). Here nothing is allocated per call outside the module's own
 * memory, and the call is synchronous, so zstd batches take the same path as lz4 and snappy.
 *
 * Memory: input and output regions of WASM_MAX_BOUND each, reserved once, plus the decoder
 * context ZSTD_decompress takes and gives back per call (the same space each time): the
 * module's memory is 16 MiB at load, about 17 MiB once these are reserved, and no more.
 *
 * zstddec's public call copies its output out of the module; we use the module's own exports
 * (its `_init` hook hands over the instance) so as not to. Should the package change shape,
 * `zstdWasmReady()` stays false and the native paths in zstd.ts take every batch.
 */

/** Largest output bound decoded here; larger batches stream through zstd.ts. */
export const WASM_MAX_BOUND = 2 * 1024 * 1024;

interface ZstdWasmExports {
  memory: { readonly buffer: ArrayBuffer };
  malloc(size: number): number;
  ZSTD_decompress(dst: number, dstCapacity: number, src: number, srcSize: number): number;
  ZSTD_isError(code: number): number;
}

let captured: unknown = null;
let wasm: ZstdWasmExports | null = null;
let srcPtr = 0;
let dstPtr = 0;
/** A view of the module's memory, renewed if the memory grows (it does not after loading). */
let heap: Buffer = Buffer.alloc(0);
let loading: Promise<boolean> | null = null;

/** zstddec hands the instance to `_init` (called unbound, so no `this` here). */
class InstanceCapture extends ZSTDDecoder {
  override _init(result: Parameters<ZSTDDecoder['_init']>[0]): void {
    captured = result.instance.exports;
    ZSTDDecoder.prototype._init.call(undefined, result);
  }
}

function isUsable(e: unknown): e is ZstdWasmExports {
  const x = e as Partial<ZstdWasmExports> | null;
  return (
    x !== null &&
    typeof x === 'object' &&
    typeof x.memory === 'object' &&
    x.memory !== null &&
    x.memory.buffer instanceof ArrayBuffer &&
    typeof x.malloc === 'function' &&
    typeof x.ZSTD_decompress === 'function' &&
    typeof x.ZSTD_isError === 'function'
  );
}

/**
 * Loads the module (once; a few milliseconds). Resolves true when the WebAssembly path is
 * ready, false when it cannot be used here (then the native paths serve every batch).
 */
export function loadZstdWasm(): Promise<boolean> {
  return (loading ??= new InstanceCapture().init().then(
    () => {
      if (!isUsable(captured)) return false;
      const src = captured.malloc(WASM_MAX_BOUND);
      const dst = captured.malloc(WASM_MAX_BOUND);
      if (src === 0 || dst === 0) return false;
      srcPtr = src;
      dstPtr = dst;
      wasm = captured;
      heap = Buffer.from(wasm.memory.buffer);
      return true;
    },
    () => false,
  ));
}

/** True once loadZstdWasm has succeeded. */
export function zstdWasmReady(): boolean {
  return wasm !== null;
}

/** Size of the module's memory (for the test that bounds it). */
export function zstdWasmMemoryBytes(): number {
  return wasm === null ? 0 : wasm.memory.buffer.byteLength;
}

/** Whether input of `length` bytes whose frames' output bound is `bound` is decoded here. */
export function zstdWasmFits(length: number, bound: number): boolean {
  return wasm !== null && bound <= WASM_MAX_BOUND && length <= WASM_MAX_BOUND;
}

/**
 * Decodes every frame of `data` (already checked by scanZstdFrames, whose bound is `bound`,
 * at most WASM_MAX_BOUND) and hands the whole output to `sink` in one push; the chunk is
 * valid only during the call. Throws DecompressionError('corrupt') for data the decoder
 * refuses (bad blocks, checksum mismatch). Only when zstdWasmFits(data.length, bound).
 */
export function zstdWasmDecodeInto(data: Uint8Array, bound: number, sink: ChunkSink): void {
  const n = zstdWasmDecode(data, bound);
  sink.push(heap, dstPtr, dstPtr + n);
}

/** As zstdWasmDecodeInto, returning a copy of the output (for callers that keep it). */
export function zstdWasmDecompress(data: Uint8Array, bound: number): Buffer {
  const n = zstdWasmDecode(data, bound);
  return Buffer.from(heap.subarray(dstPtr, dstPtr + n));
}

function zstdWasmDecode(data: Uint8Array, bound: number): number {
  const w = wasm;
  if (w === null) throw new Error('zstd WebAssembly decoder not loaded');
  if (!zstdWasmFits(data.length, bound)) throw new RangeError(`zstd: bound ${bound} or input ${data.length} exceeds ${WASM_MAX_BOUND}`);
  if (heap.buffer !== w.memory.buffer) heap = Buffer.from(w.memory.buffer);
  heap.set(data, srcPtr);
  const n = w.ZSTD_decompress(dstPtr, bound, srcPtr, data.length);
  if (w.ZSTD_isError(n) !== 0) throw new DecompressionError(CompressionType.Zstd, 'corrupt', 'data corrupted or not a zstd stream', 0);
  // The decoder context ZSTD_decompress allocated may have grown the memory: refresh the view.
  if (heap.buffer !== w.memory.buffer) heap = Buffer.from(w.memory.buffer);
  return n;
}
