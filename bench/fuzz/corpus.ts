/**
 * The seeds the fuzzer mutates, built the same way on every run:
 *
 * - request and response frames captured from seven real clients (test/fixtures/golden/);
 * - sample values of every message at every version (tools/codegen/samples.ts), encoded bare
 *   and, for API messages, as request/response frames with their header;
 * - record batches: built here for every codec and shape (empty, control, transactional,
 *   LogAppendTime), written by Kafka's Java client (test/protocol/records/fixtures/), and
 *   cut out of the golden Produce requests and Fetch responses;
 * - the compressed records sections of those batches, plus raw snappy, lz4_flex frames, gzip
 *   with two members and 4 MiB of zeros per codec (to test the decompression cap).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APIS } from '../../src/protocol/generated/api-keys.js';
import { CODECS } from '../../src/protocol/generated/index.js';
import type { MessageCodec } from '../../src/protocol/primitives/codec-helpers.js';
import { decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame } from '../../src/protocol/header.js';
import { compress, decompressSync, snappyCompressRaw } from '../../src/protocol/compression/index.js';
import { lz4Compress, lz4CompressSync } from '../../src/protocol/compression/lz4.js';
import { xxh32 } from '../../src/protocol/compression/xxhash32.js';
import {
  batchCompression, BatchCursor, batchRecordCount, CompressionType, ControlRecordType, encodeBatch, encodeBatchSync, encodeEndTxnMarkerBatch,
  RECORDS_OFFSET, TimestampType, validateBatch, type BatchOptions, type RecordInput,
} from '../../src/protocol/records/index.js';
import { buildModels } from '../../tools/codegen/generate.js';
import { findRepoRoot } from '../../tools/codegen/paths.js';
import { sampleMessage } from '../../tools/codegen/samples.js';

/** One message codec at one version, with encodings of sample values. */
export interface MessagePair {
  name: string;
  codec: MessageCodec<unknown>;
  version: number;
  seeds: Buffer[];
}

/** A request or response frame (no size prefix) of `apiKey` at `version`. */
export interface FrameSeed {
  apiKey: number;
  version: number;
  data: Buffer;
  /** `golden/<client>/<file>` or `sample`. */
  origin: string;
}

/** Sample frames of one API at one version, for round-robin coverage of every version. */
export interface FramePair {
  apiKey: number;
  version: number;
  seeds: Buffer[];
}

/** A complete batch whose records section, decompressed, is `plain` (null for zstd). */
export interface BatchSeed {
  data: Buffer;
  codec: CompressionType;
  plain: Buffer | null;
  count: number;
  origin: string;
}

export interface CompressedSeed {
  codec: CompressionType;
  data: Buffer;
  origin: string;
}

export interface Corpus {
  goldenRequests: FrameSeed[];
  goldenResponses: FrameSeed[];
  requestPairs: FramePair[];
  responsePairs: FramePair[];
  messagePairs: MessagePair[];
  batches: BatchSeed[];
  /** Several batches back to back (Fetch records, segment reads). */
  batchRuns: Buffer[];
  compressed: CompressedSeed[];
  /** Uncompressed records sections with their record count. */
  records: Array<{ data: Buffer; count: number }>;
  /** The bytes of each pool, for splicing within a pool. */
  pools: { goldenRequests: Buffer[]; goldenResponses: Buffer[]; batches: Buffer[]; records: Buffer[]; compressed: Buffer[] };
  /** Every seed of every pool: material for splicing across pools. */
  all: Buffer[];
}

const T0 = 1_700_000_000_000;
/** Several rich samples, so that nested arrays are non-empty in some and every struct gets read. */
const SAMPLE_RUNS: Array<['rich' | 'defaults', number]> = [
  ['rich', 1], ['rich', 2], ['rich', 3], ['rich', 4], ['rich', 5], ['rich', 6], ['defaults', 7],
];

export async function buildCorpus(): Promise<Corpus> {
  const root = findRepoRoot();
  const models = buildModels(join(root, 'spec'));

  const messagePairs: MessagePair[] = [];
  const sampleValues = new Map<string, unknown[]>();
  for (const m of models) {
    const codec = CODECS[m.name];
    if (codec === undefined) throw new Error(`no codec for ${m.name}`);
    for (let v = m.validVersions.lowest; v <= m.validVersions.highest; v++) {
      const values = SAMPLE_RUNS.map(([mode, seed]) => sampleMessage(m, v, mode, seed).value);
      sampleValues.set(`${m.name}/${v}`, values);
      messagePairs.push({ name: m.name, codec, version: v, seeds: values.map((x) => codec.encode(x, v)) });
    }
  }

  const requestPairs: FramePair[] = [];
  const responsePairs: FramePair[] = [];
  for (const api of APIS) {
    for (let v = api.validVersions.lowest; v <= api.validVersions.highest; v++) {
      const requests = sampleValues.get(`${api.request.name}/${v}`) ?? [];
      const responses = sampleValues.get(`${api.response.name}/${v}`) ?? [];
      requestPairs.push({
        apiKey: api.apiKey, version: v,
        seeds: requests.map((x, i) => encodeRequestFrame(api.apiKey, v, { correlationId: 7 + i, clientId: i === 1 ? null : 'fuzz' }, x as never).subarray(4)),
      });
      responsePairs.push({
        apiKey: api.apiKey, version: v,
        seeds: responses.map((x, i) => encodeResponseFrame(api.apiKey, v, 7 + i, x as never).subarray(4)),
      });
    }
  }

  const { requests: goldenRequests, responses: goldenResponses } = loadGolden(join(root, 'test', 'fixtures', 'golden'));

  const batches: BatchSeed[] = [];
  await addBuiltBatches(batches);
  addJavaBatches(batches, join(root, 'test', 'protocol', 'records', 'fixtures'));
  addCapturedBatches(batches, goldenRequests, goldenResponses);

  const batchRuns: Buffer[] = [];
  for (let i = 0; i + 2 < batches.length; i += 3) {
    const run = [batches[i]!, batches[i + 1]!, batches[i + 2]!].filter((b) => b.data.length < 64 * 1024).map((b) => b.data);
    if (run.length >= 2) batchRuns.push(Buffer.concat(run));
  }

  const compressed: CompressedSeed[] = [];
  for (const b of batches) {
    if (b.codec !== CompressionType.None && b.data.length > RECORDS_OFFSET) {
      compressed.push({ codec: b.codec, data: b.data.subarray(RECORDS_OFFSET), origin: b.origin });
    }
  }
  await addExtraCompressed(compressed);

  const records: Array<{ data: Buffer; count: number }> = [];
  for (const b of batches) if (b.plain !== null && b.count > 0 && b.plain.length < 64 * 1024) records.push({ data: b.plain, count: b.count });

  const all: Buffer[] = [
    ...goldenRequests.map((s) => s.data), ...goldenResponses.map((s) => s.data),
    ...messagePairs.flatMap((p) => p.seeds), ...batches.map((b) => b.data).filter((d) => d.length < 64 * 1024),
    ...compressed.map((c) => c.data).filter((d) => d.length < 64 * 1024),
  ];
  const pools = {
    goldenRequests: goldenRequests.map((s) => s.data),
    goldenResponses: goldenResponses.map((s) => s.data),
    batches: batches.map((b) => b.data),
    records: records.map((r) => r.data),
    compressed: compressed.map((c) => c.data),
  };
  return { goldenRequests, goldenResponses, requestPairs, responsePairs, messagePairs, batches, batchRuns, compressed, records, pools, all };
}

interface GoldenIndex {
  files: Array<{ file: string; direction: 'request' | 'response'; apiKey: number; apiVersion: number }>;
}

function loadGolden(dir: string): { requests: FrameSeed[]; responses: FrameSeed[] } {
  const requests: FrameSeed[] = [];
  const responses: FrameSeed[] = [];
  for (const client of readdirSync(dir).sort()) {
    if (client.includes('.')) continue;
    const index = JSON.parse(readFileSync(join(dir, client, 'index.json'), 'utf8')) as GoldenIndex;
    for (const f of index.files) {
      const seed: FrameSeed = {
        apiKey: f.apiKey, version: f.apiVersion, data: readFileSync(join(dir, client, f.file)), origin: `golden/${client}/${f.file}`,
      };
      (f.direction === 'request' ? requests : responses).push(seed);
    }
  }
  return { requests, responses };
}

function text(i: number, n: number): Buffer {
  return Buffer.from(`{"id":${i},"user":"user-${i % 31}","note":"${'lorem ipsum dolor '.repeat(n)}"}`);
}

/** Record sets with every shape a record can take. */
function recordSets(): Array<[string, RecordInput[]]> {
  const mixed: RecordInput[] = Array.from({ length: 20 }, (_, i) => ({
    key: i % 5 === 0 ? null : i % 7 === 0 ? Buffer.alloc(0) : Buffer.from(`key-${i}`),
    value: i % 9 === 4 ? null : text(i, i % 4),
    timestamp: T0 + (i % 3 === 0 ? -i * 1000 : i * 17),
    headers: i % 3 === 0 ? [{ key: `h-${i}`, value: Buffer.from([i]) }, { key: 'ünïcode', value: null }, { key: '', value: Buffer.alloc(0) }] : undefined,
  }));
  const many: RecordInput[] = Array.from({ length: 200 }, (_, i) => ({ key: Buffer.from(`k${i % 13}`), value: text(i, 2), timestamp: T0 + i }));
  return [
    ['one', [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: T0 }]],
    ['mixed', mixed],
    ['many', many],
    ['far-timestamps', [{ value: Buffer.from('a'), timestamp: 1 }, { value: Buffer.from('b'), timestamp: 2 ** 52 }]],
  ];
}

const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

async function addBuiltBatches(out: BatchSeed[]): Promise<void> {
  const shapes: Array<[string, BatchOptions]> = [
    ['plain', { defaultTimestamp: T0 }],
    ['idempotent', { defaultTimestamp: T0, producerId: 42, producerEpoch: 3, baseSequence: 7, partitionLeaderEpoch: 5 }],
    ['txn-logappend', {
      defaultTimestamp: T0, producerId: 9, producerEpoch: 0, baseSequence: 0, transactional: true,
      timestampType: TimestampType.LogAppendTime, baseOffset: 1000,
    }],
  ];
  for (const [setName, records] of recordSets()) {
    for (const codec of [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
      const [shapeName, shape] = shapes[(setName.length + codec) % shapes.length]!;
      const options = { ...shape, compression: codec };
      const data = codec === CompressionType.Zstd ? await encodeBatch(records, options) : encodeBatchSync(records, options);
      out.push(seedOf(data, `built/${setName}/${CODEC_NAMES[codec]}/${shapeName}`));
    }
  }
  out.push(seedOf(encodeBatchSync([], { defaultTimestamp: T0 }), 'built/empty'));
  out.push(seedOf(encodeBatchSync([], { defaultTimestamp: T0, deleteHorizonMs: T0 + 5, lastOffsetDelta: 4 }), 'built/empty-compacted'));
  for (const type of [ControlRecordType.Commit, ControlRecordType.Abort] as const) {
    out.push(seedOf(encodeEndTxnMarkerBatch({ type, coordinatorEpoch: 4, producerId: 77, producerEpoch: 2, timestamp: T0 }), `built/control-${type}`));
  }
}

function addJavaBatches(out: BatchSeed[], dir: string): void {
  for (const file of readdirSync(dir).sort()) {
    if (file.endsWith('.bin')) out.push(seedOf(readFileSync(join(dir, file)), `java/${file}`));
  }
}

/** Batches inside the `records` fields of the golden Produce requests and Fetch responses. */
function addCapturedBatches(out: BatchSeed[], requests: FrameSeed[], responses: FrameSeed[]): void {
  const seen = new Set<string>();
  const take = (records: Buffer, origin: string): void => {
    const cursor = new BatchCursor(records);
    while (cursor.next()) {
      const data = Buffer.from(records.subarray(cursor.offset, cursor.offset + cursor.size));
      const key = data.toString('base64');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(seedOf(data, origin));
    }
  };
  for (const s of requests) {
    if (s.apiKey !== 0) continue;
    for (const r of recordsFields(decodeRequestFrame(s.data).body)) take(r, s.origin);
  }
  for (const s of responses) {
    if (s.apiKey !== 1) continue;
    for (const r of recordsFields(decodeResponseFrame(s.data, 1, s.version).body)) take(r, s.origin);
  }
}

/** Every non-empty Buffer held in a field named `records`, anywhere in a decoded message. */
export function recordsFields(value: unknown, out: Buffer[] = []): Buffer[] {
  if (Array.isArray(value)) {
    for (const v of value) recordsFields(v, out);
  } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'records' && Buffer.isBuffer(v)) {
        if (v.length > 0) out.push(v);
      } else if (typeof v === 'object' && v !== null) {
        recordsFields(v, out);
      }
    }
  }
  return out;
}

function seedOf(data: Buffer, origin: string): BatchSeed {
  if (validateBatch(data) !== 0) throw new Error(`seed batch ${origin} does not validate`);
  const codec = batchCompression(data, 0);
  const count = batchRecordCount(data, 0);
  const body = data.subarray(RECORDS_OFFSET);
  let plain: Buffer | null = null;
  if (codec === CompressionType.None) plain = body;
  else if (codec !== CompressionType.Zstd && count > 0) plain = decompressSync(codec, body, 64 * 1024 * 1024);
  return { data, codec, plain, count, origin };
}

async function addExtraCompressed(out: CompressedSeed[]): Promise<void> {
  const payload = Buffer.concat(Array.from({ length: 40 }, (_, i) => text(i, i % 5)));
  const zeros = Buffer.alloc(4 * 1024 * 1024);
  out.push({ codec: CompressionType.Snappy, data: snappyCompressRaw(payload), origin: 'snappy-raw' });
  out.push({ codec: CompressionType.Lz4, data: await lz4Compress(payload), origin: 'lz4-flex-frame' });
  out.push({
    codec: CompressionType.Gzip,
    data: Buffer.concat([await compress(CompressionType.Gzip, payload.subarray(0, 500)), await compress(CompressionType.Gzip, payload.subarray(500))]),
    origin: 'gzip-two-members',
  });
  for (const codec of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    out.push({ codec, data: await compress(codec, zeros), origin: `${CODEC_NAMES[codec]}-4MiB-zeros` });
  }
  out.push({ codec: CompressionType.Lz4, data: await lz4Compress(zeros), origin: 'lz4-flex-4MiB-zeros' });
  // LZ4 frames with the optional parts Kafka's writers leave out: content size, block and content checksums.
  const lz4 = lz4CompressSync(Buffer.concat([payload, payload, zeros.subarray(0, 70_000)]));
  out.push({ codec: CompressionType.Lz4, data: lz4WithOptions(lz4, true, true, true), origin: 'lz4-all-checksums-content-size' });
  out.push({ codec: CompressionType.Lz4, data: lz4WithOptions(lz4, false, true, false), origin: 'lz4-block-checksums' });
  // zstd behind a skippable frame, and with the content-checksum flag (the checksum is junk).
  const zstd = await compress(CompressionType.Zstd, payload);
  const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
  out.push({ codec: CompressionType.Zstd, data: Buffer.concat([skippable, zstd, zstd]), origin: 'zstd-skippable-two-frames' });
  const flagged = Buffer.concat([zstd, Buffer.from([1, 2, 3, 4])]);
  flagged[4]! |= 0x04;
  out.push({ codec: CompressionType.Zstd, data: flagged, origin: 'zstd-checksum-flag' });
}

/**
 * Rewrites a frame from lz4CompressSync (FLG 0x60, no options) with a content size, block
 * checksums and/or a content checksum, each computed as the LZ4 frame format defines them.
 */
function lz4WithOptions(frame: Buffer, contentSize: boolean, blockChecksums: boolean, contentChecksum: boolean): Buffer {
  const blocks: Buffer[] = [];
  let pos = 7;
  for (;;) {
    const word = frame.readUInt32LE(pos);
    if (word === 0) break;
    const size = word & 0x7fffffff;
    blocks.push(frame.subarray(pos, pos + 4 + size));
    pos += 4 + size;
  }
  const content = decompressSync(CompressionType.Lz4, frame, 64 * 1024 * 1024);
  const flg = 0x60 | (blockChecksums ? 0x10 : 0) | (contentSize ? 0x08 : 0) | (contentChecksum ? 0x04 : 0);
  const descriptor = Buffer.alloc(contentSize ? 10 : 2);
  descriptor[0] = flg;
  descriptor[1] = frame[5]!;
  if (contentSize) descriptor.writeBigUInt64LE(BigInt(content.length), 2);
  const parts: Buffer[] = [frame.subarray(0, 4), descriptor, Buffer.from([(xxh32(descriptor) >>> 8) & 0xff])];
  for (const block of blocks) {
    parts.push(block);
    if (blockChecksums) parts.push(u32le(xxh32(block, 4)));
  }
  parts.push(Buffer.alloc(4));
  if (contentChecksum) parts.push(u32le(xxh32(content)));
  return Buffer.concat(parts);
}

function u32le(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(v >>> 0, 0);
  return b;
}

/** After a mutation, makes an LZ4 frame's header checksum right again so the descriptor's flags get exercised. */
export function fixLz4HeaderChecksum(b: Buffer): Buffer {
  if (b.length < 7 || b.readUInt32LE(0) !== 0x184d2204) return b;
  const end = 6 + ((b[4]! & 0x08) !== 0 ? 8 : 0);
  if (end < b.length) b[end] = (xxh32(b, 4, end) >>> 8) & 0xff;
  return b;
}
