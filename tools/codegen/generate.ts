/**
 * The generator: spec/ in, src/protocol/generated/ out. `generateFiles` is pure (it returns
 * file contents); `writeGenerated` puts them on disk and removes files it no longer makes.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { emitModule } from './emit-module.js';
import { emitApiKeys, emitErrors, emitIndex, type ErrorEntry } from './emit-tables.js';
import { buildAll, SpecError, type MessageModel } from './model.js';
import { modulePath } from './names.js';
import { loadSpecFiles } from './spec.js';

export interface GeneratedFile {
  /** Path relative to the output folder, with forward slashes. */
  path: string;
  content: string;
}

export function loadErrors(specRoot: string): ErrorEntry[] {
  const file = join(specRoot, 'errors.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { errors?: unknown };
  if (!Array.isArray(raw.errors)) throw new SpecError('errors.json', 'expected { "errors": [...] }');
  const seenCodes = new Set<number>();
  const seenNames = new Set<string>();
  return raw.errors.map((e: unknown) => {
    const x = e as Partial<ErrorEntry>;
    if (typeof x.code !== 'number' || !Number.isInteger(x.code) || x.code < -32768 || x.code > 32767) {
      throw new SpecError('errors.json', `invalid error code ${JSON.stringify(x.code)}`);
    }
    if (typeof x.name !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(x.name)) {
      throw new SpecError('errors.json', `invalid error name ${JSON.stringify(x.name)}`);
    }
    if (typeof x.retriable !== 'boolean') throw new SpecError('errors.json', `${x.name}: retriable must be true or false`);
    if (x.message !== null && typeof x.message !== 'string') throw new SpecError('errors.json', `${x.name}: message must be a string or null`);
    if (seenCodes.has(x.code)) throw new SpecError('errors.json', `duplicate error code ${x.code}`);
    if (seenNames.has(x.name)) throw new SpecError('errors.json', `duplicate error name ${x.name}`);
    seenCodes.add(x.code);
    seenNames.add(x.name);
    return { code: x.code, name: x.name, retriable: x.retriable, message: x.message ?? null };
  });
}

export function buildModels(specRoot: string): MessageModel[] {
  return buildAll(loadSpecFiles(specRoot));
}

export function generateFiles(specRoot: string): GeneratedFile[] {
  const models = buildModels(specRoot);
  const files: GeneratedFile[] = models.map((m) => ({ path: `${modulePath(m)}.ts`, content: emitModule(m) }));
  files.push({ path: 'api-keys.ts', content: emitApiKeys(models) });
  files.push({ path: 'errors.ts', content: emitErrors(loadErrors(specRoot)) });
  files.push({ path: 'index.ts', content: emitIndex(models) });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return files;
}

function listTs(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTs(p, base));
    else if (name.endsWith('.ts')) out.push(relative(base, p).split('\\').join('/'));
  }
  return out;
}

/** Writes the files (only those that changed) and deletes stale .ts files in `outDir`. */
export function writeGenerated(files: GeneratedFile[], outDir: string): { written: number; removed: number } {
  let written = 0;
  let removed = 0;
  const keep = new Set(files.map((f) => f.path));
  for (const old of listTs(outDir)) {
    if (!keep.has(old)) {
      rmSync(join(outDir, old));
      removed++;
    }
  }
  for (const f of files) {
    const p = join(outDir, f.path);
    if (existsSync(p) && readFileSync(p, 'utf8') === f.content) continue;
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.content);
    written++;
  }
  return { written, removed };
}

/** Compares `outDir` with what the generator makes now; returns the paths that differ. */
export function staleFiles(files: GeneratedFile[], outDir: string): string[] {
  const out: string[] = [];
  const keep = new Set(files.map((f) => f.path));
  for (const f of files) {
    const p = join(outDir, f.path);
    if (!existsSync(p) || readFileSync(p, 'utf8') !== f.content) out.push(f.path);
  }
  for (const old of listTs(outDir)) if (!keep.has(old)) out.push(old);
  return out.sort();
}
