// Test support for storage tests: builds magic-v2 record batches (uncompressed) with a valid
// CRC, decodes them back, and opens logs over FaultFs. No tests here.
import { crc32c } from '../../src/protocol/crc32c.js';
import { ManualClock } from '../../src/storage/clock.js';
import { resolveLogConfig, type LogConfig } from '../../src/storage/config.js';
import { FaultFs } from '../../src/storage/fs/fault-fs.js';
import { MemoryLogger } from '../../src/storage/logger.js';
import { PartitionLog, type PartitionLogOptions } from '../../src/storage/partition-log.js';

export interface TestRecord {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  timestamp?: number;
  headers?: [string, Buffer | string][];
}

function zz(n: number): number {
  // zig-zag for values within +-2^52
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function varintBytes(n: number): number[] {
  let v = zz(n);
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function bytesOf(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v) : v;
}

export interface BatchOptions {
  baseOffset?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  attributes?: number;
  partitionLeaderEpoch?: number;
}

/** A magic-v2 uncompressed batch holding `records` (timestamps default to 1000 + index). */
export function makeBatch(records: TestRecord[], opts: BatchOptions = {}): Buffer {
  const baseTs = records.length > 0 ? Math.min(...records.map((r, i) => r.timestamp ?? 1000 + i)) : 0;
  let maxTs = -1;
  const parts: Buffer[] = [];
  records.forEach((r, i) => {
    const ts = r.timestamp ?? 1000 + i;
    if (ts > maxTs) maxTs = ts;
    const key = bytesOf(r.key);
    const value = bytesOf(r.value === undefined ? `value-${i}` : r.value);
    const body: number[] = [0, ...varintBytes(ts - baseTs), ...varintBytes(i)];
    const chunks: Buffer[] = [];
    chunks.push(Buffer.from(body));
    chunks.push(Buffer.from(varintBytes(key === null ? -1 : key.length)));
    if (key) chunks.push(key);
    chunks.push(Buffer.from(varintBytes(value === null ? -1 : value.length)));
    if (value) chunks.push(value);
    const headers = r.headers ?? [];
    chunks.push(Buffer.from(varintBytes(headers.length)));
    for (const [hk, hv] of headers) {
      const hkb = Buffer.from(hk);
      const hvb = bytesOf(hv)!;
      chunks.push(Buffer.from(varintBytes(hkb.length)), hkb, Buffer.from(varintBytes(hvb.length)), hvb);
    }
    const recBody = Buffer.concat(chunks);
    parts.push(Buffer.from(varintBytes(recBody.length)), recBody);
  });
  const recs = Buffer.concat(parts);
  const buf = Buffer.alloc(61 + recs.length);
  buf.writeBigInt64BE(BigInt(opts.baseOffset ?? 0), 0);
  buf.writeInt32BE(buf.length - 12, 8);
  buf.writeInt32BE(opts.partitionLeaderEpoch ?? -1, 12);
  buf.writeInt8(2, 16);
  let attributes = opts.attributes ?? 0;
  if (opts.transactional) attributes |= 0x10;
  if (opts.control) attributes |= 0x20;
  buf.writeInt16BE(attributes, 21);
  buf.writeInt32BE(Math.max(0, records.length - 1), 23);
  buf.writeBigInt64BE(BigInt(baseTs), 27);
  buf.writeBigInt64BE(BigInt(maxTs), 35);
  buf.writeBigInt64BE(BigInt(opts.producerId ?? -1), 43);
  buf.writeInt16BE(opts.producerEpoch ?? -1, 51);
  buf.writeInt32BE(opts.baseSequence ?? -1, 53);
  buf.writeInt32BE(records.length, 57);
  recs.copy(buf, 61);
  buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
  return buf;
}

/** A batch of `n` records whose values are `prefix-i`, padded to about `valueSize` bytes. */
export function simpleBatch(n: number, prefix = 'v', valueSize = 0, timestamp = 1000): Buffer {
  const recs: TestRecord[] = [];
  for (let i = 0; i < n; i++) {
    let v = `${prefix}-${i}`;
    if (valueSize > v.length) v = v.padEnd(valueSize, '.');
    recs.push({ key: `k${i}`, value: v, timestamp: timestamp + i });
  }
  return makeBatch(recs);
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

function readVar(buf: Buffer, pos: number): [number, number] {
  let raw = 0;
  let mul = 1;
  let b: number;
  do {
    b = buf[pos++]!;
    raw += (b & 0x7f) * mul;
    mul *= 128;
  } while (b & 0x80);
  return [raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2, pos];
}

export interface DecodedBatch {
  baseOffset: number;
  lastOffset: number;
  partitionLeaderEpoch: number;
  attributes: number;
  maxTimestamp: number;
  crcValid: boolean;
  records: DecodedRecord[];
  size: number;
}

/** Decodes every (uncompressed) batch of `buf`; throws on malformed input. */
export function decodeBatches(buf: Buffer): DecodedBatch[] {
  const out: DecodedBatch[] = [];
  let at = 0;
  while (at < buf.length) {
    const size = 12 + buf.readInt32BE(at + 8);
    if (at + size > buf.length) throw new Error(`partial batch at ${at}`);
    const b = buf.subarray(at, at + size);
    const baseOffset = Number(b.readBigInt64BE(0));
    const attributes = b.readInt16BE(21);
    const baseTs = Number(b.readBigInt64BE(27));
    const maxTs = Number(b.readBigInt64BE(35));
    const count = b.readInt32BE(57);
    const records: DecodedRecord[] = [];
    let p = 61;
    for (let i = 0; i < count; i++) {
      let len: number;
      [len, p] = readVar(b, p);
      const end = p + len;
      p += 1;
      let tsd: number;
      [tsd, p] = readVar(b, p);
      let od: number;
      [od, p] = readVar(b, p);
      let kl: number;
      [kl, p] = readVar(b, p);
      const key = kl < 0 ? null : Buffer.from(b.subarray(p, p + kl));
      if (kl > 0) p += kl;
      let vl: number;
      [vl, p] = readVar(b, p);
      const value = vl < 0 ? null : Buffer.from(b.subarray(p, p + vl));
      const timestamp = (attributes & 0x08) !== 0 ? maxTs : baseTs + tsd;
      records.push({ offset: baseOffset + od, timestamp, key, value });
      p = end;
    }
    out.push({
      baseOffset,
      lastOffset: baseOffset + b.readInt32BE(23),
      partitionLeaderEpoch: b.readInt32BE(12),
      attributes,
      maxTimestamp: maxTs,
      crcValid: b.readUInt32BE(17) === crc32c(b.subarray(21)),
      records,
      size,
    });
    at += size;
  }
  return out;
}

export interface TestEnv {
  fs: FaultFs;
  clock: ManualClock;
  logger: MemoryLogger;
  config: LogConfig;
  open(extra?: Partial<PartitionLogOptions>): PartitionLog;
}

export function testEnv(overrides: Record<string, string | number | boolean> = {}, dir = '/data/topic-0'): TestEnv {
  const fs = new FaultFs();
  const clock = new ManualClock();
  fs.clockMs = () => clock.now();
  const logger = new MemoryLogger();
  const config = resolveLogConfig(overrides);
  fs.mkdirSync('/data');
  fs.fsyncDirSync('/');
  return {
    fs,
    clock,
    logger,
    config,
    open: (extra = {}) => PartitionLog.open({ dir, fs, clock, logger, config, ...extra }),
  };
}

/** Reads every record of a log from its start by repeated reads. */
export function readAll(log: PartitionLog, maxBytes = 1 << 20): DecodedBatch[] {
  const out: DecodedBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, maxBytes);
    if (r.records.length === 0) break;
    const batches = decodeBatches(r.records);
    out.push(...batches);
    offset = batches[batches.length - 1]!.lastOffset + 1;
  }
  return out;
}

/** Deterministic PRNG (mulberry32) for reproducible random tests. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
