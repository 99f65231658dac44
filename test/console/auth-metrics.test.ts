// Failed SASL authentications and open connections per listener, as /metrics reports them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { consoleService, type ConsoleServer } from '../../src/console/server.js';
import { startTestBroker } from '../helpers/test-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { eventually } from '../helpers/eventually.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';

test('/metrics counts failed authentications and open connections per listener', async () => {
  let server: ConsoleServer | null = null;
  const tb = await startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
      'connection.failed.authentication.delay.ms': 0,
      'console.listeners': 'http://127.0.0.1:0',
    },
    services: [consoleService((s) => (server = s))],
  });
  const url = (server as ConsoleServer | null)!.addresses[0]!.url;
  const scrape = async () => parsePrometheusText(await (await fetch(new URL('metrics', url))).text());
  const saslAddress = tb.broker.listenerAddress('SASL_PLAINTEXT');
  const open: WireClient[] = [];
  try {
    // A wrong password, then a mechanism the listener does not have: two failures.
    const wrong = await WireClient.connect(saslAddress);
    open.push(wrong);
    await wrong.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    const refused = await wrong.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000nope') });
    assert.equal(refused.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    const unknown = await WireClient.connect(saslAddress);
    open.push(unknown);
    const hs = await unknown.request(ApiKey.SaslHandshake, 1, { mechanism: 'GSSAPI' });
    assert.equal(hs.errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    // One good client stays on the SASL listener; the test broker's own client is on PLAINTEXT.
    const good = await WireClient.connect(saslAddress);
    open.push(good);
    await good.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    assert.equal((await good.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') })).errorCode, ErrorCode.NONE);

    const m = await eventually('the refused connections closed', async () => {
      const m = await scrape();
      return sampleValue(m, 'millrace_socket_server_connections', { listener: 'SASL_PLAINTEXT' }) === 1 ? m : null;
    });
    assert.equal(sampleValue(m, 'millrace_socket_server_failed_authentication_total', { listener: 'SASL_PLAINTEXT' }), 2);
    assert.equal(sampleValue(m, 'millrace_socket_server_failed_authentication_total', { listener: 'PLAINTEXT' }), 0);
    assert.equal(sampleValue(m, 'millrace_socket_server_connections', { listener: 'PLAINTEXT' }), 1);
  } finally {
    for (const c of open) c.close();
    await tb.close();
  }
});
