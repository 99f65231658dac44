/**
 * Imports Kafka's protocol message specs into the project's own spec/ folder, keeping only
 * the facts the generator needs (names, types, versions, tags, defaults, entity types, ...)
 * and dropping prose (`about` texts, comments, licence headers). Output is deterministic.
 *
 *   npm run import-spec -- --from <jar | folder of jars | spec folder> [--from ...] [--to spec]
 *                          [--kafka-source <Kafka source tree | kafka-clients sources jar>]
 *                          [--errors-from-jars <folder of jars>]
 *
 * --from takes Kafka's jars (as Maven Central serves them; spec/README.md names the version):
 * kafka-clients carries the client protocol under common/message/ (-> spec/messages), the
 * group, transaction and share coordinators carry their record formats there
 * (-> spec/internal). A folder holding `messages/` and `internal/` (the layout of spec/ itself)
 * is read as it is. tools/spec-overlays.json then adds the versions Millrace serves that the
 * imported specs no longer define.
 *
 * spec/errors.json is rebuilt only when asked: --kafka-source reads Errors.java and the
 * exception classes (retriable = the exception extends RetriableException) out of a Kafka
 * source tree or a kafka-clients sources jar; --errors-from-jars asks the compiled
 * org.apache.kafka.common.protocol.Errors of the kafka-clients jar in a folder, with `java`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseJsonc } from './codegen/jsonc.js';
import { FIELD_KEYS, MESSAGE_KEYS, PROSE_KEYS, SPEC_GROUPS, STRUCT_KEYS } from './codegen/spec.js';
import { findRepoRoot } from './codegen/paths.js';
import { applyOverlays, loadOverlays } from './spec-overlays.js';
import { readZipEntries } from './zip.js';

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

type SpecGroup = (typeof SPEC_GROUPS)[number];

/** Spec texts by group, then by file name. */
export type SpecTexts = Record<SpecGroup, Map<string, string>>;

/**
 * The Kafka artifacts whose `common/message/*.json` the importer takes, and where each goes.
 * kafka-metadata's KRaft records (common/metadata/) are not imported: Millrace keeps its
 * cluster metadata in its own store, not in Kafka's metadata log.
 */
export const SPEC_JARS: ReadonlyArray<{ artifact: string; group: SpecGroup }> = [
  { artifact: 'kafka-clients', group: 'messages' },
  { artifact: 'kafka-group-coordinator', group: 'internal' },
  { artifact: 'kafka-transaction-coordinator', group: 'internal' },
  { artifact: 'kafka-share-coordinator', group: 'internal' },
];

const JAR_SPEC_DIR = 'common/message/';

/** The artifact a jar file is (`kafka-clients-4.4.0.jar` -> its SPEC_JARS entry), if one we import. */
function specJarOf(file: string): (typeof SPEC_JARS)[number] | undefined {
  const name = basename(file);
  return SPEC_JARS.find((j) => new RegExp(`^${j.artifact}-\\d[\\w.-]*\\.jar$`).test(name) && !name.endsWith('-sources.jar'));
}

function addText(texts: SpecTexts, group: SpecGroup, name: string, text: string, where: string): void {
  const had = texts[group].get(name);
  if (had !== undefined && had !== text) throw new Error(`${group}/${name} comes twice, differently (again from ${where})`);
  texts[group].set(name, text);
}

function readJar(texts: SpecTexts, jar: string): void {
  const kind = specJarOf(jar);
  if (kind === undefined) throw new Error(`${jar}: not one of the jars the importer reads (${SPEC_JARS.map((j) => j.artifact).join(', ')})`);
  const entries = readZipEntries(jar, (n) => n.startsWith(JAR_SPEC_DIR) && n.endsWith('.json') && !n.slice(JAR_SPEC_DIR.length).includes('/'));
  if (entries.size === 0) throw new Error(`${jar}: no ${JAR_SPEC_DIR}*.json`);
  for (const [entry, data] of entries) addText(texts, kind.group, entry.slice(JAR_SPEC_DIR.length), data.toString('utf8'), jar);
}

/**
 * Reads spec texts from jars, folders of jars (each artifact once) and folders laid out as
 * spec/ is (`messages/`, `internal/`).
 */
export function readSpecSources(from: string | readonly string[]): SpecTexts {
  const texts: SpecTexts = { messages: new Map(), internal: new Map() };
  for (const path of typeof from === 'string' ? [from] : from) {
    if (!statSync(path).isDirectory()) {
      readJar(texts, path);
    } else if (existsSync(join(path, 'messages'))) {
      for (const group of SPEC_GROUPS) {
        const dir = join(path, group);
        if (!existsSync(dir)) continue;
        for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
          addText(texts, group, name, readFileSync(join(dir, name), 'utf8'), path);
        }
      }
    } else {
      const jars = readdirSync(path).filter((n) => specJarOf(n) !== undefined).sort();
      for (const j of SPEC_JARS) {
        const found = jars.filter((n) => specJarOf(n) === j);
        if (found.length !== 1) throw new Error(`${path}: ${found.length} ${j.artifact} jars (${found.join(', ')}); want exactly one`);
      }
      for (const jar of jars) readJar(texts, join(path, jar));
    }
  }
  return texts;
}

/** Writes the facts of every spec in `from` (see readSpecSources) to `to`, removing stale files. */
export function importSpecs(from: string | readonly string[], to: string): string[] {
  const texts = readSpecSources(from);
  const overlays = loadOverlays();
  const written: string[] = [];
  for (const group of SPEC_GROUPS) {
    const dstDir = join(to, group);
    mkdirSync(dstDir, { recursive: true });
    const names = [...texts[group].keys()].sort();
    for (const old of readdirSync(dstDir)) {
      if (old.endsWith('.json') && !names.includes(old)) rmSync(join(dstDir, old));
    }
    for (const name of names) {
      const file = `${group}/${name}`;
      const spec = parseJsonc(texts[group].get(name)!, file) as JsonObject;
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
}

function unescapeJava(s: string): string {
  return s.replace(/\\(["'\\nt])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

const COMMON = 'org/apache/kafka/common/';
const TREE_PREFIX = 'clients/src/main/java/';

/** Java sources under org/apache/kafka/common/ of a source tree or a sources jar, by path from there. */
function readJavaSources(kafkaSource: string): Map<string, string> {
  const out = new Map<string, string>();
  if (statSync(kafkaSource).isDirectory()) {
    const base = join(kafkaSource, TREE_PREFIX, COMMON);
    out.set('protocol/Errors.java', readFileSync(join(base, 'protocol/Errors.java'), 'utf8'));
    for (const f of readdirSync(join(base, 'errors'))) out.set(`errors/${f}`, readFileSync(join(base, 'errors', f), 'utf8'));
    return out;
  }
  const want = (n: string): boolean => n === `${COMMON}protocol/Errors.java` || (n.startsWith(`${COMMON}errors/`) && n.endsWith('.java'));
  for (const [name, data] of readZipEntries(kafkaSource, want)) out.set(name.slice(COMMON.length), data.toString('utf8'));
  if (!out.has('protocol/Errors.java')) throw new Error(`${kafkaSource}: no ${COMMON}protocol/Errors.java`);
  return out;
}

function checked(out: ErrorSpec[], where: string): ErrorSpec[] {
  if (out.length < 100) throw new Error(`${where}: only ${out.length} codes found; the reader needs attention`);
  return out.sort((a, b) => a.code - b.code);
}

/** Reads the error table out of a Kafka source tree or a kafka-clients sources jar. */
export function importErrors(kafkaSource: string): ErrorSpec[] {
  const sources = readJavaSources(kafkaSource);
  const src = sources.get('protocol/Errors.java')!;
  const start = src.indexOf('public enum Errors');
  const end = src.indexOf(';', src.lastIndexOf('::new)', src.indexOf('private static final')));
  if (start < 0 || end < 0) throw new Error('Errors.java: enum not found');
  const body = src.slice(start, end + 1);
  const str = String.raw`"(?:[^"\\]|\\.)*"`;
  const re = new RegExp(String.raw`([A-Z][A-Z0-9_]*)\s*\(\s*(-?\d+)\s*,\s*(null|${str}(?:\s*\+\s*${str})*)\s*,\s*([^)]*?)\)\s*[,;]`, 'g');
  const parents = new Map<string, string>();
  for (const [path, text] of sources) {
    if (!path.startsWith('errors/')) continue;
    const m = /class\s+(\w+)\s+extends\s+([\w.]+)/.exec(text);
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
  return checked(out, 'Errors.java');
}

/** Parses the lines tools/kafka-errors/ErrorTable.java prints (code, name, retriable, JSON message). */
export function parseErrorTable(text: string): ErrorSpec[] {
  const out: ErrorSpec[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [code, name, retriable, message, extra] = line.split('\t');
    if (code === undefined || !/^-?\d+$/.test(code) || name === undefined || message === undefined || extra !== undefined
      || (retriable !== 'true' && retriable !== 'false')) {
      throw new Error(`error table: bad line ${JSON.stringify(line)}`);
    }
    out.push({ code: Number(code), name, retriable: retriable === 'true', message: JSON.parse(message) as string | null });
  }
  return checked(out, 'error table');
}

/**
 * Asks the compiled Errors enum of a kafka-clients jar for the table, with `java`. `libs` is a
 * folder holding kafka-clients and slf4j-api (which Errors logs with), such as Kafka's libs.
 */
export function importErrorsFromJars(libs: string): ErrorSpec[] {
  const program = join(findRepoRoot(), 'tools', 'kafka-errors', 'ErrorTable.java');
  const text = execFileSync('java', ['-cp', join(libs, '*'), program], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseErrorTable(text);
}

export function formatErrors(errors: ErrorSpec[]): string {
  const lines = errors.map((e) => `    ${JSON.stringify(e)}`);
  return `{\n  "errors": [\n${lines.join(',\n')}\n  ]\n}\n`;
}

function main(argv: string[]): void {
  const root = findRepoRoot();
  const args = (name: string): string[] => argv.flatMap((a, i) => (a === name && argv[i + 1] !== undefined ? [argv[i + 1]!] : []));
  const from = args('--from').map((f) => resolve(f));
  if (from.length === 0) throw new Error('name the specs to import with --from (see spec/README.md)');
  const to = resolve(args('--to')[0] ?? join(root, 'spec'));
  const files = importSpecs(from, to);
  console.log(`imported ${files.length} spec files into ${to}`);
  const kafkaSource = args('--kafka-source')[0];
  const errorsFrom = args('--errors-from-jars')[0];
  if (kafkaSource !== undefined || errorsFrom !== undefined) {
    const errors = kafkaSource !== undefined ? importErrors(resolve(kafkaSource)) : importErrorsFromJars(resolve(errorsFrom!));
    writeFileSync(join(to, 'errors.json'), formatErrors(errors));
    console.log(`wrote ${errors.length} error codes to ${join(to, 'errors.json')}`);
  }
}

if (process.argv[1] !== undefined && /import-spec\.js$/.test(process.argv[1])) main(process.argv.slice(2));
