import * as zlib from 'node:zlib';
import { CompressionType } from './compression-type.js';
import { DecompressionError, type ChunkSink } from './errors.js';

/**
 * zstd through node:zlib's own native decoder (Node >= 22.15 / 23.8), synchronously, with one
 * decoder context kept for every call: the batch's frames are fed to the context's
 * ZSTD_decompressStream and each output chunk, written into one reused buffer, is handed to the
 * sink as it comes, so nothing is allocated per batch and decoding stops as soon as the sink
 * refuses (a bomb is dropped at its first bad record or at the cap).
 *
 * Why not zlib.zstdDecompressSync: it creates a decoder context, and for the frames Java's
 * zstd-jni writes (no content size) a window buffer of the frame's window size, for every
 * call: 230–460 MB/s for 16–256 KiB batches against 600–1500 MB/s here, and slower than the
 * WebAssembly decoder (bench/perf/zstd-validate.js). The public zlib API cannot keep a context
 * (its sync calls close the engine), so this drives the engine's handle as zlib's own
 * processChunkSync does (`_handle.writeSync`, `_writeState`, `_handle.reset`). Those are
 * Node internals: they are checked when the engine is made, and where they are missing
 * zstdNativeReady() is false and zstd-wasm.ts / zstd.ts serve every batch.
 *
 * Memory: the context keeps the window buffer of the largest window it has decoded, so only
 * frames whose window (scanZstdFrames' `window`) is at most NATIVE_MAX_WINDOW come here
 * (zstd-jni writes 2 MiB windows at Kafka's default level 3, 8 MiB up to level 19): the
 * context holds at most that plus its block buffers, whatever a frame claims.
 */

/** Largest frame window decoded here (window log 23: zstd levels up to 19). */
export const NATIVE_MAX_WINDOW = 8 * 1024 * 1024;
/** Output buffer, reused for every call: one block's worth or more per write. */
const OUT_SIZE = 256 * 1024;

interface ZstdHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  reset(): void;
}

interface ZstdEngine {
  _handle: ZstdHandle | null;
  _writeState: Uint32Array;
  errored: Error | null;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

const createZstdDecompress = (zlib as unknown as { createZstdDecompress?: () => ZstdEngine }).createZstdDecompress;
/** ZSTD_e_end: what zlib's sync calls pass (the decoder ignores the flush mode). */
const ZSTD_E_END = 2;

let engine: ZstdEngine | null = null;
/** False once making an engine failed or showed another shape: the other decoders serve. */
let usable = typeof createZstdDecompress === 'function';
let out: Buffer = Buffer.alloc(0);

function ignore(): void {}

/** A fresh engine (at start and after a corrupt input destroyed the last one), or null. */
function makeEngine(): ZstdEngine | null {
  if (!usable || createZstdDecompress === undefined) return null;
  try {
    const e = createZstdDecompress();
    const h = e._handle;
    const s = e._writeState;
    if (h === null || typeof h !== 'object' || typeof h.writeSync !== 'function' || typeof h.reset !== 'function' || !(s instanceof Uint32Array) || s.length < 2) {
      usable = false;
      return null;
    }
    // A corrupt input destroys the stream with the error; without a listener that 'error'
    // event would be thrown from the next tick. The error is read from `errored` instead.
    e.on('error', ignore);
    if (out.length === 0) out = Buffer.allocUnsafe(OUT_SIZE);
    return e;
  } catch {
    usable = false;
    return null;
  }
}

/** True when this Node's zlib has zstd and its engine has the shape used here. */
export function zstdNativeReady(): boolean {
  if (engine === null && usable) engine = makeEngine();
  return engine !== null;
}

/** Whether frames whose largest window is `window` (scanZstdFrames) are decoded here. */
export function zstdNativeFits(window: number): boolean {
  return window <= NATIVE_MAX_WINDOW && zstdNativeReady();
}

/**
 * Decodes every frame of `data` (already checked by scanZstdFrames, its window within
 * NATIVE_MAX_WINDOW) into `sink`, chunk by chunk; a chunk is valid only during its push.
 * Stops when the sink returns false. Throws DecompressionError: 'corrupt' for input the
 * decoder refuses, 'too-large' once the output passes `maxOutputBytes`. There is one context:
 * a sink must not call this again from its push.
 */
export function zstdNativeDecodeInto(data: Uint8Array, maxOutputBytes: number, sink: ChunkSink): void {
  const e = engine ?? (engine = makeEngine());
  if (e === null) throw new Error('node:zlib zstd is not available');
  const h = e._handle!;
  const state = e._writeState;
  // Back to the start of a frame, whatever the last call left (a batch dropped mid-frame).
  h.reset();
  let inOff = 0;
  let inLen = data.length;
  let total = 0;
  for (;;) {
    h.writeSync(ZSTD_E_END, data, inOff, inLen, out, 0, OUT_SIZE);
    if (e.errored !== null) {
      engine = null; // the stream destroyed itself (and closed its handle)
      throw new DecompressionError(CompressionType.Zstd, 'corrupt', e.errored.message, inOff);
    }
    const availOut = state[0]!;
    const availIn = state[1]!;
    const produced = OUT_SIZE - availOut;
    if (produced === 0 && availIn === inLen) {
      // No progress with input left (or nothing at all to do): the frames end here.
      if (availIn !== 0) throw new DecompressionError(CompressionType.Zstd, 'corrupt', 'decoder made no progress', inOff);
      return;
    }
    inOff += inLen - availIn;
    inLen = availIn;
    if (produced > 0) {
      total += produced;
      if (total > maxOutputBytes) throw new DecompressionError(CompressionType.Zstd, 'too-large', `output exceeds ${maxOutputBytes} bytes`);
      if (!sink.push(out, 0, produced)) return;
    }
    // Output left room and every input byte was taken: nothing is held back.
    if (availOut !== 0 && availIn === 0) return;
  }
}
