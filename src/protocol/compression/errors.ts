import { ProtocolDecodeError } from '../primitives/errors.js';
import type { CompressionType } from './compression-type.js';

/** Why a payload could not be decompressed. */
export type DecompressionFailure =
  /** Not a valid stream for the codec (bad magic, bad block, checksum mismatch, truncated). */
  | 'corrupt'
  /** The output would exceed the caller's `maxOutputBytes`; nothing that large was allocated. */
  | 'too-large'
  /** The codec id is not one Kafka defines (attribute bits 5, 6 or 7). */
  | 'unsupported';

/**
 * A compressed records section that cannot be turned back into bytes. It is a
 * ProtocolDecodeError (malformed input produces nothing else), carrying the codec and the
 * reason so the broker can pick the error code: see `recordsErrorCode` in records/.
 */
export class DecompressionError extends ProtocolDecodeError {
  readonly codec: CompressionType;
  readonly reason: DecompressionFailure;

  constructor(codec: CompressionType, reason: DecompressionFailure, message: string, offset = 0) {
    super(`${codecName(codec)}: ${message}`, offset);
    this.codec = codec;
    this.reason = reason;
  }
}

/** Kafka's name for a codec id (`compression.type` values), or `unknown(<id>)`. */
export function codecName(codec: number): string {
  switch (codec) {
    case 0: return 'none';
    case 1: return 'gzip';
    case 2: return 'snappy';
    case 3: return 'lz4';
    case 4: return 'zstd';
    default: return `unknown(${codec})`;
  }
}

/** Thrown for `maxOutputBytes` the caller computed wrongly (negative, NaN): a programming error. */
export function checkLimit(maxOutputBytes: number): void {
  if (!(maxOutputBytes >= 0)) throw new RangeError(`maxOutputBytes must be >= 0, got ${maxOutputBytes}`);
}

/**
 * Where a streaming decompression delivers its output, chunk by chunk, as it is produced.
 * `push` sees `chunk[start, end)` (valid only during the call: the codec may reuse it) and
 * returns false to stop decompressing (the consumer has seen enough: a fault, or its cap).
 */
export interface ChunkSink {
  push(chunk: Buffer, start: number, end: number): boolean;
}

/**
 * A ChunkSink that keeps everything (copies: chunks are valid only during `push`), for the
 * one-shot calls built on a streaming decoder; past `maxOutputBytes` it throws
 * DecompressionError('too-large') from `push`, stopping the decoder.
 */
export class CollectingSink implements ChunkSink {
  private readonly parts: Buffer[] = [];
  private total = 0;

  constructor(
    private readonly codec: CompressionType,
    private readonly maxOutputBytes: number,
  ) {}

  push(chunk: Buffer, start: number, end: number): boolean {
    this.total += end - start;
    if (this.total > this.maxOutputBytes) {
      throw new DecompressionError(this.codec, 'too-large', `output exceeds ${this.maxOutputBytes} bytes`);
    }
    this.parts.push(Buffer.from(chunk.subarray(start, end)));
    return true;
  }

  /** Everything pushed, as one buffer. */
  result(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.total);
  }
}
