// A console on an https:// listener only: it serves with the broker's ssl.keystore.* key and
// certificate, a plain https client that trusts the test CA reads /health and /metrics, one
// that does not trust it is refused, and a key store that cannot be read stops start-up.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:https';
import { startBroker } from '../../src/start-broker.js';
import { makePki } from '../helpers/certs.js';

const pki = makePki();
after(() => pki.cleanup());

function httpsGet(url: string, ca: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, ca === undefined ? {} : { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

test('console.listeners=https://... serves /health and /metrics over TLS with the broker key store', async () => {
  const server = pki.issue('console', '/CN=localhost', { server: true });
  const broker = await startBroker({ config: { 'console.listeners': 'https://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': server.keystorePath } });
  try {
    const url = broker.consoleUrl!;
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
    const health = await httpsGet(new URL('health', url).href, pki.caCert);
    assert.deepEqual([health.status, JSON.parse(health.body)], [200, { status: 'up' }]);
    const metrics = await httpsGet(new URL('metrics', url).href, pki.caCert);
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^# TYPE millrace_requests_total counter$/m);
    // Without the CA the certificate is not trusted: the TLS handshake fails.
    await assert.rejects(httpsGet(new URL('health', url).href, undefined), /self[- ]signed|unable to (get|verify)|certificate/i);
    // Plain HTTP on the TLS port gets no HTTP answer.
    await assert.rejects(fetch(new URL('health', url.replace('https:', 'http:'))));
  } finally {
    await broker.close();
  }
});

test('an https console without a usable key store stops start-up, naming console.listeners', async () => {
  await assert.rejects(startBroker({ config: { 'console.listeners': 'https://127.0.0.1:0', 'ssl.keystore.type': 'PEM' } }), /console\.listeners \(https\).*ssl\.keystore\.location/);
});
