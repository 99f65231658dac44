// Loads @platformatic/kafka for the drivers from the node_modules folder test/compat/setup
// installed it into (setup/platformatic.ts), passed in COMPAT_NODE_MODULES: it is not one of
// the project's dependencies, so a bare import from this folder would not find it.
//   const { kafka, version } = await loadPlatformaticKafka();
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export async function loadPlatformaticKafka() {
  const modules = process.env.COMPAT_NODE_MODULES;
  if (!modules) throw new Error('COMPAT_NODE_MODULES is not set (test/compat/setup installs @platformatic/kafka)');
  const entry = createRequire(path.join(modules, 'noop.js')).resolve('@platformatic/kafka');
  const { version } = JSON.parse(readFileSync(path.join(modules, '@platformatic', 'kafka', 'package.json'), 'utf8'));
  return { kafka: await import(pathToFileURL(entry).href), version };
}
