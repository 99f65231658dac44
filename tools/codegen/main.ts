/**
 * npm run generate [-- --spec DIR --out DIR --check]
 * Generates src/protocol/generated/ from spec/. With --check, writes nothing and exits 1 when
 * the committed files are not what the generator makes.
 */
import { join, resolve } from 'node:path';
import { generateFiles, staleFiles, writeGenerated } from './generate.js';
import { findRepoRoot } from './paths.js';

function main(argv: string[]): number {
  const root = findRepoRoot();
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const spec = resolve(arg('--spec') ?? join(root, 'spec'));
  const out = resolve(arg('--out') ?? join(root, 'src/protocol/generated'));
  const files = generateFiles(spec);
  if (argv.includes('--check')) {
    const stale = staleFiles(files, out);
    if (stale.length > 0) {
      console.error(`generated files are not current (run npm run generate):\n  ${stale.join('\n  ')}`);
      return 1;
    }
    console.log(`${files.length} generated files are current`);
    return 0;
  }
  const { written, removed } = writeGenerated(files, out);
  console.log(`${files.length} files in ${out}: ${written} written, ${removed} removed`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 1;
}
