import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey, apiInfo } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { encodeRequestFrame } from '../../src/protocol/header.js';
import { parseJaasConfig } from '../../src/common/jaas.js';
import { principalsOn, startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { WireClient } from '../helpers/wire-client.js';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice \\"secret\\"";';

function saslBroker(extra: Record<string, string | number> = {}): Promise<TestBroker> {
  return startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
      'connection.failed.authentication.delay.ms': 20,
      ...extra,
    },
  });
}

const plainToken = (user: string, password: string, authzid = '') => Buffer.from(`${authzid}\u0000${user}\u0000${password}`, 'utf8');

test('JAAS options are read as Kafka reads them', () => {
  const entry = parseJaasConfig(JAAS);
  assert.equal(entry.loginModule, 'org.apache.kafka.common.security.plain.PlainLoginModule');
  assert.equal(entry.options.get('user_alice'), 'alice "secret"');
  assert.throws(() => parseJaasConfig('Module required a="b"'), /not terminated by semi-colon/);
  assert.throws(() => parseJaasConfig('A required; B required;'), /contains 2 login modules, should be 1 module/);
});

test('SASL/PLAIN with handshake v1 and SaslAuthenticate: the user is served afterwards', async () => {
  const tb = await saslBroker();
  const c = await WireClient.connect(tb.broker.listenerAddress('SASL_PLAINTEXT'));
  try {
    const versions = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '0' });
    assert.ok(versions.apiKeys.some((k) => k.apiKey === ApiKey.SaslAuthenticate && k.maxVersion === 2));
    const hs = await c.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    assert.deepEqual([hs.errorCode, hs.mechanisms], [0, ['PLAIN']]);
    const auth = await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: plainToken('alice', 'alice "secret"') });
    assert.equal(auth.errorCode, 0);
    assert.equal(auth.sessionLifetimeMs, 0n);
    const md = await c.request(ApiKey.Metadata, 12, { topics: null });
    assert.equal(md.brokers.length, 1);
    assert.deepEqual(principalsOn(tb, 'SASL_PLAINTEXT'), ['User:alice']);
    // After authentication, another handshake or authenticate is an illegal state.
    const again = await c.request(ApiKey.SaslAuthenticate, 1, { authBytes: plainToken('alice', 'x') });
    assert.equal(again.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
    const hs2 = await c.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    assert.equal(hs2.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  } finally {
    c.close();
    await tb.close();
  }
});

test('SASL/PLAIN with handshake v0: raw tokens, an empty raw answer', async () => {
  const tb = await saslBroker();
  const c = await WireClient.connect(tb.broker.listenerAddress('SASL_PLAINTEXT'));
  try {
    const hs = await c.request(ApiKey.SaslHandshake, 0, { mechanism: 'PLAIN' });
    assert.equal(hs.errorCode, 0);
    const token = plainToken('admin', 'admin-secret');
    const frame = Buffer.alloc(4 + token.length);
    frame.writeInt32BE(token.length, 0);
    token.copy(frame, 4);
    // From here on the bytes are read by hand: the raw answer has no correlation id.
    c.socket.removeAllListeners('data');
    let received = Buffer.alloc(0);
    const receive = (n: number) => new Promise<Buffer>((resolve) => {
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < n) return;
        c.socket.removeListener('data', onData);
        const out = received.subarray(0, n);
        received = received.subarray(n);
        resolve(out);
      };
      c.socket.on('data', onData);
      onData(Buffer.alloc(0));
    });
    c.socket.write(frame);
    assert.deepEqual(await receive(4), Buffer.from([0, 0, 0, 0]));
    c.socket.write(encodeRequestFrame(ApiKey.Metadata, 12, { correlationId: 77, clientId: 't' }, { ...(apiInfo(ApiKey.Metadata)!.request.defaults() as object), topics: null } as never));
    const head = await receive(8);
    assert.equal(head.readInt32BE(4), 77);
  } finally {
    c.close();
    await tb.close();
  }
});

test('failed authentication: SASL_AUTHENTICATION_FAILED with Kafka\'s message, then the connection closes; others are unaffected', async () => {
  const tb = await saslBroker();
  const address = tb.broker.listenerAddress('SASL_PLAINTEXT');
  const cases: Array<[Buffer, string]> = [
    [plainToken('alice', 'wrong'), 'Authentication failed: Invalid username or password'],
    [plainToken('nobody', 'x'), 'Authentication failed: Invalid username or password'],
    [plainToken('', 'x'), 'Authentication failed: username not specified'],
    [plainToken('admin', ''), 'Authentication failed: password not specified'],
    [plainToken('admin', 'admin-secret', 'alice'), 'Authentication failed: Client requested an authorization id that is different from username'],
    [Buffer.from('just-one-token'), 'Invalid SASL/PLAIN response: expected 3 tokens, got 1'],
  ];
  const good = await WireClient.connect(address);
  try {
    await good.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    for (const [token, message] of cases) {
      const c = await WireClient.connect(address);
      await c.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
      const res = await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: token });
      assert.deepEqual([res.errorCode, res.errorMessage], [ErrorCode.SASL_AUTHENTICATION_FAILED, message]);
      await c.waitClosed();
    }
    const ok = await good.request(ApiKey.SaslAuthenticate, 2, { authBytes: plainToken('admin', 'admin-secret') });
    assert.equal(ok.errorCode, 0);
    assert.equal((await tb.client.request(ApiKey.Metadata, 12, { topics: null })).brokers.length, 1);
  } finally {
    good.close();
    await tb.close();
  }
});

test('before authentication only ApiVersions and SaslHandshake are served; an unknown mechanism is refused', async () => {
  const tb = await saslBroker();
  const address = tb.broker.listenerAddress('SASL_PLAINTEXT');
  try {
    // A Metadata request first: closed.
    const a = await WireClient.connect(address);
    await assert.rejects(a.request(ApiKey.Metadata, 12, { topics: null }));
    await a.waitClosed();
    // SaslAuthenticate before the handshake: closed.
    const b = await WireClient.connect(address);
    await assert.rejects(b.request(ApiKey.SaslAuthenticate, 2, { authBytes: plainToken('admin', 'admin-secret') }));
    await b.waitClosed();
    // Another request between handshake and authentication: closed.
    const c = await WireClient.connect(address);
    await c.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    await assert.rejects(c.request(ApiKey.Metadata, 12, { topics: null }));
    await c.waitClosed();
    // A mechanism not enabled: UNSUPPORTED_SASL_MECHANISM with the enabled ones, then closed.
    const d = await WireClient.connect(address);
    const hs = await d.request(ApiKey.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-512' });
    assert.deepEqual([hs.errorCode, hs.mechanisms], [ErrorCode.UNSUPPORTED_SASL_MECHANISM, ['PLAIN']]);
    await d.waitClosed();
    // Garbage bytes: closed.
    const e = await WireClient.connect(address);
    e.sendRaw(encodeRequestFrame(ApiKey.Produce, 9, { correlationId: 1, clientId: 'x' }, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [] } as never));
    await e.waitClosed();
    // ApiVersions at a version Millrace does not know: the KIP-511 answer, before authentication too.
    const h = await WireClient.connect(address);
    const frame = Buffer.from([0, 0, 0, 12, 0, 18, 0, 99, 0, 0, 0, 7, 0, 0, 0, 0]);
    const answer = await (h.sendRaw(frame, 7) as Promise<Buffer>);
    assert.equal(answer.readInt16BE(8), ErrorCode.UNSUPPORTED_VERSION);
    h.close();
    // A token larger than sasl.server.max.receive.size (512 KiB) before authentication: closed.
    const f = await WireClient.connect(address);
    await f.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    await assert.rejects(f.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.alloc(600_000) }));
    await f.waitClosed();
    // After authentication the connection takes requests up to socket.request.max.bytes again.
    const g = await WireClient.connect(address);
    await g.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    assert.equal((await g.request(ApiKey.SaslAuthenticate, 2, { authBytes: plainToken('admin', 'admin-secret') })).errorCode, 0);
    const big = await g.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.alloc(600_000) });
    assert.equal(big.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
    g.close();
    // A SASL handshake on the PLAINTEXT listener: ILLEGAL_SASL_STATE.
    const plain = await tb.client.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    assert.deepEqual([plain.errorCode, plain.mechanisms], [ErrorCode.ILLEGAL_SASL_STATE, []]);
  } finally {
    await tb.close();
  }
});

test('SASL settings Millrace cannot serve refuse start-up', async () => {
  await assert.rejects(saslBroker({ 'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'GSSAPI' }), /SASL mechanism GSSAPI in sasl.enabled.mechanisms is not supported; Millrace serves PLAIN/);
  await assert.rejects(saslBroker({ 'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required;' }), /PLAIN needs users/);
});
