// SASL over TLS on one listener (SASL_SSL), driven by the project's own client
// (BrokerConnection with tls and sasl options), PLAIN and SCRAM-SHA-512.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { BrokerConnection } from '../../src/client/connection.js';
import { saltedPassword, scramMechanism } from '../../src/common/scram.js';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { makePki, type TestPki, type IssuedCert } from '../helpers/certs.js';

let pki: TestPki;
let server: IssuedCert;
before(() => {
  pki = makePki();
  server = pki.issue('server', '/CN=localhost', { server: true });
});
after(() => pki.cleanup());

async function broker(extra: Record<string, string> = {}): Promise<TestBroker> {
  return startTestBroker({
    config: {
      ...extra,
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'listener.name.sasl_ssl.ssl.keystore.type': 'PEM',
      'listener.name.sasl_ssl.ssl.keystore.location': server.keystorePath,
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
      'connection.failed.authentication.delay.ms': 0,
    },
  });
}

function hostPort(address: string): [string, number] {
  return [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
}

test('SASL_SSL: PLAIN and SCRAM-SHA-512 through the client, refused without TLS or with a wrong password', async () => {
  const tb = await broker();
  try {
    const m = scramMechanism('SCRAM-SHA-512')!;
    const salt = randomBytes(16);
    const alter = await tb.client.request(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [],
      upsertions: [{ name: 'bob', mechanism: m.type, iterations: 4096, salt, saltedPassword: saltedPassword(m, 'bob-secret', salt, 4096) }],
    });
    assert.equal(alter.results[0]!.errorCode, 0);
    const [host, port] = hostPort(tb.broker.listenerAddress('SASL_SSL'));
    const tls = { ca: pki.caCert, servername: 'localhost' };
    for (const sasl of [{ mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' }, { mechanism: 'SCRAM-SHA-512', username: 'bob', password: 'bob-secret' }]) {
      const conn = await BrokerConnection.connect(host, port, { tls, sasl });
      const md = await conn.request(ApiKey.Metadata, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false }, 12);
      assert.deepEqual(md.brokers.map((b) => b.port), [port]);
      conn.close();
    }
    await assert.rejects(BrokerConnection.connect(host, port, { tls, sasl: { mechanism: 'SCRAM-SHA-512', username: 'bob', password: 'nope' } }), /Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);
    // Plaintext bytes to the SASL_SSL port: closed.
    const raw = await WireClient.connect(tb.broker.listenerAddress('SASL_SSL'), { timeoutMs: 5000 });
    await assert.rejects(raw.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '0' }));
    raw.close();
  } finally {
    await tb.close();
  }
});

test('on SASL_SSL only a listener-prefixed ssl.client.auth asks for client certificates (KIP-684)', async () => {
  const sasl = { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' };
  const tls = { ca: pki.caCert, servername: 'localhost' };
  const unprefixed = await broker({ 'ssl.client.auth': 'required', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': pki.caPath });
  try {
    const [host, port] = hostPort(unprefixed.broker.listenerAddress('SASL_SSL'));
    (await BrokerConnection.connect(host, port, { tls, sasl })).close();
  } finally {
    await unprefixed.close();
  }
  const prefixed = await broker({ 'listener.name.sasl_ssl.ssl.client.auth': 'required', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': pki.caPath });
  try {
    const [host, port] = hostPort(prefixed.broker.listenerAddress('SASL_SSL'));
    await assert.rejects(BrokerConnection.connect(host, port, { tls, sasl, connectTimeoutMs: 5000, requestTimeoutMs: 5000 }));
    const client = pki.issue('sasl-client', '/CN=sasl-client');
    (await BrokerConnection.connect(host, port, { tls: { ...tls, key: client.key, cert: client.cert }, sasl })).close();
  } finally {
    await prefixed.close();
  }
});
