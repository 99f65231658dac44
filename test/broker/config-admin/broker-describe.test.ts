// Broker settings Kafka 4.4 knows and Millrace does not act upon are described as Kafka 4.4
// describes them (its default, type, read-only flag, sensitivity and synonyms; the expected
// entries are what a 4.4.0 broker answered to the same DescribeConfigs), changed dynamically
// with Kafka's checks, and never shown as unknown sensitive entries.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KAFKA_BROKER_CONFIGS } from '../../../src/broker/settings/kafka-broker-configs.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import type { DescribeConfigsResourceResult } from '../../../src/protocol/generated/describe-configs-response.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { startTestBroker, type TestBroker } from '../../helpers/test-broker.js';

const DEFAULT = 5;
const STATIC = 4;
const DYNAMIC_DEFAULT = 3;
const DYNAMIC_BROKER = 2;

let ab: TestBroker;
before(async () => {
  // num.io.threads set in server.properties: accepted, not acted upon, described with its value.
  ab = await startTestBroker({ config: { 'num.io.threads': 16, 'some.plugin.setting': 'x' } });
});
after(() => ab.close());

async function describe(name: string, keys: string[] | null): Promise<Map<string, DescribeConfigsResourceResult>> {
  const out = await ab.client.request(ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType: 4, resourceName: name, configurationKeys: keys }],
    includeSynonyms: true,
    includeDocumentation: false,
  });
  assert.equal(out.results[0]!.errorCode, ErrorCode.NONE);
  return new Map(out.results[0]!.configs.map((c) => [c.name, c]));
}

async function alter(scope: string, name: string, value: string | null, op = 0, validateOnly = false): Promise<[number, string | null]> {
  const out = await ab.client.request(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: 4, resourceName: scope, configs: [{ name, configOperation: op, value }] }],
    validateOnly,
  });
  return [out.responses[0]!.errorCode, out.responses[0]!.errorMessage];
}

const entry = (name: string, value: string | null, readOnly: boolean, configSource: number, configType: number, synonyms: Array<[string, string | null, number]>, isSensitive = false) => ({
  name, value, readOnly, configSource, isSensitive, configType, documentation: null,
  synonyms: synonyms.map(([n, v, source]) => ({ name: n, value: v, source })),
});

test("Kafka's settings Millrace does not act upon: Kafka's default, type, flags and synonyms", async () => {
  const c = await describe('1', ['log.cleaner.threads', 'num.io.threads', 'num.network.threads', 'log.cleaner.dedupe.buffer.size', 'ssl.keystore.password', 'sasl.oauthbearer.client.credentials.client.secret', 'sasl.kerberos.principal.to.local.rules', 'advertised.listeners', 'offsets.topic.replication.factor', 'background.threads', 'log.cleaner.io.buffer.load.factor']);
  assert.deepEqual(c.get('log.cleaner.threads'), entry('log.cleaner.threads', '1', false, DEFAULT, 3, [['log.cleaner.threads', '1', DEFAULT]]));
  assert.deepEqual(c.get('num.io.threads'), entry('num.io.threads', '16', false, STATIC, 3, [['num.io.threads', '16', STATIC], ['num.io.threads', '8', DEFAULT]]));
  assert.deepEqual(c.get('num.network.threads'), entry('num.network.threads', '3', false, DEFAULT, 3, [['num.network.threads', '3', DEFAULT]]));
  assert.deepEqual(c.get('background.threads'), entry('background.threads', '10', false, DEFAULT, 3, [['background.threads', '10', DEFAULT]]));
  assert.deepEqual(c.get('log.cleaner.io.buffer.load.factor'), entry('log.cleaner.io.buffer.load.factor', '0.9', false, DEFAULT, 6, [['log.cleaner.io.buffer.load.factor', '0.9', DEFAULT]]));
  // Millrace reads it (only at start-up, hence read-only); the type is Kafka's LONG.
  assert.deepEqual(c.get('log.cleaner.dedupe.buffer.size'), entry('log.cleaner.dedupe.buffer.size', '134217728', true, DEFAULT, 5, [['log.cleaner.dedupe.buffer.size', '134217728', DEFAULT]]));
  assert.equal(c.get('offsets.topic.replication.factor')!.configType, 4, "Kafka's SHORT");
  // Passwords are the only sensitive settings: no value, and no synonym for a null default.
  assert.deepEqual(c.get('sasl.oauthbearer.client.credentials.client.secret'), entry('sasl.oauthbearer.client.credentials.client.secret', null, true, DEFAULT, 9, [], true));
  // TLS settings Millrace reads at start-up: read-only here (Kafka reloads key stores at runtime).
  assert.deepEqual(c.get('ssl.keystore.password'), entry('ssl.keystore.password', null, true, DEFAULT, 9, [], true));
  assert.deepEqual(c.get('sasl.kerberos.principal.to.local.rules'), entry('sasl.kerberos.principal.to.local.rules', 'DEFAULT', false, DEFAULT, 7, [['sasl.kerberos.principal.to.local.rules', 'DEFAULT', DEFAULT]]));
  assert.deepEqual(c.get('advertised.listeners'), entry('advertised.listeners', null, true, DEFAULT, 7, []));
});

test('the whole broker: every setting Kafka 4.4 knows, only passwords and unknown names sensitive', async () => {
  const c = await describe('1', null);
  for (const name of KAFKA_BROKER_CONFIGS.keys()) assert.ok(c.has(name), name);
  assert.ok(c.size >= KAFKA_BROKER_CONFIGS.size);
  const sensitive = [...c.values()].filter((e) => e.isSensitive).map((e) => e.name).sort();
  const passwords = [...KAFKA_BROKER_CONFIGS.values()].filter((d) => d.type === 'PASSWORD').map((d) => d.name);
  assert.deepEqual(sensitive, [...passwords, 'some.plugin.setting'].sort());
  assert.ok(passwords.length >= 10);
  // A static setting neither knows: as Kafka shows it, of unknown type and without a value.
  assert.deepEqual(c.get('some.plugin.setting'), entry('some.plugin.setting', null, true, STATIC, 0, [['some.plugin.setting', null, STATIC]], true));
  // Millrace's own settings are described too.
  assert.equal(c.get('millrace.log.max.open.files')!.value, '1024');
});

test("dynamic changes to Kafka's settings: Kafka's checks and messages, then described with their source", async () => {
  assert.deepEqual(await alter('', 'num.io.threads', '0'), [ErrorCode.INVALID_REQUEST, 'Invalid value 0 for configuration num.io.threads: Value must be at least 1']);
  assert.deepEqual(await alter('', 'num.network.threads', 'x'), [ErrorCode.INVALID_REQUEST, 'Invalid value x for configuration num.network.threads: Not a number of type INT']);
  assert.deepEqual(await alter('', 'log.cleaner.threads', '-1'), [ErrorCode.INVALID_REQUEST, 'Invalid value -1 for configuration log.cleaner.threads: Value must be at least 0']);
  assert.deepEqual(await alter('', 'compression.gzip.level', '0'), [ErrorCode.INVALID_REQUEST, 'Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1']);
  assert.deepEqual(await alter('', 'log.segment.bytes', '100'), [ErrorCode.INVALID_REQUEST, 'Invalid value 100 for configuration log.segment.bytes: Value must be at least 1048576']);
  assert.deepEqual(await alter('', 'sasl.kerberos.kinit.cmd', '/bin/kinit'), [ErrorCode.INVALID_REQUEST, 'Cannot update these configs at default cluster level, broker id must be specified: [sasl.kerberos.kinit.cmd]']);
  // Read at start-up (TLS listeners are built then), so not changeable at runtime.
  assert.deepEqual(await alter('1', 'ssl.client.auth', 'required'), [ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: [ssl.client.auth]']);
  assert.deepEqual(await alter('', 'group.consumer.migration.policy', 'x'), [ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: [group.consumer.migration.policy]']);
  assert.deepEqual(await alter('1', 'node.id', '5'), [ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: [node.id]']);
  assert.deepEqual(await alter('', 'log.cleaner.threads', '2', 0, true), [ErrorCode.NONE, null]);
  assert.equal((await describe('1', ['log.cleaner.threads'])).get('log.cleaner.threads')!.configSource, DEFAULT, 'validate_only changes nothing');

  assert.deepEqual(await alter('', 'log.cleaner.threads', '2'), [ErrorCode.NONE, null]);
  assert.deepEqual(await alter('1', 'num.io.threads', '4'), [ErrorCode.NONE, null]);
  const c = await describe('1', ['log.cleaner.threads', 'num.io.threads']);
  assert.deepEqual(c.get('log.cleaner.threads'), entry('log.cleaner.threads', '2', false, DYNAMIC_DEFAULT, 3, [['log.cleaner.threads', '2', DYNAMIC_DEFAULT], ['log.cleaner.threads', '1', DEFAULT]]));
  assert.deepEqual(c.get('num.io.threads'), entry('num.io.threads', '4', false, DYNAMIC_BROKER, 3, [['num.io.threads', '4', DYNAMIC_BROKER], ['num.io.threads', '16', STATIC], ['num.io.threads', '8', DEFAULT]]));
  const defaults = await describe('', null);
  assert.deepEqual(defaults.get('log.cleaner.threads'), entry('log.cleaner.threads', '2', false, DYNAMIC_DEFAULT, 3, [['log.cleaner.threads', '2', DYNAMIC_DEFAULT]]));

  // LIST settings Kafka knows take APPEND and SUBTRACT.
  assert.deepEqual(await alter('1', 'sasl.kerberos.principal.to.local.rules', 'RULE:[1:$1]', 2), [ErrorCode.NONE, null]);
  assert.equal((await describe('1', ['sasl.kerberos.principal.to.local.rules'])).get('sasl.kerberos.principal.to.local.rules')!.value, 'DEFAULT,RULE:[1:$1]');
  assert.deepEqual(await alter('1', 'num.io.threads', '1', 2), [ErrorCode.INVALID_CONFIG, 'Config value append is not allowed for config key: num.io.threads']);
});
