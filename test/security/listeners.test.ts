import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveListeners, type RawListenerSettings } from '../../src/security/listeners.js';
import { BrokerConfig, ConfigError } from '../../src/broker/settings/broker-config.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { startTestBroker } from '../helpers/test-broker.js';
import { WireClient } from '../helpers/wire-client.js';

const DEFAULT_MAP = 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL';

function raw(over: Partial<RawListenerSettings>): RawListenerSettings {
  return { listeners: ['PLAINTEXT://:9092'], advertisedListeners: null, protocolMap: DEFAULT_MAP, interBrokerListenerName: null, securityInterBrokerProtocol: null, ...over };
}

test('one PLAINTEXT listener is the default and the inter-broker listener', () => {
  const r = resolveListeners(raw({}));
  assert.ok(!Array.isArray(r));
  assert.deepEqual(r.listeners, [{ name: 'PLAINTEXT', host: '', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  assert.equal(r.interBrokerListener, 'PLAINTEXT');
});

test('custom listener names take their protocol from listener.security.protocol.map', () => {
  const r = resolveListeners(raw({
    listeners: ['internal://:9092', 'EXTERNAL://:9093'],
    protocolMap: 'INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL',
    interBrokerListenerName: 'internal',
  }));
  assert.ok(!Array.isArray(r));
  assert.deepEqual(r.listeners.map((l) => [l.name, l.securityProtocol]), [['INTERNAL', 'PLAINTEXT'], ['EXTERNAL', 'SASL_SSL']]);
  assert.equal(r.interBrokerListener, 'INTERNAL');
});

test('security.inter.broker.protocol names the inter-broker listener after the protocol', () => {
  const r = resolveListeners(raw({ listeners: ['PLAINTEXT://:9092', 'SSL://:9093'], securityInterBrokerProtocol: 'SSL' }));
  assert.ok(!Array.isArray(r));
  assert.equal(r.interBrokerListener, 'SSL');
});

test("Kafka's start-up errors for listener settings", () => {
  const cases: Array<[Partial<RawListenerSettings>, RegExp]> = [
    [{ listeners: ['CLIENT://:9092'] }, /No security protocol defined for listener CLIENT/],
    [{ listeners: ['PLAINTEXT://:9092', 'PLAINTEXT://:9093'] }, /Each listener must have a different name/],
    [{ listeners: ['PLAINTEXT://:9092', 'SSL://:9092'] }, /Each listener must have a different port/],
    [{ listeners: ['SSL://:9093'] }, /inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are SSL/],
    [{ interBrokerListenerName: 'PLAINTEXT', securityInterBrokerProtocol: 'PLAINTEXT' }, /Only one of inter.broker.listener.name and security.inter.broker.protocol should be set/],
    [{ advertisedListeners: ['SSL://host:9093'] }, /advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found SSL/],
    [{ advertisedListeners: ['PLAINTEXT://0.0.0.0:9092'] }, /cannot use the nonroutable meta-address 0.0.0.0/],
    [{ interBrokerListenerName: 'REPLICATION' }, /REPLICATION defined in inter.broker.listener.name not found in listener.security.protocol.map/],
    [{ protocolMap: 'PLAINTEXT:PLAIN' }, /listener.security.protocol.map/],
  ];
  for (const [over, message] of cases) {
    const r = resolveListeners(raw(over));
    assert.ok(Array.isArray(r), `expected a refusal for ${JSON.stringify(over)}`);
    assert.ok(r.some((p) => message.test(p)), `${JSON.stringify(over)}: ${r.join(' | ')}`);
  }
});

test('BrokerConfig.load refuses bad listener settings and accepts listener-prefixed TLS settings', () => {
  assert.throws(() => BrokerConfig.load({ overrides: { listeners: 'CLIENT://:9092' } }), (e: unknown) => e instanceof ConfigError && /No security protocol defined for listener CLIENT/.test(e.message));
  const config = BrokerConfig.load({ overrides: { listeners: 'PLAINTEXT://:9092,SSL://:9093', 'listener.name.ssl.ssl.keystore.type': 'PEM', 'ssl.keystore.type': 'PKCS12' } });
  assert.deepEqual(config.unknown, []);
  assert.equal(config.listenerRaw('SSL', 'ssl.keystore.type'), 'PEM');
  assert.equal(config.listenerRaw('PLAINTEXT', 'ssl.keystore.type'), 'PKCS12');
  assert.equal(config.listenerRaw('PLAINTEXT', 'ssl.client.auth'), 'none');
  assert.throws(() => BrokerConfig.load({ overrides: { 'listener.name.ssl.ssl.client.auth': 'sometimes' } }), /ssl.client.auth/);
  assert.throws(() => BrokerConfig.load({ overrides: { 'connection.failed.authentication.delay.ms': 1000, 'connections.max.idle.ms': 1000 } }), /connection.failed.authentication.delay.ms=1000 should always be less than connections.max.idle.ms=1000/);
});

test('Metadata, DescribeCluster and FindCoordinator answer with the endpoints of the listener asked on', async () => {
  const tb = await startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0,HIDDEN://127.0.0.1:0',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,HIDDEN:PLAINTEXT',
      'inter.broker.listener.name': 'INTERNAL',
      'offsets.topic.replication.factor': 1,
    },
  });
  const internal = await WireClient.connect(tb.broker.listenerAddress('INTERNAL'));
  // Served but not advertised: its bound address.
  const hidden = await WireClient.connect(tb.broker.listenerAddress('HIDDEN'));
  try {
    const plainPort = Number(tb.bootstrap.split(':').pop());
    const internalPort = Number(tb.broker.listenerAddress('INTERNAL').split(':').pop());
    assert.notEqual(plainPort, internalPort);
    // The broker registers every advertised listener, the inter-broker one at top level.
    const self = tb.broker.metadata.brokers()[0]!;
    assert.equal(self.port, internalPort);
    assert.deepEqual(self.listeners?.map((l) => [l.name, l.port]), [['PLAINTEXT', plainPort], ['INTERNAL', internalPort]]);

    const onPlain = await tb.client.request(ApiKey.Metadata, 12, { topics: null });
    assert.deepEqual(onPlain.brokers.map((b) => b.port), [plainPort]);
    const onInternal = await internal.request(ApiKey.Metadata, 12, { topics: null });
    assert.deepEqual(onInternal.brokers.map((b) => b.port), [internalPort]);
    const cluster = await internal.request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false });
    assert.deepEqual(cluster.brokers.map((b) => b.port), [internalPort]);

    const fc = await internal.request(ApiKey.FindCoordinator, 3, { key: 'g1', keyType: 0 });
    assert.equal(fc.errorCode, ErrorCode.NONE);
    assert.equal(fc.port, internalPort);
    // A listener the broker does not advertise: no broker to name, no coordinator.
    const onHidden = await hidden.request(ApiKey.Metadata, 12, { topics: null });
    assert.deepEqual(onHidden.brokers, []);
    const fcHidden = await hidden.request(ApiKey.FindCoordinator, 3, { key: 'g1', keyType: 0 });
    assert.equal(fcHidden.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  } finally {
    internal.close();
    hidden.close();
    await tb.close();
  }
});
