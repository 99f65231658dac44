/**
 * Turns (seed, index) into one fuzz case: which strategy, which seed input, which mutations,
 * which decoder parameters. A case depends on nothing but the corpus, the seed and its index,
 * so any failing input can be rebuilt alone (`--replay <index>`).
 *
 * Strategies follow a fixed 20-slot schedule (index mod 20) and each walks its seeds round
 * robin, so a short run still reaches every message codec at every version.
 */
import { compressSync } from '../../src/protocol/compression/index.js';
import { crc32c } from '../../src/protocol/crc32c.js';
import { apiInfo } from '../../src/protocol/generated/api-keys.js';
import { CompressionType, RECORDS_OFFSET, type RecordsContext } from '../../src/protocol/records/index.js';
import { fixLz4HeaderChecksum, type BatchSeed, type Corpus, type MessagePair } from './corpus.js';
import { MUTATIONS, mutate, pickInt16, pickInt32 } from './mutate.js';
import { Prng } from './rng.js';

export type FuzzCase =
  | { target: 'request'; data: Buffer; sizePrefixed: boolean; offset: number }
  | { target: 'response'; data: Buffer; apiKey: number; version: number }
  | { target: 'message'; data: Buffer; pair: MessagePair; offset: number; differential: boolean; version?: number }
  | { target: 'batch'; data: Buffer; produceVersion: number; maxBatchSize: number; cap: number; async: boolean }
  | { target: 'records'; data: Buffer; count: number; ctx: RecordsContext }
  | { target: 'compressed'; data: Buffer; codec: number; cap: number; async: boolean };

export type Strategy =
  | 'golden-request' | 'golden-response' | 'sample-request' | 'sample-response' | 'message' | 'random'
  | 'batch' | 'records' | 'compressed';

const SCHEDULE: readonly Strategy[] = [
  'message', 'golden-request', 'batch', 'sample-request', 'compressed', 'golden-response', 'message',
  'sample-response', 'batch', 'golden-request', 'records', 'message', 'compressed', 'golden-request',
  'sample-request', 'batch', 'golden-response', 'message', 'sample-response', 'random',
];
/** For each slot: how many slots its strategy has, and this slot's rank among them. */
const SLOTS = SCHEDULE.map((s, i) => ({
  count: SCHEDULE.filter((x) => x === s).length,
  rank: SCHEDULE.slice(0, i).filter((x) => x === s).length,
}));

export const STRATEGIES: readonly Strategy[] = [...new Set(SCHEDULE)];

const MiB = 1024 * 1024;
const CAPS = [0, 1, 100, 4096, 65536, MiB, 4 * MiB, 4 * MiB, 4 * MiB, 16 * MiB];
const T0 = 1_700_000_000_000;

export interface Generated {
  strategy: Strategy;
  fuzzCase: FuzzCase;
  /** Operators applied, for the summary. */
  mutations: Uint32Array;
}

export function generate(corpus: Corpus, seed: number, index: number): Generated {
  const slot = index % SCHEDULE.length;
  const strategy = SCHEDULE[slot]!;
  const ordinal = Math.floor(index / SCHEDULE.length) * SLOTS[slot]!.count + SLOTS[slot]!.rank;
  const rng = new Prng(seed, index);
  const applied = new Uint32Array(MUTATIONS.length);
  const m = (b: Buffer, pool: readonly Buffer[]): Buffer =>
    mutate(rng, b, rng.chance(0.5) ? rng.pick(pool) : rng.pick(corpus.all), applied);
  let fuzzCase: FuzzCase;
  switch (strategy) {
    case 'golden-request': {
      const s = corpus.goldenRequests[ordinal % corpus.goldenRequests.length]!;
      fuzzCase = requestCase(rng, rng.chance(0.95) ? m(s.data, corpus.pools.goldenRequests) : s.data);
      break;
    }
    case 'golden-response': {
      const s = corpus.goldenResponses[ordinal % corpus.goldenResponses.length]!;
      const api = apiInfo(s.apiKey)!;
      const version = rng.chance(0.8) ? s.version : rng.range(api.validVersions.lowest, api.validVersions.highest);
      const data = rng.chance(0.9) ? m(s.data, corpus.pools.goldenResponses) : s.data;
      fuzzCase = { target: 'response', data, apiKey: s.apiKey, version };
      break;
    }
    case 'sample-request': {
      const p = corpus.requestPairs[ordinal % corpus.requestPairs.length]!;
      fuzzCase = requestCase(rng, m(rng.pick(p.seeds), p.seeds));
      break;
    }
    case 'sample-response': {
      const p = corpus.responsePairs[ordinal % corpus.responsePairs.length]!;
      fuzzCase = { target: 'response', data: m(rng.pick(p.seeds), p.seeds), apiKey: p.apiKey, version: p.version };
      break;
    }
    case 'message': {
      const p = corpus.messagePairs[ordinal % corpus.messagePairs.length]!;
      fuzzCase = messageCase(rng, p, m(rng.pick(p.seeds), p.seeds));
      if (rng.chance(0.02)) fuzzCase = { target: 'message', data: fuzzCase.data, pair: p, offset: 0, differential: false, version: badVersion(rng, p) };
      break;
    }
    case 'random':
      fuzzCase = randomCase(rng, corpus, ordinal);
      break;
    case 'batch':
      fuzzCase = batchCase(rng, corpus, ordinal, applied);
      break;
    case 'records': {
      const s = corpus.records[ordinal % corpus.records.length]!;
      const data = rng.chance(0.9) ? m(s.data, corpus.pools.records) : s.data;
      const count = rng.chance(0.75) ? s.count : rng.chance(0.5) ? s.count + rng.range(-2, 2) : pickInt32(rng);
      const ctx: RecordsContext = {
        baseOffset: rng.pick([0, 1000, 2 ** 52]),
        baseTimestamp: rng.pick([T0, 0, -1]),
        logAppendTime: rng.chance(0.8) ? null : T0 + 99,
      };
      fuzzCase = { target: 'records', data, count, ctx };
      break;
    }
    case 'compressed': {
      const s = corpus.compressed[ordinal % corpus.compressed.length]!;
      let data = rng.chance(0.85) ? m(s.data, corpus.pools.compressed) : s.data;
      if (s.codec === CompressionType.Lz4 && data !== s.data && rng.chance(0.4)) data = fixLz4HeaderChecksum(data);
      const r = rng.float();
      const codec = r < 0.88 ? s.codec : r < 0.96 ? rng.range(0, 4) : rng.range(5, 7);
      const async = codec === CompressionType.Zstd || rng.chance(0.15);
      fuzzCase = { target: 'compressed', data, codec, cap: rng.pick(CAPS), async };
      break;
    }
  }
  return { strategy, fuzzCase, mutations: applied };
}

/** A request frame, sometimes size-prefixed (rightly or not) or placed after junk. */
function requestCase(rng: Prng, frame: Buffer): FuzzCase {
  let data = frame;
  let sizePrefixed = false;
  let offset = 0;
  if (rng.chance(0.1)) {
    const prefix = Buffer.allocUnsafe(4);
    prefix.writeInt32BE(rng.chance(0.8) ? frame.length : pickInt32(rng));
    data = Buffer.concat([prefix, data]);
    sizePrefixed = true;
  }
  if (rng.chance(0.05)) {
    offset = 1 + rng.int(8);
    data = Buffer.concat([rng.bytes(offset), data]);
  }
  return { target: 'request', data, sizePrefixed, offset };
}

function messageCase(rng: Prng, pair: MessagePair, body: Buffer): FuzzCase {
  if (rng.chance(0.05)) {
    const offset = 1 + rng.int(8);
    return { target: 'message', data: Buffer.concat([rng.bytes(offset), body]), pair, offset, differential: false };
  }
  return { target: 'message', data: body, pair, offset: 0, differential: rng.chance(0.125) };
}

/** A version the codec does not have: read must refuse it with a ProtocolDecodeError. */
function badVersion(rng: Prng, pair: MessagePair): number {
  const { lowest, highest } = pair.codec.validVersions;
  return rng.pick([lowest - 1, highest + 1, -1, 0x7fff, -0x8000].filter((v) => v < lowest || v > highest));
}

/** Random bytes for a request frame (often behind a valid API key and version), a response or a message. */
function randomCase(rng: Prng, corpus: Corpus, ordinal: number): FuzzCase {
  const data = rng.bytes(rng.size(10));
  switch (ordinal % 3) {
    case 0: {
      if (data.length >= 4 && rng.chance(0.6)) {
        const p = rng.pick(corpus.requestPairs);
        data.writeInt16BE(p.apiKey, 0);
        data.writeInt16BE(rng.chance(0.9) ? p.version : pickInt16(rng), 2);
      }
      return requestCase(rng, data);
    }
    case 1: {
      const p = rng.pick(corpus.responsePairs);
      return { target: 'response', data, apiKey: p.apiKey, version: p.version };
    }
    default:
      return messageCase(rng, rng.pick(corpus.messagePairs), data);
  }
}

/** The batch header fields and their widths, for header mutations. */
const HEADER_FIELDS: ReadonlyArray<[number, 1 | 2 | 4 | 8]> = [
  [8, 4], [12, 4], [16, 1], [21, 2], [23, 4], [27, 8], [35, 8], [43, 8], [51, 2], [53, 4], [57, 4],
];

function batchCase(rng: Prng, corpus: Corpus, ordinal: number, applied: Uint32Array): FuzzCase {
  const pool = corpus.pools.batches;
  const m = (b: Buffer): Buffer => mutate(rng, b, rng.chance(0.5) ? rng.pick(pool) : rng.pick(corpus.all), applied);
  let data: Buffer;
  if (rng.chance(0.15)) {
    data = m(rng.pick(corpus.batchRuns));
  } else {
    const seed = corpus.batches[Math.floor(ordinal / 4) % corpus.batches.length]!;
    const variant = ordinal % 4;
    if (variant === 0) data = m(seed.data);
    else if (variant === 1) data = fixCrc(m(seed.data), rng.chance(0.9));
    else if (variant === 2) data = headerMutation(rng, seed.data);
    else data = seed.plain !== null && seed.codec !== CompressionType.Zstd ? recordsMutation(rng, seed, m) : fixCrc(m(seed.data), true);
  }
  const codec = data.length > 22 ? data[22]! & 7 : 0;
  return {
    target: 'batch', data,
    produceVersion: rng.range(3, 12),
    maxBatchSize: rng.chance(0.3) ? rng.size(16) : MiB,
    cap: rng.pick(CAPS),
    async: codec === CompressionType.Zstd || rng.chance(0.1),
  };
}

/** Recomputes the CRC over attributes..end as the length field states it (clamped to the buffer). */
function fixCrc(b: Buffer, fix: boolean): Buffer {
  if (!fix || b.length < 21) return b;
  const end = Math.min(b.length, 12 + Math.max(0, b.readInt32BE(8)));
  if (end > 21) b.writeUInt32BE(crc32c(b.subarray(21, end)), 17);
  return b;
}

/** One header field set to an extreme or neighbouring value, CRC usually fixed after. */
function headerMutation(rng: Prng, seed: Buffer): Buffer {
  const b = Buffer.from(seed);
  const [at, width] = rng.pick(HEADER_FIELDS);
  if (at + width > b.length) return b;
  if (width === 1) b[at] = rng.pick([0, 1, 2, 3, 0x7f, 0x80, 0xff]);
  else if (width === 2) b.writeInt16BE(at === 21 && rng.chance(0.7) ? (b.readInt16BE(at) & ~7) | rng.int(8) | (rng.int(8) << 3) : pickInt16(rng), at);
  else if (width === 4) b.writeInt32BE(rng.chance(0.6) ? pickInt32(rng) : (b.readInt32BE(at) + rng.range(-3, 3)) | 0, at);
  else {
    b.writeInt32BE(pickInt32(rng), at);
    b.writeInt32BE(pickInt32(rng), at + 4);
  }
  return fixCrc(b, rng.chance(0.85));
}

/** Mutates the decompressed records, compresses them again and rebuilds a consistent header. */
function recordsMutation(rng: Prng, seed: BatchSeed, m: (b: Buffer) => Buffer): Buffer {
  const plain = m(seed.plain!);
  const body = seed.codec === CompressionType.None ? plain : compressSync(seed.codec, plain);
  const b = Buffer.allocUnsafe(RECORDS_OFFSET + body.length);
  seed.data.copy(b, 0, 0, RECORDS_OFFSET);
  body.copy(b, RECORDS_OFFSET);
  b.writeInt32BE(b.length - 12, 8);
  if (rng.chance(0.2)) b.writeInt32BE(seed.count + rng.range(-2, 2), 57);
  return fixCrc(b, true);
}
