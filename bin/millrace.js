#!/usr/bin/env node
// The `millrace` command. `npm ci` / `npm run build` compile the TypeScript sources to dist/
// and bundle the command into dist/bundle/cli/ (tools/bundle-cli.ts), which starts faster.
import module from 'node:module';

// Node >= 22.1 keeps compiled code between runs (NODE_DISABLE_COMPILE_CACHE=1 turns it off).
// Node 20 has no such cache and starts without it.
module.enableCompileCache?.();

const { main } = await import('../dist/bundle/cli/main.js');
main(process.argv).catch((err) => {
  process.stderr.write(`millrace: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
