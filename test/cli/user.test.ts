// `millrace user add|list|remove` through the real bin against an embedded broker with a
// SASL_PLAINTEXT listener: a user added (password from the command line, a file or stdin)
// can log in with that password over `--command-config`, is listed with its mechanisms and
// iterations, and after `user remove` can no longer log in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { cli, ok } from './cli-harness.js';

let tb: TestBroker;
let dir: string;
let admin: string[];

before(async () => {
  tb = await startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'connection.failed.authentication.delay.ms': 0,
    },
  });
  dir = mkdtempSync(join(tmpdir(), 'millrace-cli-user-'));
  admin = ['--bootstrap-server', tb.bootstrap];
});

after(async () => {
  await tb?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A --command-config file logging in to the SASL_PLAINTEXT listener as `user`. */
function loginAs(name: string, mechanism: string, user: string, password: string): string {
  const file = join(dir, `${name}.properties`);
  writeFileSync(file, [
    `bootstrap.servers=${tb.broker.listenerAddress('SASL_PLAINTEXT')}`,
    'security.protocol=SASL_PLAINTEXT',
    `sasl.mechanism=${mechanism}`,
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`,
    '',
  ].join('\n'));
  return file;
}

test('user add, then a login with that user; list; remove, then the login fails', async () => {
  assert.equal(await ok(['user', 'list', ...admin]), 'No SCRAM users.\n');
  assert.equal(await ok(['user', 'add', 'alice', '--mechanism', 'SCRAM-SHA-256', '--password', 'alice-secret', ...admin]),
    'Set the SCRAM-SHA-256 credential of user alice (4096 iterations).\n');
  const passwordFile = join(dir, 'alice.password');
  writeFileSync(passwordFile, 'alice-512\n');
  await ok(['user', 'add', 'alice', '--mechanism', 'SCRAM-SHA-512', '--iterations', '8192', '--password-file', passwordFile, ...admin]);
  await ok(['user', 'add', 'bob', '--mechanism', 'SCRAM-SHA-512', '--password-stdin', ...admin], 'bob secret with spaces\n');

  assert.equal(await ok(['user', 'list', ...admin]), [
    'USER   MECHANISM      ITERATIONS',
    'alice  SCRAM-SHA-256  4096',
    'alice  SCRAM-SHA-512  8192',
    'bob    SCRAM-SHA-512  4096',
    '',
  ].join('\n'));
  assert.deepEqual(JSON.parse(await ok(['user', 'list', 'bob', '--json', ...admin])), [{ user: 'bob', credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }] }]);

  // Each credential logs in with its own password, through any client subcommand.
  const alice256 = loginAs('alice256', 'SCRAM-SHA-256', 'alice', 'alice-secret');
  const alice512 = loginAs('alice512', 'SCRAM-SHA-512', 'alice', 'alice-512');
  const bob = loginAs('bob', 'SCRAM-SHA-512', 'bob', 'bob secret with spaces');
  await ok(['topic', 'create', 'orders', '--partitions', '1', '--command-config', alice256]);
  assert.match(await ok(['topic', 'list', '--command-config', alice512]), /^orders$/m);
  assert.match(await ok(['topic', 'list', '--command-config', bob]), /^orders$/m);

  // A wrong password: one line naming the mechanism, exit code 1.
  const wrong = await cli(['topic', 'list', '--command-config', loginAs('wrong', 'SCRAM-SHA-256', 'alice', 'alice-512')]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^millrace: SASL SCRAM-SHA-256 authentication to 127\.0\.0\.1:\d+: SASL_AUTHENTICATION_FAILED \(Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256\)\n$/);

  assert.equal(await ok(['user', 'remove', 'alice', '--mechanism', 'SCRAM-SHA-256', ...admin]), 'Removed the SCRAM-SHA-256 credential of user alice.\n');
  assert.equal((await cli(['topic', 'list', '--command-config', alice256])).code, 1);
  assert.match(await ok(['topic', 'list', '--command-config', alice512]), /^orders$/m);
  assert.equal(await ok(['user', 'remove', 'bob', ...admin]), 'Removed the SCRAM-SHA-512 credential of user bob.\n');
  const gone = await cli(['topic', 'list', '--command-config', bob]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /invalid credentials with SASL mechanism SCRAM-SHA-512/);
  assert.equal(await ok(['user', 'list', ...admin]), 'USER   MECHANISM      ITERATIONS\nalice  SCRAM-SHA-512  8192\n');
});

test('user mistakes: Kafka\'s errors for the broker\'s checks, one line and exit code 1', async () => {
  const missing = await cli(['user', 'list', 'nobody', ...admin]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^millrace: user nobody: RESOURCE_NOT_FOUND \(Attempt to describe a user credential that does not exist: nobody\)\n$/);
  const removeMissing = await cli(['user', 'remove', 'nobody', '--mechanism', 'SCRAM-SHA-256', ...admin]);
  assert.equal(removeMissing.code, 1);
  assert.match(removeMissing.stderr, /RESOURCE_NOT_FOUND/);
  const few = await cli(['user', 'add', 'carol', '--mechanism', 'SCRAM-SHA-256', '--iterations', '100', '--password', 'x', ...admin]);
  assert.equal(few.code, 1);
  assert.match(few.stderr, /UNACCEPTABLE_CREDENTIAL/);
  const twoPasswords = await cli(['user', 'add', 'carol', '--mechanism', 'SCRAM-SHA-256', '--password', 'x', '--password-stdin', ...admin], 'y\n');
  assert.equal(twoPasswords.code, 1);
  assert.equal(twoPasswords.stderr, 'millrace: give the password one way: --password, --password-file or --password-stdin\n');
  const empty = await cli(['user', 'add', 'carol', '--mechanism', 'SCRAM-SHA-256', '--password-stdin', ...admin], '\n');
  assert.equal(empty.stderr, 'millrace: the password is empty\n');
  const badMechanism = await cli(['user', 'add', 'carol', '--mechanism', 'PLAIN', '--password', 'x', ...admin]);
  assert.notEqual(badMechanism.code, 0);
  assert.match(badMechanism.stderr, /Allowed choices are SCRAM-SHA-256, SCRAM-SHA-512/);
});
