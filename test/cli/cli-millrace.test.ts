/**
 * What the `millrace` client tools do whatever the broker: --help with examples on every
 * subcommand, shell completion, --command-config, and errors reported as one line with exit
 * code 1. The shared suite against the embedded Millrace broker is in cli-millrace-topics,
 * -records and -groups.test.ts; with third-party clients in
 * test/compat/cli/cli-millrace-clients.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { cli, ok } from './cli-harness.js';
import { EMBEDDED_CONFIG } from './cli-embedded.js';

let target: TestBroker;

before(async () => {
  target = await startTestBroker({ config: EMBEDDED_CONFIG });
});

after(async () => {
  await target?.close();
});

/** Every command path that runs something (no subcommands of its own). */
function leaves(cmd: Command, path: string[] = []): string[][] {
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  if (subs.length === 0) return [path];
  return subs.flatMap((c) => leaves(c, [...path, c.name()]));
}

const CLIENT_COMMANDS = ['topic', 'produce', 'consume', 'group', 'txn', 'config', 'acl', 'quota', 'user', 'cluster', 'partition'];

test('every subcommand has --help with examples; client commands take --bootstrap-server and --command-config', async () => {
  const program = await buildProgram();
  const paths = leaves(program);
  assert.ok(paths.length >= 17, `${paths.length} commands`);
  for (const path of paths) {
    // the help as the bin prints it, rendered in this process (one child per command is slow)
    let cmd = program;
    for (const name of path) cmd = cmd.commands.find((c) => c.name() === name)!;
    let help = '';
    cmd.configureOutput({ writeOut: (s) => (help += s), getOutHelpWidth: () => 100 });
    cmd.outputHelp();
    assert.match(help, /\nExamples:\n {2}.*millrace /, `millrace ${path.join(' ')} --help`);
    // `cluster dev` starts a cluster rather than connecting to one
    if (CLIENT_COMMANDS.includes(path[0]!) && path.join(' ') !== 'cluster dev') {
      assert.match(help, /--bootstrap-server <host:port>\s+broker\(s\) to connect to, comma-separated\s+\(default:\s+"localhost:9092"\)/, path.join(' '));
      assert.match(help, /--command-config <file>/, path.join(' '));
    }
  }
  // and through the bin
  assert.match(await ok(['group', 'reset-offsets', '--help']), /Examples:\n {2}millrace group reset-offsets billing --topic orders --to-earliest/);
});

test('completion scripts name every subcommand and flag, and complete in bash', async () => {
  const script = await ok(['completion', 'bash']);
  assert.equal(spawnSync('bash', ['-n'], { input: script }).status, 0, 'valid bash');
  const complete = (words: string[]) => {
    const r = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; ` +
      '_millrace_complete; printf "%s\\n" "${COMPREPLY[@]}"'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trimEnd().split('\n').sort();
  };
  assert.deepEqual(complete(['millrace', 'gr']), ['group']);
  assert.deepEqual(complete(['millrace', 'user', 'add', 'alice', '--mechanism', '']), ['SCRAM-SHA-256', 'SCRAM-SHA-512']);
  assert.deepEqual(complete(['millrace', 'topic', '']), ['--help', 'alter', 'create', 'delete', 'describe', 'list']);
  assert.deepEqual(complete(['millrace', 'group', 'reset-offsets', 'g1', '--to-e']), ['--to-earliest']);
  assert.ok(complete(['millrace', 'consume', '--bootstrap-server', 'h:1', '--f']).includes('--from-beginning'));
  assert.deepEqual(complete(['millrace', 'produce', 't', '--compression', '']), ['gzip', 'lz4', 'none', 'snappy', 'zstd']);
  const zsh = await ok(['completion', 'zsh']);
  assert.match(zsh, /^#compdef millrace\n/);
  assert.match(zsh, /bashcompinit/);
  const bad = await cli(['completion', 'fish']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bash or zsh/);
});

test('--command-config supplies bootstrap.servers and client settings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-cli-'));
  try {
    const props = join(dir, 'client.properties');
    writeFileSync(props, `# as kafka-topics.sh --command-config reads them\nbootstrap.servers=${target.bootstrap}\nclient.id=from-properties\nrequest.timeout.ms=10000\n`);
    assert.match(await ok(['topic', 'list', '--command-config', props]), /__consumer_offsets|^$/);
    writeFileSync(props, 'security.protocol=SASL_SSL\n');
    const r = await cli(['topic', 'list', '--command-config', props]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `millrace: --command-config ${props}: sasl.mechanism is not set and Kafka's default, GSSAPI (Kerberos), is not supported by the millrace client: set sasl.mechanism to one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER\n`);
    const missing = await cli(['topic', 'list', '--command-config', join(dir, 'nope.properties')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^millrace: cannot read command config .*nope\.properties/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('errors are one line on stderr and exit code 1', async () => {
  const refused = await cli(['topic', 'list', '--bootstrap-server', '127.0.0.1:1']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^millrace: cannot connect to 127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/);
  const badAddress = await cli(['cluster', 'info', '--bootstrap-server', 'no-port']);
  assert.equal(badAddress.code, 1);
  assert.equal(badAddress.stderr, 'millrace: invalid broker address "no-port": expected HOST:PORT\n');
  const badNumber = await cli(['topic', 'create', 't', '--partitions', 'zero', '--bootstrap-server', target.bootstrap]);
  assert.equal(badNumber.code, 1);
  assert.match(badNumber.stderr, /^error: option '--partitions <n>' argument 'zero' is invalid\. --partitions must be a positive integer\n\(run with --help for usage and examples\)\n$/);
  const noTopic = await cli(['topic', 'create', '--bootstrap-server', target.bootstrap]);
  assert.equal(noTopic.code, 1);
  assert.equal(noTopic.stderr, 'millrace: no topic given: name it as an argument or with --topic\n');
  const offsetAlone = await cli(['consume', 'x', '--offset', '5', '--bootstrap-server', target.bootstrap]);
  assert.equal(offsetAlone.stderr, 'millrace: --offset needs --partition\n');
  const badFormat = await cli(['consume', 'x', '--format', '%q', '--bootstrap-server', target.bootstrap]);
  assert.match(badFormat.stderr, /^millrace: --format: unknown token %q/);
});
