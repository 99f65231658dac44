import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConfig, ConfigError, ConfigSource, parseListener } from '../../../src/broker/settings/broker-config.js';
import { parseProperties } from '../../../src/common/properties.js';
import { envNameToConfig } from '../../../src/broker/settings/properties.js';

test('properties parsing follows java.util.Properties', () => {
  const p = parseProperties(
    '# comment\n! also comment\nlisteners=PLAINTEXT://:9092\n  log.dirs : /a,\\\n   /b\nnum.partitions 3\nkey\\=with\\:seps=v\\u0041\n',
  );
  assert.equal(p.get('listeners'), 'PLAINTEXT://:9092');
  assert.equal(p.get('log.dirs'), '/a,/b');
  assert.equal(p.get('num.partitions'), '3');
  assert.equal(p.get('key=with:seps'), 'vA');
  assert.equal(p.size, 4);
});

test('MILLRACE_* names map the way Kafka images map KAFKA_*', () => {
  assert.equal(envNameToConfig('MILLRACE_LOG_DIRS'), 'log.dirs');
  assert.equal(envNameToConfig('MILLRACE_LISTENER_SECURITY_PROTOCOL_MAP'), 'listener.security.protocol.map');
  assert.equal(envNameToConfig('MILLRACE_A__B___C'), 'a_b-c');
  assert.equal(envNameToConfig('PATH'), null);
});

test('defaults, file, environment and overrides apply in that order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-config-'));
  try {
    const file = join(dir, 'server.properties');
    writeFileSync(file, 'num.partitions=2\nlog.retention.hours=1\nprocess.roles=broker,controller\nmade.up.setting=1\n');
    const config = BrokerConfig.load({
      file,
      env: { MILLRACE_NUM_PARTITIONS: '4', HOME: '/root' },
      overrides: ['auto.create.topics.enable=false'],
    });
    assert.equal(config.int('num.partitions'), 4);
    assert.equal(config.bool('auto.create.topics.enable'), false);
    assert.equal(config.retentionMs(), 3_600_000);
    assert.equal(config.int('message.max.bytes'), 1048588);
    assert.equal(config.source('num.partitions'), ConfigSource.StaticBrokerConfig);
    assert.equal(config.source('message.max.bytes'), ConfigSource.DefaultConfig);
    assert.deepEqual(config.unknown, ['made.up.setting']);
    assert.deepEqual(config.ignored, ['process.roles']);
    assert.deepEqual(config.listeners(), [{ name: 'PLAINTEXT', host: 'localhost', port: 9092 }]);
    assert.deepEqual(config.logDirs(), ['./data']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid values are all reported at once', () => {
  assert.throws(
    () => BrokerConfig.load({ overrides: ['num.partitions=zero', 'auto.create.topics.enable=maybe', 'listeners=nope', 'log.cleanup.policy=shred'] }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 4);
      assert.match(err.message, /num.partitions=zero: expected an integer/);
      return true;
    },
  );
  assert.throws(() => BrokerConfig.load({ overrides: ['novalue'] }), ConfigError);
});

test('settings Kafka 4.4 knows and Millrace does not act on are held to Kafka\'s types and validators at start-up', () => {
  assert.throws(
    () => BrokerConfig.load({ overrides: ['num.io.threads=0', 'log.cleaner.threads=two', 'num.network.threads=3'] }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        'Invalid value 0 for configuration num.io.threads: Value must be at least 1',
        'Invalid value two for configuration log.cleaner.threads: Not a number of type INT',
      ]);
      return true;
    },
  );
  const ok = BrokerConfig.load({ overrides: ['num.io.threads=16', 'log.cleaner.threads=2'] });
  assert.deepEqual(ok.unknown, []);
  assert.ok(ok.ignored.includes('num.io.threads'));
});

test('listeners parse with empty hosts and IPv6', () => {
  assert.deepEqual(parseListener('PLAINTEXT://:9092'), { name: 'PLAINTEXT', host: '', port: 9092 });
  assert.deepEqual(parseListener('sasl_ssl://[::1]:9093'), { name: 'SASL_SSL', host: '::1', port: 9093 });
  assert.throws(() => parseListener('PLAINTEXT://host:99999'));
});

test('socket server limits: Kafka\'s names, defaults and checks (KafkaConfig.validateValues)', () => {
  const defaults = BrokerConfig.load();
  assert.equal(defaults.raw('queued.max.requests'), '500');
  assert.equal(defaults.raw('queued.max.request.bytes'), '-1');
  assert.equal(defaults.raw('max.connections.per.ip'), '2147483647');
  assert.equal(defaults.raw('max.connections.per.ip.overrides'), '');
  assert.equal(defaults.raw('max.connection.creation.rate'), '2147483647');
  assert.deepEqual(defaults.unknown, []);
  const ok = BrokerConfig.load({ overrides: { 'queued.max.request.bytes': 104857600, 'max.connections.per.ip': 0, 'max.connections.per.ip.overrides': 'localhost:5, 10.0.0.1:2' } });
  assert.deepEqual([...ok.perIpOverrides()], [['localhost', 5], ['10.0.0.1', 2]]);
  const bad = (overrides: Record<string, string | number>, message: RegExp) => {
    assert.throws(() => BrokerConfig.load({ overrides }), (err: unknown) => err instanceof ConfigError && err.problems.some((p) => message.test(p)));
  };
  bad({ 'queued.max.request.bytes': 1000 }, /queued.max.request.bytes must be larger or equal to socket.request.max.bytes/);
  bad({ 'max.connections.per.ip': 0 }, /can be set to zero only if max.connections.per.ip.overrides/);
  bad({ 'max.connections.per.ip': -1 }, /must be at least 0/);
  bad({ 'max.connection.creation.rate': -1 }, /must be at least 0/);
  bad({ 'queued.max.requests': 0 }, /must be at least 1/);
  bad({ 'max.connections.per.ip.overrides': 'host' }, /not host:count/);
  bad({ 'max.connections.per.ip.overrides': 'host:x' }, /For input string/);
  bad({ 'max.connections.per.ip.overrides': 'ho st:1' }, /invalid addresses/);
});

test("settings that supply topic defaults are held at start-up to the topic config's bounds", () => {
  const problems = (overrides: Record<string, string>) => {
    try {
      BrokerConfig.load({ overrides });
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
    return [];
  };
  assert.deepEqual(problems({ 'log.segment.bytes': '100' }), ['log.segment.bytes=100: Invalid value 100 for configuration log.segment.bytes: Value must be at least 1048576']);
  assert.deepEqual(problems({ 'log.cleaner.min.cleanable.ratio': '2' }), ['log.cleaner.min.cleanable.ratio=2: Invalid value 2.0 for configuration log.cleaner.min.cleanable.ratio: Value must be no more than 1']);
  assert.deepEqual(problems({ 'compression.type': 'brotli' }), ['compression.type=brotli: Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer']);
  assert.equal(problems({ 'log.retention.ms': '-2' }).length, 1);
  assert.equal(problems({ 'log.cleanup.policy': '' }).length, 1);
  assert.equal(problems({ 'log.cleanup.policy': 'delete,' }).length, 1);
  assert.deepEqual(problems({ 'log.cleanup.policy': ' compact , delete ', 'log.retention.ms': '-1', 'log.message.timestamp.type': 'LogAppendTime' }), []);
  const hours = BrokerConfig.load({ overrides: { 'log.roll.hours': '2', 'log.roll.jitter.ms': '5' } });
  assert.equal(hours.rollMs(), 7_200_000);
  assert.equal(hours.rollJitterMs(), 5);
  assert.equal(BrokerConfig.load().retentionMs(), 604_800_000);
});

test('metadata.store: unset for the local store, etcd://hosts for a cluster, from MILLRACE_METADATA_STORE too; anything else refused', () => {
  assert.equal(BrokerConfig.load().raw('metadata.store'), null);
  const fromEnv = BrokerConfig.load({ env: { MILLRACE_METADATA_STORE: 'etcd://h1:2379,h2:2379' } });
  assert.equal(fromEnv.raw('metadata.store'), 'etcd://h1:2379,h2:2379');
  assert.deepEqual(fromEnv.unknown, []);
  assert.equal(BrokerConfig.load({ overrides: ['metadata.store=local'] }).raw('metadata.store'), 'local');
  assert.throws(
    () => BrokerConfig.load({ overrides: ['metadata.store=zookeeper://h1:2181'] }),
    (err: unknown) => err instanceof ConfigError && /metadata\.store=zookeeper:\/\/h1:2181: Invalid value zookeeper:\/\/h1:2181 for configuration metadata\.store: expected etcd:\/\/host:port/.test(err.message),
  );
  assert.throws(() => BrokerConfig.load({ overrides: ['metadata.store=etcd://h1'] }), /"h1" is not host:port/);
});
