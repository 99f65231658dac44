/**
 * Encodes a Fetch response frame without copying its records: the generated codec writes
 * every field as usual, except that records buffers of at least SPLICE_MIN_BYTES are not
 * copied into the frame buffer but left as their own chunks, so the frame goes out as
 * `[frame bytes up to the records, records, frame bytes after them, ...]` in one corked
 * (writev) socket write. Byte for byte the same as `encodeResponseFrame`; small records stay
 * inline, where a copy costs less than a chunk. Records read into the read buffer pool go
 * back to it once encoded (copied) or written (spliced).
 */
import * as FetchResponseCodec from '../../protocol/generated/fetch-response.js';
import type { FetchResponse } from '../../protocol/generated/fetch-response.js';
import { responseHeaderVersion } from '../../protocol/generated/api-keys.js';
import * as ResponseHeader from '../../protocol/generated/response-header.js';
import { ProtocolEncodeError } from '../../protocol/primitives/errors.js';
import { Writer } from '../../protocol/primitives/writer.js';
import type { ChunkedFrame } from '../network/connection.js';
import { readBufferPool } from '../network/read-buffer-pool.js';

/** Records smaller than this are copied into the frame. */
export const SPLICE_MIN_BYTES = 16 * 1024;
const FETCH_API_KEY = 1;

/**
 * A Writer that leaves the spliced buffers out of its own buffer: `bytes(v)` for one of them
 * closes the current chunk, adds `v` as a chunk and carries on from the same position.
 */
class SplicingWriter extends Writer {
  readonly chunks: Buffer[] = [];
  private readonly splice: ReadonlySet<Buffer>;
  private chunkStart = 0;

  constructor(buf: Buffer, splice: ReadonlySet<Buffer>) {
    super(buf, 0);
    this.splice = splice;
  }

  override bytes(v: Uint8Array): void {
    if (v.length >= SPLICE_MIN_BYTES && this.splice.has(v as Buffer)) {
      if (this.pos > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
      this.chunks.push(v as Buffer);
      this.chunkStart = this.pos;
    } else {
      super.bytes(v);
    }
  }

  finish(version: number): readonly Buffer[] {
    if (this.pos !== this.buf.length) throw new ProtocolEncodeError(`fetch response wrote ${this.pos} of ${this.buf.length} bytes`, FETCH_API_KEY, version);
    if (this.pos > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
    return this.chunks;
  }
}

/** Gives pooled records back to the pool once the socket has written them. */
class PooledRecords {
  private readonly records: Buffer[];

  constructor(records: Buffer[]) {
    this.records = records;
    this.written = this.written.bind(this);
  }

  written(err?: Error | null): void {
    // A failed write may leave its buffers in flight: let them be collected instead.
    if (err !== null && err !== undefined) return;
    for (let i = 0; i < this.records.length; i++) readBufferPool.release(this.records[i]!);
  }
}

/**
 * The response frame (size prefix, header, body) for Fetch `version`: one buffer when no
 * records are large enough to splice, else the chunks to write in order.
 */
export function encodeFetchResponseFrame(version: number, correlationId: number, body: FetchResponse): Buffer | ChunkedFrame {
  const splice = new Set<Buffer>();
  let spliced = 0;
  let pooled: Buffer[] | null = null;
  for (const t of body.responses) {
    for (const p of t.partitions) {
      const r = p.records;
      if (r === null) continue;
      if (r.length >= SPLICE_MIN_BYTES) {
        splice.add(r);
        spliced += r.length;
      }
      if (readBufferPool.isLent(r)) (pooled ??= []).push(r);
    }
  }
  const headerVersion = responseHeaderVersion(FETCH_API_KEY, version);
  const header: ResponseHeader.ResponseHeader = { correlationId };
  const headerSize = ResponseHeader.size(header, headerVersion);
  const bodySize = FetchResponseCodec.size(body, version);
  if (spliced === 0) {
    const w = new Writer(Buffer.allocUnsafe(4 + headerSize + bodySize), 0);
    w.int32(headerSize + bodySize);
    ResponseHeader.write(w, header, headerVersion);
    FetchResponseCodec.write(w, body, version);
    if (pooled !== null) new PooledRecords(pooled).written();
    return w.buf;
  }
  const w = new SplicingWriter(Buffer.allocUnsafe(4 + headerSize + bodySize - spliced), splice);
  w.int32(headerSize + bodySize);
  ResponseHeader.write(w, header, headerVersion);
  FetchResponseCodec.write(w, body, version);
  return { chunks: w.finish(version), written: pooled === null ? null : new PooledRecords(pooled).written };
}
