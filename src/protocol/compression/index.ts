import { CompressionType } from './compression-type.js';
import { checkLimit, codecName, DecompressionError } from './errors.js';
import { gzipCompress, gzipCompressSync, gzipDecompress, gzipDecompressSync } from './gzip.js';
import { lz4Compress, lz4CompressSync, lz4Decompress, lz4DecompressSync } from './lz4.js';
import { snappyCompressFramed, snappyDecompress, snappyDecompressSync } from './snappy.js';
import { zstdCompress, zstdDecompress } from './zstd.js';

/**
 * Compression codecs of record batch v2, by the codec id in the batch attributes. Every
 * decompression takes a cap and fails with DecompressionError('too-large') before allocating
 * past it (within one codec block), so a small hostile payload cannot make the broker
 * allocate gigabytes. Malformed input yields DecompressionError('corrupt'), a
 * ProtocolDecodeError, and nothing else.
 *
 * The synchronous variants exist for every codec but zstd, whose binding is async only.
 */

export { CompressionType } from './compression-type.js';
export { DecompressionError, codecName } from './errors.js';
export type { ChunkSink, DecompressionFailure } from './errors.js';
export { gzipDecompressInto, gzipDecompressSmall } from './gzip.js';
export { lz4DecompressInto } from './lz4.js';
export { snappyDecompressInto } from './snappy.js';
export { zstdDecompressInto, zstdDecompressSmall, ZSTD_STREAMING } from './zstd.js';
export { loadLz4Wasm, lz4WasmReady } from './lz4-wasm.js';
export { NATIVE_MAX_WINDOW, zstdNativeDecodeInto, zstdNativeFits, zstdNativeReady } from './zstd-native.js';
export { loadZstdWasm, zstdWasmDecodeInto, zstdWasmFits, zstdWasmReady, WASM_MAX_BOUND } from './zstd-wasm.js';
export { isXerialFramed, snappyCompressFramed, snappyCompressRaw, XERIAL_BLOCK_SIZE } from './snappy.js';
export { scanLz4Frame } from './lz4.js';
export type { Lz4FrameScan } from './lz4.js';
export { scanZstdFrames, ZSTD_DEFAULT_LEVEL, ZSTD_POOL_MIN_BOUND } from './zstd.js';
export type { ZstdScan } from './zstd.js';
export { GZIP_DEFAULT_LEVEL } from './gzip.js';

/** Thrown by the synchronous calls for a codec that has none (zstd): a programming error. */
export class SyncCodecUnavailableError extends Error {
  override readonly name = 'SyncCodecUnavailableError';
  readonly code = 'ERR_SYNC_CODEC_UNAVAILABLE';
  constructor(codec: CompressionType) {
    super(`${codecName(codec)} has no synchronous implementation here; use the async call`);
  }
}

/** True when compressSync/decompressSync work for `codec`. */
export function hasSyncCodec(codec: CompressionType): boolean {
  return codec !== CompressionType.Zstd;
}

/**
 * Compresses a records section. `level` applies to gzip (1..9) and zstd (-131072..22) and
 * defaults to Kafka's defaults; snappy and lz4 have none. `None` returns the bytes as given.
 */
export async function compress(codec: CompressionType, data: Uint8Array, level?: number): Promise<Buffer> {
  switch (codec) {
    case CompressionType.None:
      return asBuffer(data);
    case CompressionType.Gzip:
      return gzipCompress(data, level);
    case CompressionType.Snappy:
      return snappyCompressFramed(data);
    case CompressionType.Lz4:
      return lz4Compress(data);
    case CompressionType.Zstd:
      return zstdCompress(data, level);
    default:
      throw new RangeError(`unknown compression codec ${codec as number}`);
  }
}

export function compressSync(codec: CompressionType, data: Uint8Array, level?: number): Buffer {
  switch (codec) {
    case CompressionType.None:
      return asBuffer(data);
    case CompressionType.Gzip:
      return gzipCompressSync(data, level);
    case CompressionType.Snappy:
      return snappyCompressFramed(data);
    case CompressionType.Lz4:
      return lz4CompressSync(data);
    case CompressionType.Zstd:
      throw new SyncCodecUnavailableError(codec);
    default:
      throw new RangeError(`unknown compression codec ${codec as number}`);
  }
}

/**
 * Decompresses a records section of at most `maxOutputBytes` once inflated. Snappy accepts
 * both xerial-framed and raw input. Codec ids Kafka does not define fail with
 * DecompressionError('unsupported').
 */
export async function decompress(codec: CompressionType, data: Uint8Array, maxOutputBytes: number): Promise<Buffer> {
  checkLimit(maxOutputBytes);
  switch (codec) {
    case CompressionType.None:
      if (data.length > maxOutputBytes) throw noneTooLarge(maxOutputBytes);
      return asBuffer(data);
    case CompressionType.Gzip:
      return gzipDecompress(data, maxOutputBytes);
    case CompressionType.Snappy:
      return snappyDecompress(data, maxOutputBytes);
    case CompressionType.Lz4:
      return lz4Decompress(data, maxOutputBytes);
    case CompressionType.Zstd:
      return zstdDecompress(data, maxOutputBytes);
    default:
      throw unsupported(codec);
  }
}

export function decompressSync(codec: CompressionType, data: Uint8Array, maxOutputBytes: number): Buffer {
  checkLimit(maxOutputBytes);
  switch (codec) {
    case CompressionType.None:
      if (data.length > maxOutputBytes) throw noneTooLarge(maxOutputBytes);
      return asBuffer(data);
    case CompressionType.Gzip:
      return gzipDecompressSync(data, maxOutputBytes);
    case CompressionType.Snappy:
      return snappyDecompressSync(data, maxOutputBytes);
    case CompressionType.Lz4:
      return lz4DecompressSync(data, maxOutputBytes);
    case CompressionType.Zstd:
      throw new SyncCodecUnavailableError(codec);
    default:
      throw unsupported(codec);
  }
}

function unsupported(codec: number): DecompressionError {
  return new DecompressionError(codec as CompressionType, 'unsupported', `unknown compression codec id ${codec}`);
}

function noneTooLarge(maxOutputBytes: number): DecompressionError {
  return new DecompressionError(CompressionType.None, 'too-large', `output exceeds ${maxOutputBytes} bytes`);
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
