/**
 * Where compat tests find the repository, the client drivers and their caches. Works from the
 * TypeScript sources and from the compiled copies under dist/ alike: the repository root is
 * the nearest folder above this file holding Millrace's package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'millrace') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no Millrace package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export const repoRoot = findRepoRoot();

/** Installed clients and tools (git-ignored); MILLRACE_COMPAT_CACHE moves it. */
export const cacheDir = path.resolve(process.env.MILLRACE_COMPAT_CACHE ?? path.join(repoRoot, 'test', '.cache', 'compat'));

/** Driver programs (plain files run as they are, not compiled). */
export const clientsDir = path.join(repoRoot, 'test', 'compat', 'clients');
