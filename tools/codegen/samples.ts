/**
 * Sample values for any message at any version, made by walking the type model: used by the
 * round-trip and malformed-input tests. Each sample comes with the value a decoder must
 * return for it (`expected`): fields the version lacks at their defaults.
 *
 * Modes: `rich` sets every field (nulls where nullable, unicode and long strings, extreme
 * integers, non-default tagged fields, unknown tagged fields in flexible versions, non-default
 * values in ignorable fields the version lacks); `big` puts 300 elements in top-level arrays;
 * `defaults` leaves every field at its default.
 */
import { type DefaultValue, type ElementType, type FieldModel, type MessageModel, type StructModel } from './model.js';

export type SampleMode = 'rich' | 'big' | 'defaults';

export interface Sample {
  value: Record<string, unknown>;
  expected: Record<string, unknown>;
}

/** Deterministic pseudo-random numbers (xorshift32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 0x100000000;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

const STRINGS = [
  '', 'a', 'topic-1', 'héllo wörld', '日本語のテキスト', 'emoji 🎉 and 𝄞', 'ελληνικά',
  'a string long enough to need more than one length byte when compact: ' + 'ü'.repeat(40),
];

const INTS: Record<string, readonly number[]> = {
  int8: [-128, 127, -1, 0, 1, 42],
  int16: [-32768, 32767, -1, 0, 1, 300],
  uint16: [0, 1, 255, 65535, 40000],
  int32: [-2147483648, 2147483647, -1, 0, 1, 123456789],
  uint32: [0, 1, 4294967295, 2147483648, 99],
};
const INT64S = [-9223372036854775808n, 9223372036854775807n, -1n, 0n, 1n, 1234567890123n];
const FLOATS = [-1.5e300, 0.1, 3.141592653589793, Number.NaN, Infinity, 42, 5e-324];

export function defaultOf(f: FieldModel): unknown {
  return defaultValue(f.default, f);
}

function defaultValue(d: DefaultValue, f: FieldModel): unknown {
  switch (d.kind) {
    case 'null': return null;
    case 'bool': return d.value;
    case 'int': return f.type.kind === 'int64' ? d.value : Number(d.value);
    case 'float': return d.value;
    case 'uuid': return Buffer.from(d.bytes);
    case 'string': return d.value;
    case 'empty': return f.type.kind === 'array' ? [] : Buffer.alloc(0);
    case 'struct': {
      if (f.type.kind !== 'struct') throw new Error('struct default on a non-struct');
      return defaultStruct(f.type.struct);
    }
  }
}

export function defaultStruct(s: StructModel): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of s.fields) out[f.prop] = defaultOf(f);
  return out;
}

class Sampler {
  private readonly rng: Rng;
  private readonly m: MessageModel;
  private readonly v: number;
  private readonly mode: SampleMode;
  private readonly flexible: boolean;
  private nextUnknownTag = 1000;

  constructor(m: MessageModel, v: number, mode: SampleMode, seed: number) {
    this.m = m;
    this.v = v;
    this.mode = mode;
    this.rng = new Rng(seed);
    this.flexible = m.flexibleVersions.contains(v);
  }

  struct(s: StructModel, depth: number): Sample {
    const value: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    for (const f of s.fields) {
      if (!f.versions.contains(this.v)) {
        if (f.ignorable && this.mode === 'rich') {
          const x = this.field(f, depth);
          value[f.prop] = x.value;
        } else {
          value[f.prop] = defaultOf(f);
        }
        expected[f.prop] = defaultOf(f);
        continue;
      }
      const x = this.field(f, depth);
      value[f.prop] = x.value;
      expected[f.prop] = x.expected;
    }
    if (this.mode === 'rich' && this.flexible && this.rng.next() < 0.5) {
      const unknown = [
        { tag: this.nextUnknownTag++, data: this.rng.bytes(this.rng.int(5)) },
        { tag: this.nextUnknownTag++ + 200, data: this.rng.bytes(1 + this.rng.int(140)) },
      ];
      value._unknownTaggedFields = unknown;
      expected._unknownTaggedFields = unknown.map((u) => ({ tag: u.tag, data: Buffer.from(u.data) }));
    }
    return { value, expected };
  }

  private field(f: FieldModel, depth: number): { value: unknown; expected: unknown } {
    if (this.mode === 'defaults') {
      const d = defaultOf(f);
      return { value: d, expected: defaultOf(f) };
    }
    const nullable = f.nullableVersions.contains(this.v);
    if (nullable && this.rng.next() < 0.3) return { value: null, expected: null };
    const t = f.type;
    if (t.kind === 'array') {
      const n = this.mode === 'big' && depth === 0 ? 300 : this.rng.pick([0, 1, 2, 3]);
      const value: unknown[] = [];
      const expected: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const e = this.element(t.element, depth + 1, f);
        value.push(e.value);
        expected.push(e.expected);
      }
      return { value, expected };
    }
    return this.element(t, depth, f);
  }

  private element(e: ElementType, depth: number, f: FieldModel): { value: unknown; expected: unknown } {
    const r = this.rng;
    switch (e.kind) {
      case 'bool': {
        const b = r.next() < 0.5;
        return { value: b, expected: b };
      }
      case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': {
        const n = r.pick(INTS[e.kind]!);
        return { value: n, expected: n };
      }
      case 'int64': {
        const n = r.pick(INT64S);
        return { value: n, expected: n };
      }
      case 'float64': {
        const n = r.pick(FLOATS);
        return { value: n, expected: n };
      }
      case 'uuid': {
        const u = r.next() < 0.2 ? Buffer.alloc(16) : r.bytes(16);
        return { value: u, expected: Buffer.from(u) };
      }
      case 'string': {
        const s = this.mode === 'big' && r.next() < 0.05 ? 'x'.repeat(20000) : r.pick(STRINGS);
        return { value: s, expected: s };
      }
      case 'bytes': case 'records': {
        const b = r.bytes(r.pick([0, 1, 7, 130]));
        return { value: b, expected: Buffer.from(b) };
      }
      case 'struct': {
        if (f.type.kind === 'struct' && f.nullableVersions.contains(this.v) && r.next() < 0.2) {
          return { value: null, expected: null };
        }
        return this.struct(e.struct, depth);
      }
    }
  }
}

/** A sample of message `m` at `version`. */
export function sampleMessage(m: MessageModel, version: number, mode: SampleMode, seed = 1): Sample {
  return new Sampler(m, version, mode, seed ^ (version * 0x01000193)).struct(m.root, 0);
}
