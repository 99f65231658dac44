/**
 * Byte-level mutations of a seed input: what a corrupted, truncated or hostile frame looks
 * like. Every operator returns a new buffer and never touches the seed.
 *
 * Length fields get special care: Kafka's framing is all int16/int32/varint lengths and
 * counts, so besides random positions the fuzzer looks for bytes that read like a plausible
 * length (a value that fits what is left) and overwrites those with -1, 0x7fffffff, 2^32 - 1
 * as a varint, an overlong varint, and so on.
 */
import type { Prng } from './rng.js';

const BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x81, 0x40, 0x20];
const INT16S = [-1, -2, 0, 1, 0x7fff, -0x8000, 0x7ffe, 0x00ff, 0x0100, 0x4000];
const INT32S = [-1, -2, 0, 1, 0x7fffffff, -0x80000000, 0x7ffffffe, 0xffff, 0x10000, 0x1000000, 0x40000000, -0x7fffffff];
/** Varint byte patterns: extremes, overlong and unterminated encodings. */
const VARINTS: readonly Buffer[] = [
  [0xff, 0xff, 0xff, 0xff, 0x0f], // 2^32 - 1
  [0xfe, 0xff, 0xff, 0xff, 0x0f], // 2^32 - 2 (compact length 2^32 - 3)
  [0xff, 0xff, 0xff, 0xff, 0x07], // 2^31 - 1
  [0x80, 0x80, 0x80, 0x80, 0x08], // 2^31
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // overlong: 6 bytes
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // 10-byte varlong, all ones
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // 11 bytes
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f], // 2^53 area
  [0x80], // unterminated
  [0x00], [0x01], [0x02], [0x7f], [0x80, 0x01], [0xff, 0x7f], [0x81, 0x80, 0x80, 0x80, 0x00],
].map((b) => Buffer.from(b));

/** Names of the operators, in the order `mutateOnce` numbers them (for the summary). */
export const MUTATIONS = [
  'bit-flip', 'byte-set', 'byte-random', 'byte-arith', 'truncate', 'drop-front', 'extend-junk', 'splice',
  'int16-length', 'int32-length', 'varint-length', 'duplicate-region', 'delete-region', 'insert-random',
] as const;

/**
 * Applies 1..8 stacked mutations (mostly one or two) to a copy of `seed`; `other` is a second
 * seed for splicing. `applied`, if given, counts the operators used.
 */
export function mutate(rng: Prng, seed: Buffer, other: Buffer, applied?: Uint32Array): Buffer {
  let b: Buffer = Buffer.from(seed);
  const n = rng.chance(0.6) ? 1 : rng.chance(0.6) ? 2 : rng.range(3, 8);
  for (let i = 0; i < n; i++) {
    const op = rng.int(MUTATIONS.length);
    if (applied !== undefined) applied[op]!++;
    b = mutateOnce(rng, b, other, op);
  }
  return b;
}

/** One operator; may return `b` itself changed in place (it is always a private copy). */
export function mutateOnce(rng: Prng, b: Buffer, other: Buffer, op: number): Buffer {
  const len = b.length;
  switch (op) {
    case 0: { // bit flips
      if (len === 0) return b;
      const flips = 1 + rng.int(8);
      for (let i = 0; i < flips; i++) b[rng.int(len)]! ^= 1 << rng.int(8);
      return b;
    }
    case 1: { // bytes set to 0x00 / 0xff / 0x7f / 0x80 / ...
      if (len === 0) return b;
      const k = 1 + rng.int(4);
      for (let i = 0; i < k; i++) b[rng.int(len)] = rng.pick(BYTES);
      return b;
    }
    case 2: { // random bytes
      if (len === 0) return b;
      const k = 1 + rng.int(4);
      for (let i = 0; i < k; i++) b[rng.int(len)] = rng.int(256);
      return b;
    }
    case 3: { // small arithmetic on a byte
      if (len === 0) return b;
      const at = rng.int(len);
      b[at] = (b[at]! + (rng.chance(0.5) ? 1 : -1) * (1 + rng.int(35))) & 0xff;
      return b;
    }
    case 4: // truncate: mostly near the end, sometimes anywhere
      if (len === 0) return b;
      return b.subarray(0, rng.chance(0.5) ? Math.max(0, len - 1 - rng.size(6)) : rng.int(len));
    case 5: // drop a prefix
      return b.subarray(Math.min(len, 1 + rng.size(5)));
    case 6: { // extend with junk
      const extra = 1 + rng.size(7);
      const kind = rng.int(4);
      const junk = kind === 0 ? rng.bytes(extra) : Buffer.alloc(extra, kind === 1 ? 0 : kind === 2 ? 0xff : rng.int(256));
      return Buffer.concat([b, junk]);
    }
    case 7: { // splice: a prefix of this input and a suffix of another
      const cut = rng.int(len + 1);
      const from = rng.int(other.length + 1);
      return Buffer.concat([b.subarray(0, cut), other.subarray(from)]);
    }
    case 8: { // int16 length/count field
      if (len < 2) return b;
      const at = lengthLike(rng, b, 2);
      const v = rng.chance(0.7) ? rng.pick(INT16S) : clamp16(b.length - at - 2 + rng.range(-3, 3));
      b.writeInt16BE(v, at);
      return b;
    }
    case 9: { // int32 length/count field
      if (len < 4) return b;
      const at = lengthLike(rng, b, 4);
      const v = rng.chance(0.7) ? rng.pick(INT32S) : b.length - at - 4 + rng.range(-3, 3);
      b.writeInt32BE(v | 0, at);
      return b;
    }
    case 10: { // varint length: overwrite or insert an extreme encoding
      const pattern = rng.pick(VARINTS);
      const at = rng.int(len + 1);
      if (rng.chance(0.5)) return Buffer.concat([b.subarray(0, at), pattern, b.subarray(at)]);
      if (at + pattern.length <= len) {
        pattern.copy(b, at);
        return b;
      }
      return Buffer.concat([b.subarray(0, at), pattern]);
    }
    case 11: { // duplicate a region
      if (len === 0) return b;
      const start = rng.int(len);
      const size = Math.min(len - start, 1 + rng.size(8));
      const to = rng.int(len + 1);
      return Buffer.concat([b.subarray(0, to), b.subarray(start, start + size), b.subarray(to)]);
    }
    case 12: { // delete a region
      if (len === 0) return b;
      const start = rng.int(len);
      const size = Math.min(len - start, 1 + rng.size(6));
      return Buffer.concat([b.subarray(0, start), b.subarray(start + size)]);
    }
    default: { // insert random bytes
      const at = rng.int(len + 1);
      return Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.size(4)), b.subarray(at)]);
    }
  }
}

/**
 * A position whose `width`-byte big-endian value reads like a length or count (0 ..  bytes
 * left), found by probing a few random positions; a random position when none does.
 */
function lengthLike(rng: Prng, b: Buffer, width: 2 | 4): number {
  const last = b.length - width;
  for (let probe = 0; probe < 24; probe++) {
    const at = rng.int(last + 1);
    const v = width === 2 ? b.readInt16BE(at) : b.readInt32BE(at);
    if (v >= 0 && v <= b.length - at - width && (v > 0 || rng.chance(0.2))) return at;
  }
  return rng.int(last + 1);
}

function clamp16(v: number): number {
  return Math.max(-0x8000, Math.min(0x7fff, v));
}

/** Writes an int32 at `at` when it fits (for header-field mutations of record batches). */
export function setInt32(b: Buffer, at: number, v: number): void {
  if (at + 4 <= b.length) b.writeInt32BE(v | 0, at);
}

export function pickInt32(rng: Prng): number {
  return rng.pick(INT32S);
}

export function pickInt16(rng: Prng): number {
  return rng.pick(INT16S);
}
