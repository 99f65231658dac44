import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerInspectCommand } from './inspect.js';
import { registerStart } from './start.js';

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
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
