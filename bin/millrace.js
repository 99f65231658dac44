#!/usr/bin/env node
// The `millrace` command. The TypeScript sources are compiled to dist/ by `npm ci` (prepare).
import module from 'node:module';

// Node >= 22.1 keeps compiled code between runs (NODE_DISABLE_COMPILE_CACHE=1 turns it off);
// it roughly halves start-up. Node 20 has no such cache and starts without it.
module.enableCompileCache?.();

const { main } = await import('../dist/src/cli/main.js');
main(process.argv).catch((err) => {
  process.stderr.write(`millrace: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
