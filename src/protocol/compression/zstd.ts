import { createRequire } from 'node:module';
import { CompressionType } from './compression-type.js';
import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import { CollectingSink, DecompressionError, type ChunkSink } from './errors.js';
import { pumpInflate } from './stream.js';
import { zstdWasmDecompress, zstdWasmFits } from './zstd-wasm.js';
import { zstdNativeDecodeInto, zstdNativeFits } from './zstd-native.js';

/**
 * Zstandard through @mongodb-js/zstd 1.x (napi-rs, prebuilt binaries from the npm registry;
 * 2.x and zstd-napi fetch binaries from elsewhere at install time). It has only async calls,
 * run on the libuv pool, so zstd has no synchronous variant here.
 *
 * The binding's public wrapper drops the level argument, so we call the binding itself
 * (`bindings.js` in the 1.x package) to honour `compression.zstd.level` (Kafka's default: 3).
 *
 * Java's zstd-jni stream (Kafka's ZstdOutputStreamNoFinalizer) writes frames without a
 * content size, and the native decoder grows its output as it goes, so before inflating
 * `scanZstdFrames` walks every frame and block header in place (RFC 8878): raw and RLE blocks
 * state their regenerated size, a compressed block regenerates at most Block_Maximum_Size
 * (128 KiB). The sum bounds the output and is checked against the cap before decoding.
 * Skippable frames are stepped over, as the reference decoder and zstd-jni do.
 */

interface ZstdBinding {
  compress(data: Buffer, level?: number | null): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

const require = createRequire(import.meta.url);
let bindingLib: ZstdBinding | undefined;
/** The native binding, loaded on first use (start-up time). */
function binding(): ZstdBinding {
  return (bindingLib ??= require('@mongodb-js/zstd/bindings.js') as ZstdBinding);
}

/** Kafka's default `compression.zstd.level`. */
export const ZSTD_DEFAULT_LEVEL = 3;
const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** Block_Maximum_Size: no block regenerates more than this. */
const MAX_BLOCK = 128 * 1024;
const SLACK_FRAMES = 4;
const DICT_ID_SIZE = [0, 1, 2, 4] as const;
const FCS_SIZE = [0, 2, 4, 8] as const;
/** Output bound up to which zstdDecompress decodes synchronously (about a millisecond). */
const SYNC_DECODE_MAX = 2 * 1024 * 1024;
/**
 * Where node:zlib has no zstd (Node 20), frames whose output bound is at least this (three
 * full blocks: about 256 KiB of records and more) go to the binding on the libuv pool rather
 * than to the WebAssembly decoder. Measured with bench/perf/zstd-validate.js (Node 20,
 * Java-style frames of JSON records, paths interleaved, 11–21 rounds), CPU ms per MB of
 * records, WebAssembly against binding: 16 KiB 2.2–2.4 against 3.9–6.9, 64 KiB 1.8–1.9
 * against 2.0–2.6, 128 KiB (bound 256 KiB) 1.8 against 1.7–2.0; from 256 KiB the binding's
 * best rounds take 1.3–1.5 against 1.6–1.7 (medians move ±25% between runs on the shared
 * 2-core machine, either way), and it keeps all but 0.4–0.6 ms/MB off the event loop. Below
 * it the binding's per-call context and output buffer cost more than its faster decoding.
 */
export const ZSTD_POOL_MIN_BOUND = 384 * 1024;

export async function zstdCompress(data: Uint8Array, level = ZSTD_DEFAULT_LEVEL): Promise<Buffer> {
  try {
    return await binding().compress(asBuffer(data), level);
  } catch (err) {
    throw new Error(`zstd: ${(err as Error).message}`);
  }
}

export async function zstdDecompress(data: Uint8Array, maxOutputBytes: number): Promise<Buffer> {
  const scan = scanZstdFrames(data);
  // Real encoders fill every block of a frame but its last, so a frame's bound exceeds its
  // output by less than a block: allow that much per frame, for at most SLACK_FRAMES frames,
  // so legitimate input that fits the cap passes and at most 512 KiB more gets allocated.
  if (scan.bound - Math.min(scan.frames, SLACK_FRAMES) * MAX_BLOCK > maxOutputBytes) throw tooLarge(maxOutputBytes);
  if (scan.bound <= SYNC_DECODE_MAX && zstdNativeFits(scan.window)) {
    // Node >= 22.15: node:zlib's decoder with its reused context (zstd-native.ts), the fastest here.
    const sink = new CollectingSink(CompressionType.Zstd, maxOutputBytes);
    zstdNativeDecodeInto(data, maxOutputBytes, sink);
    return sink.result();
  }
  let out: Buffer;
  if (scan.bound < ZSTD_POOL_MIN_BOUND && zstdWasmFits(data.length, scan.bound)) {
    out = zstdWasmDecompress(data, scan.bound);
    if (out.length > maxOutputBytes) throw tooLarge(maxOutputBytes);
    return out;
  }
  try {
    out = await binding().decompress(asBuffer(data));
  } catch (err) {
    throw corrupt((err as Error).message, 0);
  }
  if (out.length > maxOutputBytes) throw tooLarge(maxOutputBytes);
  return out;
}

/** node's own streaming zstd decoder (Node >= 22.15 / 23.8), when this Node has it. */
const createZstdDecompress = (zlib as unknown as { createZstdDecompress?: (o: { chunkSize: number }) => Transform }).createZstdDecompress;
/** True when zstd output can be streamed (node:zlib has zstd); false on Node 20. */
export const ZSTD_STREAMING = typeof createZstdDecompress === 'function';
const STREAM_CHUNK = 128 * 1024;

/**
 * Decompresses `data` into `sink`. Where node:zlib has zstd, as a stream: output reaches the
 * sink chunk by chunk and decoding stops when the sink returns false, so a bomb is abandoned
 * at its first bad record. Elsewhere (Node 20) through zstdDecompress (the WebAssembly
 * decoder when the bound fits it, else the one-shot binding), admitted only when the frames'
 * bound fits `maxOutputBytes`: the whole output is allocated (at most the cap plus the slack)
 * and handed over at once.
 */
export async function zstdDecompressInto(data: Uint8Array, sink: ChunkSink, maxOutputBytes: number): Promise<void> {
  if (createZstdDecompress !== undefined) {
    scanZstdFrames(data);
    return pumpInflate(createZstdDecompress({ chunkSize: STREAM_CHUNK }), data, sink, CompressionType.Zstd);
  }
  let out: Buffer;
  try {
    out = await zstdDecompress(data, maxOutputBytes);
  } catch (err) {
    if (!(err instanceof DecompressionError) || err.reason !== 'too-large') throw err;
    // The bound passes the cap: decode the first blocks alone, so that junk is refused for its
    // first records as a stream would, and only well-formed records are too large.
    const prefix = zstdPrefix(data, PREFIX_BOUND);
    if (prefix === null) throw err;
    let part: Buffer;
    try {
      part = await binding().decompress(prefix);
    } catch (e) {
      throw corrupt((e as Error).message, 0);
    }
    if (part.length <= PREFIX_BOUND && !sink.push(part, 0, part.length)) return;
    throw err;
  }
  sink.push(out, 0, out.length);
}

/** Output bound of the blocks zstdPrefix keeps. */
const PREFIX_BOUND = 1024 * 1024;

/**
 * The first zstd frame of `data` cut after its first blocks (their output bound within
 * `maxBound`; at least one block): a valid frame of its own, the cut block marked last, the
 * content size and checksum flags dropped (the stream is shorter than both say). Null when
 * the frame cannot be cut so (single-segment frames, whose window is their content size,
 * or a first frame that ends within the bound anyway).
 */
export function zstdPrefix(data: Uint8Array, maxBound: number): Buffer | null {
  const len = data.length;
  let pos = 0;
  while (len - pos >= 8 && (readU32LE(data, pos) & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) pos += 8 + readU32LE(data, pos + 4);
  if (len - pos < 6 || readU32LE(data, pos) !== ZSTD_MAGIC) return null;
  const fhd = data[pos + 4]!;
  if ((fhd & 0x20) !== 0) return null;
  const descriptorEnd = pos + 5 + 1 + DICT_ID_SIZE[fhd & 3]!;
  const blocksStart = descriptorEnd + FCS_SIZE[fhd >>> 6]!;
  let at = blocksStart;
  let bound = 0;
  let cut = -1;
  for (;;) {
    if (len - at < 3) return null;
    const header = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16);
    const type = (header >>> 1) & 3;
    const size = header >>> 3;
    const out = type === 2 ? MAX_BLOCK : size;
    if (cut >= 0 && bound + out > maxBound) break;
    if ((header & 1) !== 0) return null;
    bound += out;
    cut = at;
    at += 3 + (type === 1 ? 1 : size);
    if (at > len) return null;
  }
  const frame = Buffer.allocUnsafe(4 + 1 + (descriptorEnd - pos - 5) + (at - blocksStart));
  frame.writeUInt32LE(ZSTD_MAGIC, 0);
  frame[4] = fhd & ~0xc4; // no content size, no checksum
  Buffer.from(data.buffer, data.byteOffset + pos + 5, descriptorEnd - pos - 5).copy(frame, 5);
  const blocksAt = 5 + (descriptorEnd - pos - 5);
  Buffer.from(data.buffer, data.byteOffset + blocksStart, at - blocksStart).copy(frame, blocksAt);
  frame[blocksAt + (cut - blocksStart)]! |= 1;
  return frame;
}

const zstdDecompressSync = (zlib as unknown as { zstdDecompressSync?: (d: Uint8Array, o: { maxOutputLength: number }) => Buffer }).zstdDecompressSync;

/**
 * One-shot synchronous decompression of a small input where node:zlib has zstd: the output,
 * or null when it would pass `maxOutputBytes` or this Node has no zstd (then use
 * zstdDecompressInto).
 */
export function zstdDecompressSmall(data: Uint8Array, maxOutputBytes: number): Buffer | null {
  if (zstdDecompressSync === undefined) return null;
  scanZstdFrames(data);
  try {
    return zstdDecompressSync(data, { maxOutputLength: maxOutputBytes });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE') return null;
    throw corrupt(e.message, 0);
  }
}

export interface ZstdScan {
  /** Upper bound of the decompressed size. */
  bound: number;
  /** Zstandard frames seen (skippable frames not counted). */
  frames: number;
  /**
   * Largest window a frame declares (its Window_Descriptor, or its content size for a
   * single-segment frame): what a streaming decoder allocates for it.
   */
  window: number;
}

/**
 * Checks the framing of one or more zstd frames filling `data` exactly and returns an upper
 * bound of their decompressed size; throws DecompressionError.
 */
export function scanZstdFrames(data: Uint8Array): ZstdScan {
  const len = data.length;
  let pos = 0;
  let bound = 0;
  let frames = 0;
  let window = 0;
  if (len === 0) throw corrupt('empty input', 0);
  while (pos < len) {
    if (len - pos < 4) throw corrupt('truncated frame magic', pos);
    const magic = readU32LE(data, pos);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (len - pos < 8) throw corrupt('truncated skippable frame', pos);
      const size = readU32LE(data, pos + 4);
      if (size > len - pos - 8) throw corrupt('truncated skippable frame', pos);
      pos += 8 + size;
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw corrupt('unknown frame descriptor', pos);
    frames++;
    pos += 4;
    if (pos >= len) throw corrupt('truncated frame header', pos);
    const fhd = data[pos++]!;
    if ((fhd & 0x08) !== 0) throw corrupt('reserved frame header bit set', pos - 1);
    const fcsFlag = fhd >>> 6;
    const singleSegment = (fhd & 0x20) !== 0;
    const checksum = (fhd & 0x04) !== 0;
    const dictIdSize = DICT_ID_SIZE[fhd & 3]!;
    const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : FCS_SIZE[fcsFlag]!;
    if (len - pos < (singleSegment ? 0 : 1) + dictIdSize + fcsSize) throw corrupt('truncated frame header', pos);
    const frameWindow = singleSegment ? contentSize(data, pos + dictIdSize, fcsSize) : windowSize(data[pos]!);
    if (frameWindow > window) window = frameWindow;
    pos += (singleSegment ? 0 : 1) + dictIdSize + fcsSize;
    for (;;) {
      if (len - pos < 3) throw corrupt('truncated block header', pos);
      const header = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
      pos += 3;
      const last = header & 1;
      const type = (header >>> 1) & 3;
      const size = header >>> 3;
      if (size > MAX_BLOCK) throw corrupt(`block size ${size} exceeds ${MAX_BLOCK}`, pos - 3);
      if (type === 0) {
        bound += size; // raw
        pos += size;
      } else if (type === 1) {
        bound += size; // RLE: one byte repeated `size` times
        pos += 1;
      } else if (type === 2) {
        bound += MAX_BLOCK;
        pos += size;
      } else {
        throw corrupt('reserved block type', pos - 3);
      }
      if (pos > len) throw corrupt('truncated block', len);
      if (last) break;
    }
    if (checksum) {
      if (len - pos < 4) throw corrupt('truncated content checksum', pos);
      pos += 4;
    }
  }
  return { bound, frames, window };
}

/** Window_Size of a Window_Descriptor byte (RFC 8878, 3.1.1.1.2). */
function windowSize(descriptor: number): number {
  const base = 2 ** (10 + (descriptor >>> 3));
  return base + (base / 8) * (descriptor & 7);
}

/** Frame_Content_Size of `size` bytes at `pos` (2-byte sizes are stored minus 256). */
function contentSize(data: Uint8Array, pos: number, size: number): number {
  if (size === 1) return data[pos]!;
  if (size === 2) return (data[pos]! | (data[pos + 1]! << 8)) + 256;
  if (size === 4) return readU32LE(data, pos);
  return readU32LE(data, pos) + readU32LE(data, pos + 4) * 2 ** 32;
}

function readU32LE(data: Uint8Array, pos: number): number {
  return (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24)) >>> 0;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function corrupt(message: string, offset: number): DecompressionError {
  return new DecompressionError(CompressionType.Zstd, 'corrupt', message, offset);
}

function tooLarge(maxOutputBytes: number): DecompressionError {
  return new DecompressionError(CompressionType.Zstd, 'too-large', `output exceeds ${maxOutputBytes} bytes`);
}
