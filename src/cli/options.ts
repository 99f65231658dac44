import { readFileSync } from 'node:fs';
/**
 * What every client subcommand of `millrace` shares: `--bootstrap-server` and
 * `--command-config` (as Kafka's tools spell them), `--json`, the client built from them,
 * flag parsers, help examples, and errors reported as one line with exit code 1.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { KafkaClient } from '../client/client.js';
import { readClientProperties } from '../client/properties.js';
import type { ClientOptions } from '../client/client.js';

export const DEFAULT_BOOTSTRAP = 'localhost:9092';

export interface ClientFlags {
  bootstrapServer: string;
  commandConfig?: string;
  json?: boolean;
}

/** A mistake in the command line or its input, reported as one line. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Adds `--bootstrap-server`, `--command-config` and (unless told not to) `--json`. */
export function clientOptions(cmd: Command, { json = true } = {}): Command {
  cmd
    .option('--bootstrap-server <host:port>', 'broker(s) to connect to, comma-separated', DEFAULT_BOOTSTRAP)
    .option('--command-config <file>', 'Kafka client properties file (bootstrap.servers, security.protocol, ssl.*, sasl.mechanism, sasl.jaas.config, ...)');
  if (json) cmd.option('--json', 'print JSON instead of a table');
  // One line and a hint, not the whole help, after a mistake.
  cmd.showHelpAfterError('(run with --help for usage and examples)');
  return cmd;
}

/** Adds an "Examples:" block to a command's --help. */
export function examples(cmd: Command, lines: readonly string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}

/** The client options from the flags: bootstrap list, then the properties file over it. */
export function clientOptionsFrom(flags: ClientFlags, clientId = 'millrace-cli'): ClientOptions {
  const base: ClientOptions = {
    bootstrapServers: flags.bootstrapServer.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    clientId,
    connectTimeoutMs: 10_000,
  };
  return flags.commandConfig === undefined ? base : readClientProperties(flags.commandConfig, base);
}

/** Runs `fn` with a client from the flags and closes it afterwards, whatever happens. */
export async function withClient<T>(flags: ClientFlags, fn: (client: KafkaClient) => Promise<T>, clientId?: string): Promise<T> {
  const client = new KafkaClient(clientOptionsFrom(flags, clientId));
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/**
 * Wraps a command action: errors are printed as one `millrace: ...` line on stderr and
 * the exit code is 1.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      process.stderr.write(`millrace: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  };
}

/** commander argParser: a non-negative integer (or one > 0 with `positive`). */
export function intArg(name: string, { positive = false, allowNegative = false } = {}) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || (positive && n <= 0) || (!allowNegative && n < 0)) {
      throw new InvalidArgumentError(`${name} must be ${positive ? 'a positive' : allowNegative ? 'an' : 'a non-negative'} integer`);
    }
    return n;
  };
}

/** commander argParser: an int64, as a bigint. */
export function bigintArg(name: string) {
  return (value: string): bigint => {
    if (!/^[+-]?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be an integer`);
    return BigInt(value.trim());
  };
}

/** commander argParser for repeatable flags (no default, so --help shows none: read it with `?? []`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `k=v` entries to a record; the value may contain `=`. */
export function keyValues(entries: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const i = e.indexOf('=');
    if (i <= 0) throw new CliError(`${flag} ${e}: expected key=value`);
    out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}

/**
 * The topic a command is about: the positional NAME or Kafka's `--topic NAME`, exactly one.
 */
export function oneTopic(positional: string | undefined, flag: string | undefined): string {
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw new CliError(`two topics given (${positional} and --topic ${flag})`);
  }
  const topic = positional ?? flag;
  if (topic === undefined || topic === '') throw new CliError('no topic given: name it as an argument or with --topic');
  return topic;
}

/** The `partitions` list of a kafka-*.sh style JSON file (`{"partitions": [...]}`), or a CliError naming the file. */
export function readPartitionsList(file: string): unknown[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`);
  }
  const list = (parsed as { partitions?: unknown } | null)?.partitions;
  return Array.isArray(list) ? list : undefined;
}
