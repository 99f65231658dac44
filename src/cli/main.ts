import { Command } from 'commander';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = require('../../../package.json') as { version: string };

type Register = (program: Command) => void;

/** The subcommands in help order, each loaded from its own module only when needed. */
const SUBCOMMANDS: ReadonlyArray<readonly [string, () => Promise<Register>]> = [
  ['start', async () => (await import('./start.js')).registerStart],
  ['inspect', async () => (await import('./inspect.js')).registerInspectCommand],
  ['topic', async () => (await import('./topic.js')).registerTopic],
  ['produce', async () => (await import('./produce.js')).registerProduce],
  ['consume', async () => (await import('./consume.js')).registerConsume],
  ['group', async () => (await import('./group.js')).registerGroup],
  ['txn', async () => (await import('./txn.js')).registerTxn],
  ['config', async () => (await import('./config.js')).registerConfig],
  ['acl', async () => (await import('./acl.js')).registerAcl],
  ['quota', async () => (await import('./quota.js')).registerQuota],
  ['user', async () => (await import('./user.js')).registerUser],
  ['cluster', async () => (await import('./cluster.js')).registerCluster],
  ['partition', async () => (await import('./partition.js')).registerPartition],
  ['completion', async () => (await import('./completion.js')).registerCompletion],
  ['perf', async () => (await import('./perf.js')).registerPerf],
];

/** Builds the `millrace` command tree: every subcommand, or only `only`. */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('millrace')
    .description('Millrace: a Kafka-compatible event streaming platform for Node.js')
    .version(pkg.version)
    .showHelpAfterError();
  for (const [name, load] of SUBCOMMANDS) {
    if (only === undefined || only === name) (await load())(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // Loading just the subcommand that runs keeps `millrace start` quick to start (the client
  // tools and perf pull in modules the broker never uses); help, completion and anything
  // unrecognised get the whole tree.
  const name = argv[2];
  const single = name !== 'completion' && SUBCOMMANDS.some(([n]) => n === name) ? name : undefined;
  await (await buildProgram(single)).parseAsync(argv);
}
