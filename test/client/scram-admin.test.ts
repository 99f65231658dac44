// ScramAdmin against an embedded broker: credentials made client-side (ScramFormatter's salt,
// PBKDF2 salted password) log in over SASL, are described by mechanism and iterations, and
// are gone once deleted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerConnection } from '../../src/client/connection.js';
import { KafkaClient } from '../../src/client/client.js';
import { ScramAdmin, scramSalt } from '../../src/client/scram-admin.js';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';

let tb: TestBroker;
let client: KafkaClient;

before(async () => {
  tb = await startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'connection.failed.authentication.delay.ms': 0,
    },
  });
  client = new KafkaClient({ bootstrapServers: [tb.bootstrap] });
});

after(async () => {
  client?.close();
  await tb?.close();
});

function login(username: string, password: string, mechanism: string): Promise<void> {
  const address = tb.broker.listenerAddress('SASL_PLAINTEXT');
  const i = address.lastIndexOf(':');
  return BrokerConnection.connect(address.slice(0, i), Number(address.slice(i + 1)), { sasl: { mechanism, username, password } }).then((c) => c.close());
}

test('salts are the base-36 text of 130 random bits, as ScramFormatter.secureRandomBytes makes them', () => {
  const salts = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const salt = scramSalt().toString('ascii');
    assert.match(salt, /^[0-9a-z]{1,26}$/);
    salts.add(salt);
  }
  assert.equal(salts.size, 50);
});

test('upsert, describe, log in, delete', async () => {
  const admin = new ScramAdmin(client);
  await admin.upsert('alice', 'SCRAM-SHA-512', 'pw-512', 8192);
  await admin.upsert('alice', 'SCRAM-SHA-256', 'pw-256');
  assert.deepEqual(await admin.describe([]), [{ user: 'alice', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }, { mechanism: 'SCRAM-SHA-512', iterations: 8192 }] }]);
  await login('alice', 'pw-512', 'SCRAM-SHA-512');
  await login('alice', 'pw-256', 'SCRAM-SHA-256');
  await assert.rejects(login('alice', 'pw-512', 'SCRAM-SHA-256'), /SASL_AUTHENTICATION_FAILED/);
  await admin.delete('alice', ['SCRAM-SHA-512']);
  await assert.rejects(login('alice', 'pw-512', 'SCRAM-SHA-512'), /SASL_AUTHENTICATION_FAILED/);
  assert.deepEqual(await admin.describe(['alice']), [{ user: 'alice', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] }]);
  await assert.rejects(admin.describe(['nobody']), /user nobody: RESOURCE_NOT_FOUND/);
  await assert.rejects(admin.upsert('bob', 'SCRAM-SHA-256', 'pw', 20000), /UNACCEPTABLE_CREDENTIAL/);
  await assert.rejects(admin.delete('alice', ['PLAIN']), /PLAIN is not a SCRAM mechanism/);
});
