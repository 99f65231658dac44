import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerCluster } from './cluster.js';
import { registerCompletion } from './completion.js';
import { registerConfig } from './config.js';
import { registerConsume } from './consume.js';
import { registerGroup } from './group.js';
import { registerInspectCommand } from './inspect.js';
import { registerPerf } from './perf.js';
import { registerProduce } from './produce.js';
import { registerStart } from './start.js';
import { registerTopic } from './topic.js';

const require = createRequire(import.meta.url);
const pkg = require('../../../package.json') as { version: string };

/** Builds the `millrace` command tree; each subcommand lives in its own module. */
export function buildProgram(): Command {
  const program = new Command('millrace')
    .description('Millrace: a Kafka-compatible event streaming platform for Node.js')
    .version(pkg.version)
    .showHelpAfterError();
  registerStart(program);
  registerInspectCommand(program);
  registerTopic(program);
  registerProduce(program);
  registerConsume(program);
  registerGroup(program);
  registerConfig(program);
  registerCluster(program);
  registerCompletion(program);
  registerPerf(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
