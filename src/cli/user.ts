/**
 * `millrace user add|list|remove`: SCRAM users, what kafka-configs.sh does with
 * `--entity-type users --alter --add-config 'SCRAM-SHA-256=[iterations=8192,password=...]'`,
 * `--describe` and `--delete-config SCRAM-SHA-256`. The salted password is computed here, as
 * Kafka's AdminClient does. Passwords on the command line show in `ps` and shell history, so
 * they can also come from a file (`--password-file`) or standard input (`--password-stdin`).
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { DEFAULT_SCRAM_ITERATIONS, ScramAdmin, type ScramUserCredentials } from '../client/scram-admin.js';
import { SCRAM_MECHANISMS } from '../common/scram.js';
import { action, clientOptions, CliError, examples, intArg, withClient, type ClientFlags } from './options.js';
import { print, table, type Out } from './output.js';

const MECHANISM_NAMES = SCRAM_MECHANISMS.map((m) => m.name);

interface AddFlags extends ClientFlags {
  mechanism: string;
  iterations: number;
  password?: string;
  passwordFile?: string;
  passwordStdin?: boolean;
}

interface RemoveFlags extends ClientFlags {
  mechanism?: string;
}

/** Where the password comes from; exactly one source. */
async function passwordOf(flags: AddFlags, stdin: NodeJS.ReadableStream): Promise<string> {
  const sources = [flags.password !== undefined, flags.passwordFile !== undefined, flags.passwordStdin === true].filter(Boolean).length;
  if (sources !== 1) throw new CliError('give the password one way: --password, --password-file or --password-stdin');
  let password: string;
  if (flags.password !== undefined) {
    password = flags.password;
  } else if (flags.passwordFile !== undefined) {
    try {
      password = firstLine(readFileSync(flags.passwordFile, 'utf8'));
    } catch (err) {
      throw new CliError(`cannot read --password-file ${flags.passwordFile}: ${(err as Error).message}`);
    }
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    password = firstLine(Buffer.concat(chunks).toString('utf8'));
  }
  if (password === '') throw new CliError('the password is empty');
  return password;
}

/** A file's or a pipe's first line, without its line ending: `echo secret |` sends one. */
function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0]!;
}

function formatUsers(users: readonly ScramUserCredentials[]): string {
  if (users.length === 0) return 'No SCRAM users.\n';
  return table(['USER', 'MECHANISM', 'ITERATIONS'], users.flatMap((u) => u.credentials.map((c) => [u.user, c.mechanism, c.iterations])));
}

function mechanismOption(required: boolean): Option {
  const o = new Option('--mechanism <name>', 'the SCRAM mechanism').choices(MECHANISM_NAMES);
  return required ? o.makeOptionMandatory() : o;
}

export function registerUser(program: Command, out: Out = process.stdout, stdin: NodeJS.ReadableStream = process.stdin): void {
  const user = program.command('user').description('add, list and remove SCRAM users (kafka-configs.sh --entity-type users)');

  examples(clientOptions(user.command('add')), [
    'millrace user add alice --mechanism SCRAM-SHA-256 --password-file alice.password',
    'echo "$ALICE_PASSWORD" | millrace user add alice --mechanism SCRAM-SHA-512 --iterations 8192 --password-stdin',
    'millrace user add alice --mechanism SCRAM-SHA-256 --password alice-secret   # shows in ps and history',
  ])
    .description('create or replace a user\'s SCRAM credential for one mechanism')
    .argument('<name>', 'the user (principal name without User:)')
    .addOption(mechanismOption(true))
    .option('--iterations <n>', `PBKDF2 iterations, ${SCRAM_MECHANISMS[0]!.minIterations} to 16384`, intArg('--iterations', { positive: true }), DEFAULT_SCRAM_ITERATIONS)
    .option('--password <password>', 'the password (visible to other users of this machine: prefer the two below)')
    .option('--password-file <file>', 'read the password from the first line of a file')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .action(action(async (name: string, flags: AddFlags) => {
      const password = await passwordOf(flags, stdin);
      await withClient(flags, async (client) => {
        await new ScramAdmin(client).upsert(name, flags.mechanism, password, flags.iterations);
        print(out, flags.json, { user: name, mechanism: flags.mechanism, iterations: flags.iterations },
          () => `Set the ${flags.mechanism} credential of user ${name} (${flags.iterations} iterations).\n`);
      });
    }));

  examples(clientOptions(user.command('list')), [
    'millrace user list',
    'millrace user list alice bob --json',
  ])
    .description('list SCRAM users with their mechanisms and iterations (all, or the named ones)')
    .argument('[names...]', 'users to show (default every user with a SCRAM credential)')
    .action(action(async (names: string[], flags: ClientFlags) => {
      await withClient(flags, async (client) => {
        const users = await new ScramAdmin(client).describe(names);
        print(out, flags.json, users, () => formatUsers(users));
      });
    }));

  examples(clientOptions(user.command('remove')), [
    'millrace user remove alice --mechanism SCRAM-SHA-256',
    'millrace user remove alice          # every mechanism alice has',
  ])
    .description('remove a user\'s SCRAM credential for one mechanism, or all of them')
    .argument('<name>', 'the user')
    .addOption(mechanismOption(false))
    .action(action(async (name: string, flags: RemoveFlags) => {
      await withClient(flags, async (client) => {
        const admin = new ScramAdmin(client);
        const mechanisms = flags.mechanism !== undefined ? [flags.mechanism] : (await admin.describe([name]))[0]?.credentials.map((c) => c.mechanism) ?? [];
        await admin.delete(name, mechanisms);
        print(out, flags.json, { user: name, removed: mechanisms }, () => `Removed the ${mechanisms.join(' and ')} credential${mechanisms.length === 1 ? '' : 's'} of user ${name}.\n`);
      });
    }));
}
