// The console API and UI as the broker serves them on console.listeners: connected back to the
// broker's PLAINTEXT listener without security, to its SASL_PLAINTEXT listener (each user logs
// in) when there is one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleService, type ConsoleServer } from '../../../src/console/server.js';
import { startTestBroker } from '../../helpers/test-broker.js';

async function withConsole(config: Record<string, string>, check: (url: string, bootstrap: string) => Promise<void>): Promise<void> {
  let server: ConsoleServer | undefined;
  const tb = await startTestBroker({ config: { 'console.listeners': 'http://127.0.0.1:0', ...config }, services: [consoleService((s) => (server = s))] });
  try {
    await check(server!.addresses[0]!.url, tb.bootstrap);
  } finally {
    await tb.close();
  }
}

test('a broker without security serves the API, REST v3 and the UI next to /metrics', async () => {
  await withConsole({}, async (url) => {
    const cluster = await fetch(new URL('/api/v1/cluster', url));
    assert.equal(cluster.status, 200);
    assert.equal(((await cluster.json()) as { principal: string }).principal, 'User:ANONYMOUS');
    assert.equal((await fetch(new URL('/v3/clusters', url))).status, 200);
    assert.match(await (await fetch(new URL('/', url))).text(), /Millrace console/);
    assert.equal((await fetch(new URL('/metrics', url))).status, 200);
    assert.equal((await fetch(new URL('/health', url))).status, 200);
  });
});

test('a broker with a SASL_PLAINTEXT listener: the console logs each user in there', async () => {
  await withConsole({
    listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_erin="erin-pw";',
  }, async (url) => {
    const anonymous = await fetch(new URL('/api/v1/cluster', url));
    assert.equal(anonymous.status, 401);
    const erin = await fetch(new URL('/api/v1/cluster', url), { headers: { authorization: `Basic ${Buffer.from('erin:erin-pw').toString('base64')}` } });
    assert.equal(erin.status, 200);
    assert.equal(((await erin.json()) as { principal: string }).principal, 'User:erin');
    assert.equal((await fetch(new URL('/health', url))).status, 200, 'health needs no login');
  });
});
