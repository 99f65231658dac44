// docs/configuration.md is generated (tools/config-docs.ts): it must match the tables the broker
// reads, so a setting that changes group cannot leave the reference behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DOC_PATH, PRODUCE_TOPIC_CONFIGS, REPLICATION_TOPIC_CONFIGS, renderConfigurationDoc, repoRoot } from '../../tools/config-docs.js';
import { BrokerConfig } from '../../src/broker/settings/broker-config.js';

const root = repoRoot();

test('docs/configuration.md is current (regenerate with `npm run docs:config`)', () => {
  assert.equal(readFileSync(path.join(root, DOC_PATH), 'utf8'), renderConfigurationDoc());
});

test('the topic configs the reference calls honoured by the produce path are read there', () => {
  const source = readFileSync(path.join(root, 'src', 'broker', 'produce', 'topic-settings.ts'), 'utf8');
  for (const name of PRODUCE_TOPIC_CONFIGS) assert.ok(source.includes(`'${name}'`), `${name} is not read in topic-settings.ts`);
});

test('the topic configs the reference calls honoured by replication are read there', () => {
  const source = readFileSync(path.join(root, 'src', 'broker', 'replication-throttles.ts'), 'utf8');
  for (const name of REPLICATION_TOPIC_CONFIGS) assert.ok(source.includes(`'${name}'`), `${name} is not read in replication-throttles.ts`);
});

test('config/server.properties loads: nothing unknown, every Kafka-only setting listed as ignored', () => {
  const config = BrokerConfig.load({ file: path.join(root, 'config', 'server.properties') });
  assert.deepEqual(config.unknown, []);
  assert.deepEqual([...config.ignored].sort(), ['controller.listener.names', 'num.io.threads', 'num.network.threads', 'num.recovery.threads.per.data.dir', 'process.roles']);
  assert.equal(config.raw('log.dirs'), './data');
});
