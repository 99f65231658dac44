/**
 * Where the package's own files are, found from this module's location: it runs from
 * dist/src/console/ui/ after tsc and from dist/bundle/cli/chunks/ inside the bundled CLI, so
 * the root is the nearest folder above with Millrace's package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && isMillrace(candidate)) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the millrace package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export function packageJsonPath(): string {
  return join(packageRoot(), 'package.json');
}

function isMillrace(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: string }).name === 'millrace';
  } catch {
    return false;
  }
}
