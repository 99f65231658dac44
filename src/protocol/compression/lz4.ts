import { createRequire } from 'node:module';
import { CompressionType } from './compression-type.js';
import { CollectingSink, DecompressionError, type ChunkSink } from './errors.js';
import { xxh32 } from './xxhash32.js';
import { lz4WasmDecodeInto, lz4WasmFits } from './lz4-wasm.js';

type Lz4Napi = typeof import('lz4-napi');
const require = createRequire(import.meta.url);
let lz4Lib: Lz4Napi | undefined;
/** The native binding, loaded on first use: most brokers never see lz4, and loading costs start-up time. */
function lz4(): Lz4Napi {
  return (lz4Lib ??= require('lz4-napi') as Lz4Napi);
}

/**
 * LZ4 frame format (magic 0x184D2204), as Kafka's Java client (KafkaLZ4BlockOutputStream /
 * Lz4BlockInputStream) and librdkafka (liblz4's LZ4F) exchange it for record batch v2.
 *
 * The async calls use lz4-napi's (lz4_flex) frame functions on the libuv pool: FLG 0x60
 * (version 01, independent blocks, no checksums, no content size), BD 0x50 (256 KiB blocks);
 * the Java reader accepts any block size id 4..7 and librdkafka reads any valid frame.
 * lz4_flex verifies the header, block and content checksums.
 *
 * The sync calls build and read the frame here around lz4-napi's block functions (its sync
 * frame functions measured 5x slower): written exactly as KafkaLZ4BlockOutputStream writes
 * it (FLG 0x60, BD 0x40: 64 KiB blocks, a block stored raw when it does not shrink); read
 * like Lz4BlockInputStream, checking the header checksum and block checksums and, like it,
 * not the content checksum.
 *
 * Before inflating, `scanLz4Frame` walks the frame descriptor and block headers in place:
 * it rejects what Kafka's Java reader rejects (reserved bits, version other than 01,
 * dependent blocks, block size id outside 4..7, a block larger than the maximum) and sums an
 * upper bound of the output (stored blocks count their size, compressed blocks the block
 * maximum) so the cap is enforced before anything is inflated. As in the Java reader,
 * decoding stops at the first frame's end mark; bytes after it are ignored.
 */

const LZ4_MAGIC = 0x184d2204;
const STORED_BLOCK = 0x80000000;

const JAVA_BLOCK_SIZE = 64 * 1024;
/** Magic, FLG 0x60, BD 0x40 and the header checksum (second byte of XXH32 of FLG and BD). */
const JAVA_FRAME_HEADER = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, (xxh32(Buffer.from([0x60, 0x40])) >>> 8) & 0xff]);

export function lz4CompressSync(data: Uint8Array): Buffer {
  const input = asBuffer(data);
  const blocks: Buffer[] = [JAVA_FRAME_HEADER];
  let total = JAVA_FRAME_HEADER.length + 4;
  for (let pos = 0; pos < input.length; pos += JAVA_BLOCK_SIZE) {
    const chunk = input.subarray(pos, Math.min(pos + JAVA_BLOCK_SIZE, input.length));
    // lz4-napi's block output is size-prepended: [uint32 LE uncompressed size][block].
    const packed = lz4().compressSync(chunk);
    const compressedSize = packed.length - 4;
    if (compressedSize < chunk.length) {
      packed.writeUInt32LE(compressedSize, 0);
      blocks.push(packed);
    } else {
      const size = Buffer.allocUnsafe(4);
      size.writeUInt32LE((chunk.length | STORED_BLOCK) >>> 0, 0);
      blocks.push(size, chunk);
    }
    total += 4 + Math.min(compressedSize, chunk.length);
  }
  blocks.push(END_MARK);
  return Buffer.concat(blocks, total);
}

const END_MARK = Buffer.alloc(4);
/** Reused input of the block call (size-prefixed copy of one block; calls are synchronous). */
const SCRATCH_MAX = 4 + 256 * 1024;
let scratch = Buffer.allocUnsafe(4 + 64 * 1024);

export function lz4Compress(data: Uint8Array): Promise<Buffer> {
  return lz4().compressFrame(data);
}

/** Where a frame ends and how large its output can be at most. */
export interface Lz4FrameScan {
  /** Offset just past the frame (end mark and content checksum included). */
  end: number;
  /** Upper bound of the decompressed size. */
  maxOutput: number;
  /** Largest block the frame may hold (64 KiB .. 4 MiB). */
  maxBlockSize: number;
}

/** Checks the framing of an LZ4 frame at the start of `data`; throws DecompressionError. */
export function scanLz4Frame(data: Uint8Array): Lz4FrameScan {
  const len = data.length;
  if (len < 7) throw corrupt('stream ended prematurely', 0);
  if (readU32LE(data, 0) !== LZ4_MAGIC) throw corrupt('stream unsupported (invalid magic bytes)', 0);
  const flg = data[4]!;
  const bd = data[5]!;
  if ((flg & 0x03) !== 0) throw corrupt('reserved FLG bits must be 0', 4);
  if ((flg & 0x20) === 0) throw corrupt('dependent block stream is unsupported', 4);
  if (flg >>> 6 !== 1) throw corrupt(`version ${flg >>> 6} is unsupported`, 4);
  if ((bd & 0x8f) !== 0) throw corrupt('reserved BD bits must be 0', 5);
  const blockSizeId = (bd >>> 4) & 7;
  if (blockSizeId < 4) throw corrupt(`block size id ${blockSizeId} must be between 4 and 7`, 5);
  const maxBlockSize = 1 << (2 * blockSizeId + 8);
  const blockChecksum = (flg & 0x10) !== 0;
  const contentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;

  let pos = 6 + (contentSize ? 8 : 0) + 1; // descriptor, optional content size, header checksum
  if (pos > len) throw corrupt('stream ended prematurely', len);
  let maxOutput = 0;
  for (;;) {
    if (len - pos < 4) throw corrupt('stream ended prematurely', pos);
    const word = readU32LE(data, pos);
    pos += 4;
    if (word === 0) break; // end mark
    const size = word & ~STORED_BLOCK;
    if (size > maxBlockSize) throw corrupt(`block size ${size} exceeded max: ${maxBlockSize}`, pos - 4);
    pos += size + (blockChecksum ? 4 : 0);
    if (pos > len) throw corrupt('stream ended prematurely', len);
    maxOutput += (word & STORED_BLOCK) !== 0 ? size : maxBlockSize;
  }
  if (contentChecksum) {
    if (len - pos < 4) throw corrupt('stream ended prematurely', pos);
    pos += 4;
  }
  return { end: pos, maxOutput, maxBlockSize };
}

export function lz4DecompressSync(data: Uint8Array, maxOutputBytes: number): Buffer {
  admit(data, maxOutputBytes);
  const sink = new CollectingSink(CompressionType.Lz4, maxOutputBytes);
  lz4DecompressInto(data, sink);
  return sink.result();
}

/**
 * Streams the frame's blocks to `sink` as they inflate, one block at a time (at most one
 * block of output is held), checking the header and block checksums as lz4DecompressSync
 * does. Stops when the sink returns false. Framing is checked first (scanLz4Frame); the
 * output cap is the sink's. A frame whose bound fits the WebAssembly decoder, once loaded,
 * reaches the sink in one push instead.
 */
export function lz4DecompressInto(data: Uint8Array, sink: ChunkSink): void {
  const frame = scanLz4Frame(data);
  // Most frames: one WebAssembly call, no allocation (lz4-wasm.ts); a frame it refuses is
  // decoded again below, which decides as Kafka's Java reader does.
  if (lz4WasmFits(frame) && lz4WasmDecodeInto(data, frame, sink)) return;
  const input = asBuffer(data);
  const flg = input[4]!;
  const descriptorEnd = 6 + ((flg & 0x08) !== 0 ? 8 : 0);
  if (input[descriptorEnd] !== ((xxh32(input, 4, descriptorEnd) >>> 8) & 0xff)) {
    throw corrupt('stream frame descriptor corrupted', descriptorEnd);
  }
  const blockChecksum = (flg & 0x10) !== 0;
  let pos = descriptorEnd + 1;
  for (;;) {
    const word = input.readUInt32LE(pos);
    pos += 4;
    if (word === 0) return;
    const size = word & ~STORED_BLOCK;
    const blockStart = pos;
    pos += size;
    if (blockChecksum) {
      if (xxh32(input, blockStart, pos) !== input.readUInt32LE(pos)) throw corrupt('block checksum mismatch', pos);
      pos += 4;
    }
    if ((word & STORED_BLOCK) !== 0) {
      if (!sink.push(input, blockStart, blockStart + size)) return;
    } else {
      const part = inflateBlock(input.subarray(blockStart, blockStart + size), frame.maxBlockSize, blockStart);
      if (!sink.push(part, 0, part.length)) return;
    }
  }
}

/** One compressed block, at most `maxBlockSize` once inflated, through lz4-napi's block call. */
function inflateBlock(block: Buffer, maxBlockSize: number, offset: number): Buffer {
  // lz4-napi reads a size-prepended block and treats the size as the output capacity.
  // Blocks up to 256 KiB (Java's 64 KiB, lz4_flex's 256 KiB) reuse one buffer; rarer 1-4 MiB blocks get their own.
  if (scratch.length < 4 + block.length && 4 + block.length <= SCRATCH_MAX) scratch = Buffer.allocUnsafe(SCRATCH_MAX);
  const prefixed = scratch.length >= 4 + block.length ? scratch.subarray(0, 4 + block.length) : Buffer.allocUnsafe(4 + block.length);
  prefixed.writeUInt32LE(maxBlockSize, 0);
  block.copy(prefixed, 4);
  try {
    return lz4().uncompressSync(prefixed);
  } catch (err) {
    throw corrupt((err as Error).message, offset);
  }
}

export async function lz4Decompress(data: Uint8Array, maxOutputBytes: number): Promise<Buffer> {
  const frame = admit(data, maxOutputBytes);
  let out: Buffer;
  try {
    out = await lz4().decompressFrame(data.subarray(0, frame.end));
  } catch (err) {
    throw corrupt((err as Error).message, 0);
  }
  return checkOutput(out, maxOutputBytes);
}

/**
 * Lets a frame through to the native decoder only if its bound is within one block of the
 * cap: real encoders fill every block but the last, so a frame whose real output fits the
 * cap always passes, and at most one block more than the cap is ever allocated. The exact
 * check happens on the output.
 */
function admit(data: Uint8Array, maxOutputBytes: number): Lz4FrameScan {
  const frame = scanLz4Frame(data);
  if (frame.maxOutput - frame.maxBlockSize > maxOutputBytes) throw tooLarge(maxOutputBytes);
  return frame;
}

function checkOutput(out: Buffer, maxOutputBytes: number): Buffer {
  if (out.length > maxOutputBytes) throw tooLarge(maxOutputBytes);
  return out;
}

function readU32LE(data: Uint8Array, pos: number): number {
  return (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24)) >>> 0;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function corrupt(message: string, offset: number): DecompressionError {
  return new DecompressionError(CompressionType.Lz4, 'corrupt', message, offset);
}

function tooLarge(maxOutputBytes: number): DecompressionError {
  return new DecompressionError(CompressionType.Lz4, 'too-large', `output exceeds ${maxOutputBytes} bytes`);
}
