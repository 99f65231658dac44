/**
 * Imports Kafka's protocol message specs into the project's own spec/ folder, keeping only
 * the facts the generator needs (names, types, versions, tags, defaults, entity types, ...)
 * and dropping prose (`about` texts, comments, licence headers). Output is deterministic.
 *
 *   npm run import-spec -- [--from ../shared/kafka-protocol] [--to spec] [--kafka-source DIR]
 *
 * --kafka-source names an Apache Kafka source tree (for example `git archive` of the commit
 * the specs come from); when given, spec/errors.json is rebuilt from its Errors.java and the
 * exception classes (retriable = the exception extends RetriableException), plus the codes in
 * ERROR_ADDITIONS below. Without it spec/errors.json is left as committed.
 */
import { applyOverlays, loadOverlays } from './spec-overlays.js';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseJsonc } from './codegen/jsonc.js';
import { FIELD_KEYS, MESSAGE_KEYS, PROSE_KEYS, SPEC_GROUPS, STRUCT_KEYS } from './codegen/spec.js';
import { findRepoRoot } from './codegen/paths.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Keeps the known fact keys of a spec object, in a fixed order; rejects keys we don't know. */
function pick(obj: JsonObject, keys: readonly string[], where: string): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(obj)) {
    if (!keys.includes(key) && !(PROSE_KEYS as readonly string[]).includes(key)) {
      throw new Error(`${where}: unknown property "${key}"; teach tools/import-spec.ts whether it is a fact or prose`);
    }
  }
  for (const key of keys) {
    if (key in obj) out[key] = obj[key]!;
  }
  return out;
}

function reduceField(field: JsonObject, where: string): JsonObject {
  const out = pick(field, FIELD_KEYS, `${where}.${String(field.name)}`);
  if (Array.isArray(out.fields)) {
    out.fields = out.fields.map((f) => reduceField(f as JsonObject, `${where}.${String(field.name)}`));
  }
  return out;
}

export function reduceSpec(spec: JsonObject, file: string): JsonObject {
  const out = pick(spec, MESSAGE_KEYS, file);
  if (Array.isArray(out.fields)) out.fields = out.fields.map((f) => reduceField(f as JsonObject, file));
  if (Array.isArray(out.commonStructs)) {
    out.commonStructs = out.commonStructs.map((s) => {
      const struct = pick(s as JsonObject, STRUCT_KEYS, `${file} common struct`);
      if (Array.isArray(struct.fields)) struct.fields = struct.fields.map((f) => reduceField(f as JsonObject, file));
      return struct;
    });
  }
  return out;
}

const inline = (o: JsonObject, skip: string): string =>
  Object.entries(o).filter(([k]) => k !== skip).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ');

/** One field per line, nested fields indented under their parent, like Kafka's own files. */
function formatFields(fields: Json[], indent: string): string {
  const lines = fields.map((f) => {
    const o = f as JsonObject;
    const head = inline(o, 'fields');
    if (Array.isArray(o.fields)) {
      return `${indent}{ ${head}, "fields": [\n${formatFields(o.fields, indent + '  ')}\n${indent}] }`;
    }
    return `${indent}{ ${head} }`;
  });
  return lines.join(',\n');
}

export function formatSpec(spec: JsonObject): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'fields' && Array.isArray(value)) {
      parts.push(value.length === 0 ? '  "fields": []' : `  "fields": [\n${formatFields(value, '    ')}\n  ]`);
    } else if (key === 'commonStructs' && Array.isArray(value)) {
      const structs = value.map((s) => {
        const o = s as JsonObject;
        const fields = Array.isArray(o.fields) ? o.fields : [];
        return `    { ${inline(o, 'fields')}, "fields": [\n${formatFields(fields, '      ')}\n    ] }`;
      });
      parts.push(`  "commonStructs": [\n${structs.join(',\n')}\n  ]`);
    } else {
      parts.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
    }
  }
  return `{\n${parts.join(',\n')}\n}\n`;
}

export function importSpecs(from: string, to: string): string[] {
  const written: string[] = [];
  const overlays = loadOverlays();
  for (const group of SPEC_GROUPS) {
    const srcDir = join(from, group);
    const dstDir = join(to, group);
    mkdirSync(dstDir, { recursive: true });
    const names = readdirSync(srcDir).filter((n) => n.endsWith('.json')).sort();
    for (const old of readdirSync(dstDir)) {
      if (old.endsWith('.json') && !names.includes(old)) rmSync(join(dstDir, old));
    }
    for (const name of names) {
      const file = `${group}/${name}`;
      const spec = parseJsonc(readFileSync(join(srcDir, name), 'utf8'), file) as JsonObject;
      writeFileSync(join(dstDir, name), formatSpec(applyOverlays(reduceSpec(spec, file), overlays)));
      written.push(file);
    }
  }
  return written;
}

// ---- error codes -------------------------------------------------------------------------

export interface ErrorSpec {
  code: number;
  name: string;
  retriable: boolean;
  /** The default message Kafka's clients show; null for NONE. */
  message: string | null;
  /** Where a code comes from a KIP rather than the imported Errors.java. */
  kip?: string;
}

/**
 * Codes newer than the imported Kafka snapshot, checked against the Apache Kafka 4.0 client
 * (org.apache.kafka.common.protocol.Errors in kafka-clients 4.0).
 */
export const ERROR_ADDITIONS: ErrorSpec[] = [
  {
    code: 129,
    name: 'REBOOTSTRAP_REQUIRED',
    retriable: false,
    message: 'Client metadata is stale, client should rebootstrap to obtain new metadata.',
    kip: 'KIP-1102',
  },
];

function unescapeJava(s: string): string {
  return s.replace(/\\(["'\\nt])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/** Reads the error table out of a Kafka source tree. */
export function importErrors(kafkaSource: string): ErrorSpec[] {
  const base = join(kafkaSource, 'clients/src/main/java/org/apache/kafka/common');
  const src = readFileSync(join(base, 'protocol/Errors.java'), 'utf8');
  const start = src.indexOf('public enum Errors');
  const end = src.indexOf(';', src.lastIndexOf('::new)', src.indexOf('private static final')));
  if (start < 0 || end < 0) throw new Error('Errors.java: enum not found');
  const body = src.slice(start, end + 1);
  const str = String.raw`"(?:[^"\\]|\\.)*"`;
  const re = new RegExp(String.raw`([A-Z][A-Z0-9_]*)\s*\(\s*(-?\d+)\s*,\s*(null|${str}(?:\s*\+\s*${str})*)\s*,\s*([^)]*?)\)\s*[,;]`, 'g');
  const parents = new Map<string, string>();
  const errorsDir = join(base, 'errors');
  for (const f of readdirSync(errorsDir)) {
    const m = /class\s+(\w+)\s+extends\s+([\w.]+)/.exec(readFileSync(join(errorsDir, f), 'utf8'));
    if (m) parents.set(m[1]!, m[2]!.split('.').pop()!);
  }
  const retriable = (cls: string): boolean => {
    for (let c: string | undefined = cls, depth = 0; c !== undefined && depth < 20; c = parents.get(c), depth++) {
      if (c === 'RetriableException') return true;
    }
    return false;
  };
  const out: ErrorSpec[] = [];
  for (const m of body.matchAll(re)) {
    const [, name, code, msg, factory] = m as unknown as [string, string, string, string, string];
    const message = msg === 'null' ? null
      : [...msg.matchAll(new RegExp(str, 'g'))].map((x) => unescapeJava(x[0].slice(1, -1))).join('');
    const cls = /(\w+)::new/.exec(factory)?.[1] ?? /new\s+(\w+)\s*\(/.exec(factory)?.[1] ?? '';
    out.push({ code: Number(code), name, retriable: cls !== '' && retriable(cls), message });
  }
  if (out.length < 100) throw new Error(`Errors.java: only ${out.length} codes found; the parser needs attention`);
  for (const add of ERROR_ADDITIONS) {
    if (!out.some((e) => e.code === add.code)) out.push(add);
  }
  out.sort((a, b) => a.code - b.code);
  return out;
}

export function formatErrors(errors: ErrorSpec[]): string {
  const lines = errors.map((e) => `    ${JSON.stringify(e)}`);
  return `{\n  "errors": [\n${lines.join(',\n')}\n  ]\n}\n`;
}

function main(argv: string[]): void {
  const root = findRepoRoot();
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const from = resolve(arg('--from') ?? join(root, '../shared/kafka-protocol'));
  const to = resolve(arg('--to') ?? join(root, 'spec'));
  if (!existsSync(join(from, 'messages'))) throw new Error(`no messages/ folder in ${from}`);
  const files = importSpecs(from, to);
  console.log(`imported ${files.length} spec files into ${to}`);
  const kafkaSource = arg('--kafka-source');
  if (kafkaSource !== undefined) {
    const errors = importErrors(resolve(kafkaSource));
    writeFileSync(join(to, 'errors.json'), formatErrors(errors));
    console.log(`wrote ${errors.length} error codes to ${join(to, 'errors.json')}`);
  }
}

if (process.argv[1] !== undefined && /import-spec\.js$/.test(process.argv[1])) main(process.argv.slice(2));
