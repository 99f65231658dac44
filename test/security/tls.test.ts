import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { tlsListener, opensslCipherName, TlsConfigError } from '../../src/security/tls-config.js';
import { SslPrincipalMapper } from '../../src/security/ssl-principal-mapper.js';
import { rfc2253FromOpenSsl } from '../../src/security/distinguished-name.js';
import { principalsOn, startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { makePki, type IssuedCert, type TestPki } from '../helpers/certs.js';

let pki: TestPki;
let server: IssuedCert;
let encryptedServer: IssuedCert;
let alice: IssuedCert;
let stranger: IssuedCert;

before(() => {
  pki = makePki();
  server = pki.issue('server', '/CN=localhost', { server: true });
  encryptedServer = pki.issue('server-enc', '/CN=localhost', { server: true, keyPassword: 'key-secret' });
  alice = pki.issue('alice', '/C=US/O=Acme, Inc./OU=Eng/CN=alice');
  stranger = pki.selfSigned('stranger', '/CN=stranger');
});

after(() => pki.cleanup());

/** A broker with PLAINTEXT first (the test client's) and an SSL listener with these settings. */
function sslBroker(ssl: Record<string, string>) {
  return startTestBroker({ config: { listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0', ...ssl } });
}

/** Runs `body` with the SSL listener's address of a broker from `sslBroker(ssl)`, then closes the broker. */
async function withSslBroker(ssl: Record<string, string>, body: (address: string, tb: TestBroker) => Promise<void>): Promise<void> {
  const tb = await sslBroker(ssl);
  try {
    await body(tb.broker.listenerAddress('SSL'), tb);
  } finally {
    await tb.close();
  }
}

function trusting(extra: tls.ConnectionOptions = {}): tls.ConnectionOptions {
  return { ca: pki.caCert, servername: 'localhost', ...extra };
}

test('an SSL listener with a PEM key store file (encrypted key) serves requests over TLS and advertises its own port', async () => {
  const tb = await sslBroker({
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': encryptedServer.keystorePath,
    'ssl.key.password': 'key-secret',
  });
  const address = tb.broker.listenerAddress('SSL');
  const client = await WireClient.connect(address, { tls: trusting() });
  try {
    const md = await client.request(ApiKey.Metadata, 12, { topics: null });
    assert.deepEqual(md.brokers.map((b) => b.port), [Number(address.split(':').pop())]);
    assert.equal((client.socket as tls.TLSSocket).getProtocol(), 'TLSv1.3');
  } finally {
    client.close();
    await tb.close();
  }
});

test('plaintext bytes on the TLS port close that connection; others keep being served', async () => {
  const tb = await sslBroker({ 'listener.name.ssl.ssl.keystore.type': 'PEM', 'listener.name.ssl.ssl.keystore.location': server.keystorePath });
  const address = tb.broker.listenerAddress('SSL');
  const good = await WireClient.connect(address, { tls: trusting() });
  try {
    const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.split(':').pop())];
    const raw = net.connect({ host, port });
    await once(raw, 'connect');
    // An ApiVersions v0 request in the clear.
    const frame = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff]);
    raw.write(frame);
    raw.on('error', () => {});
    await once(raw, 'close');
    const res = await good.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '0' });
    assert.equal(res.errorCode, 0);
    const res2 = await tb.client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '0' });
    assert.equal(res2.errorCode, 0);
  } finally {
    good.close();
    await tb.close();
  }
});

test('ssl.client.auth=required: a client without a certificate or with an untrusted one is refused; a trusted one is served', async () => {
  await withSslBroker({
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.key': server.key,
    'ssl.keystore.certificate.chain': server.cert,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.certificates': pki.caCert,
    'ssl.client.auth': 'required',
  }, async (address, tb) => {
    await assert.rejects(connectAndAsk(address, trusting()));
    await assert.rejects(connectAndAsk(address, trusting({ key: stranger.key, cert: stranger.cert })));
    const client = await WireClient.connect(address, { tls: trusting({ key: alice.key, cert: alice.cert }) });
    const md = await client.request(ApiKey.Metadata, 12, { topics: null });
    assert.equal(md.brokers.length, 1);
    // The connection's principal is the certificate subject (DEFAULT mapping); PLAINTEXT's is anonymous.
    assert.deepEqual(principalsOn(tb, 'SSL'), ['User:CN=alice,OU=Eng,O=Acme\\, Inc.,C=US']);
    assert.deepEqual(principalsOn(tb, 'PLAINTEXT'), ['User:ANONYMOUS']);
    client.close();
  });
});

test('ssl.client.auth=requested: without a certificate the client is anonymous, with a trusted one it is its subject, an untrusted one is refused', async () => {
  await withSslBroker({
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': server.keystorePath,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': pki.caPath,
    'ssl.client.auth': 'requested',
    'ssl.principal.mapping.rules': 'RULE:^CN=([^,]*),.*$/$1/',
  }, async (address, tb) => {
    const anonymous = await WireClient.connect(address, { tls: trusting() });
    await anonymous.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '0' });
    const known = await WireClient.connect(address, { tls: trusting({ key: alice.key, cert: alice.cert }) });
    await known.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '0' });
    assert.deepEqual(principalsOn(tb, 'SSL'), ['User:ANONYMOUS', 'User:alice']);
    await assert.rejects(connectAndAsk(address, trusting({ key: stranger.key, cert: stranger.cert })));
    anonymous.close();
    known.close();
  });
});

async function connectAndAsk(address: string, options: tls.ConnectionOptions): Promise<void> {
  const client = await WireClient.connect(address, { tls: options, timeoutMs: 5000 });
  try {
    // TLS 1.3 reports a refused client certificate after the handshake: the first request fails.
    await client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '0' });
  } finally {
    client.close();
  }
}

test('PKCS12 key stores are read; JKS ones and missing keys refuse start-up with a clear message', async () => {
  const p12 = join(pki.dir, 'server.p12');
  execFileSync('openssl', ['pkcs12', '-export', '-in', server.certPath, '-inkey', server.keyPath, '-out', p12, '-passout', 'pass:store-secret']);
  const tb = await sslBroker({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': p12, 'ssl.keystore.password': 'store-secret' });
  const client = await WireClient.connect(tb.broker.listenerAddress('SSL'), { tls: trusting() });
  client.close();
  await tb.close();
  await assert.rejects(sslBroker({ 'ssl.keystore.location': p12 }), /ssl.keystore.type JKS is not supported: Millrace reads PEM key stores/);
  await assert.rejects(sslBroker({}), /a TLS listener needs a key and certificate/);
  await assert.rejects(
    sslBroker({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': encryptedServer.keystorePath, 'ssl.key.password': 'wrong' }),
    /cannot read the private key \(is ssl.key.password right\?\)/,
  );
  await assert.rejects(
    sslBroker({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': server.keystorePath, 'ssl.keystore.password': 'x' }),
    /SSL key store password cannot be specified with PEM format/,
  );
  await assert.rejects(sslBroker({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': server.keystorePath, 'ssl.truststore.type': 'JKS', 'ssl.truststore.location': pki.caPath }), /ssl.truststore.type JKS is not supported/);
});

test('ssl.enabled.protocols=TLSv1.3 refuses a TLS 1.2 client; ssl.cipher.suites takes Java names', async () => {
  await withSslBroker({
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': server.keystorePath,
    'ssl.enabled.protocols': 'TLSv1.3',
    'ssl.cipher.suites': 'TLS_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  }, async (address) => {
    await assert.rejects(WireClient.connect(address, { tls: trusting({ maxVersion: 'TLSv1.2' }) }));
    const client = await WireClient.connect(address, { tls: trusting() });
    assert.equal((client.socket as tls.TLSSocket).getCipher().standardName, 'TLS_AES_256_GCM_SHA384');
    client.close();
  });
  assert.equal(opensslCipherName('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'), 'ECDHE-RSA-AES256-GCM-SHA384');
  assert.equal(opensslCipherName('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'), 'ECDHE-RSA-AES128-SHA');
  assert.equal(opensslCipherName('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'), 'ECDHE-ECDSA-CHACHA20-POLY1305');
  assert.equal(opensslCipherName('TLS_RSA_WITH_AES_128_GCM_SHA256'), 'AES128-GCM-SHA256');
  await assert.rejects(sslBroker({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': server.keystorePath, 'ssl.cipher.suites': 'TLS_NO_SUCH_SUITE' }), /TLS_NO_SUCH_SUITE is not a cipher suite/);
});

test('the principal of a client certificate is its subject in RFC 2253 through ssl.principal.mapping.rules', async () => {
  const read = (settings: Record<string, string>) => (name: string) => settings[name] ?? null;
  const settings = {
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': server.keystorePath,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': pki.caPath,
    'ssl.enabled.protocols': 'TLSv1.2,TLSv1.3',
  };
  const principals: string[] = [];
  for (const rules of ['DEFAULT', 'RULE:^CN=(.*?),OU=(.*?),.*$/$1@$2/L,DEFAULT']) {
    const listener = tlsListener('SSL', read({ ...settings, 'ssl.principal.mapping.rules': rules }), 'required');
    const srv = tls.createServer(listener.serverOptions, (s) => {
      principals.push(listener.principalOf(s) ?? 'refused');
      s.end();
    });
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const port = (srv.address() as net.AddressInfo).port;
    const c = tls.connect({ host: '127.0.0.1', port, ...trusting({ key: alice.key, cert: alice.cert }) });
    c.on('data', () => {});
    await once(c, 'close');
    srv.close();
  }
  assert.deepEqual(principals, ['User:CN=alice,OU=Eng,O=Acme\\, Inc.,C=US', 'User:alice@eng']);
  // Unverified or absent certificates are anonymous when only requested.
  const requested = tlsListener('SSL', read(settings), 'none');
  assert.equal(requested.requestCert, false);
  assert.throws(() => tlsListener('SSL', read({ ...settings, 'ssl.principal.mapping.rules': 'RULE:nonsense' }), 'none'), TlsConfigError);
});

test('SslPrincipalMapper applies rules as Kafka does', () => {
  const m = SslPrincipalMapper.fromRules('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L,RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U,DEFAULT');
  assert.equal(m.principalName('CN=kafka-server1,OU=ServiceUsers,O=org,C=US'), 'kafka-server1');
  assert.equal(m.principalName('CN=Duke,OU=JavaSoft,O=Sun Microsystems,L=Santa Clara,ST=CA,C=US'), 'duke@javasoft');
  assert.equal(m.principalName('OU=X,CN=duke.two'), 'DUKE.TWO');
  assert.equal(SslPrincipalMapper.fromRules('DEFAULT').principalName('CN=x'), 'CN=x');
  assert.throws(() => SslPrincipalMapper.fromRules('RULE:^CN=(.*)$/$1/').principalName('OU=x'), /No rules apply to OU=x/);
  assert.throws(() => SslPrincipalMapper.fromRules('DEFAULT,garbage'), /Invalid rule/);
  assert.equal(rfc2253FromOpenSsl('C=US\nO=Acme\nCN=a + UID=7\nemailAddress=a@b.c'), '1.2.840.113549.1.9.1=#16056140622e63,CN=a+UID=7,O=Acme,C=US');
});
