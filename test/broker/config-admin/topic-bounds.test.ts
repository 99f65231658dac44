// Every bound of every topic config, at its edge, through CreateTopics, AlterConfigs and
// IncrementalAlterConfigs (all with validate_only, then one real change): the value at the
// bound is accepted, one past it refused with INVALID_CONFIG and Kafka 4.4's message. The
// expected messages are what LogConfig.validate of the 4.4.0 jars answers for the same values.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { startTestBroker, type TestBroker } from '../../helpers/test-broker.js';
import { createTopics, newTopic } from './admin-helpers.js';

type Refused = readonly [value: string, message: string];
interface Bound {
  name: string;
  accepted: readonly string[];
  refused: readonly Refused[];
}

const atLeast = (name: string, min: bigint): Bound => ({
  name,
  accepted: [String(min)],
  refused: [[String(min - 1n), `Invalid value ${min - 1n} for configuration ${name}: Value must be at least ${min}`]],
});

const between = (name: string, min: bigint, max: bigint): Bound => ({
  name,
  accepted: [String(min), String(max)],
  refused: [
    [String(min - 1n), `Invalid value ${min - 1n} for configuration ${name}: Value must be at least ${min}`],
    [String(max + 1n), `Invalid value ${max + 1n} for configuration ${name}: Value must be no more than ${max}`],
  ],
});

const oneOfStrings = (name: string, accepted: string[], bad: string, allowed: string): Bound => ({
  name,
  accepted,
  refused: [[bad, `Invalid value ${bad} for configuration ${name}: String must be one of: ${allowed}`]],
});

const bool = (name: string): Bound => ({
  name,
  accepted: ['true', 'FALSE'],
  refused: [['yes', `Invalid value yes for configuration ${name}: Expected value to be either true or false`]],
});

const BOUNDS: readonly Bound[] = [
  atLeast('segment.bytes', 1048576n),
  atLeast('segment.ms', 1n),
  atLeast('segment.jitter.ms', 0n),
  atLeast('segment.index.bytes', 4n),
  atLeast('index.interval.bytes', 0n),
  atLeast('flush.messages', 1n),
  atLeast('flush.ms', 0n),
  atLeast('retention.ms', -1n),
  atLeast('local.retention.ms', -2n),
  atLeast('local.retention.bytes', -2n),
  atLeast('max.message.bytes', 0n),
  between('max.decompressed.message.bytes', 1n, 2147483639n),
  atLeast('file.delete.delay.ms', 0n),
  atLeast('delete.retention.ms', 0n),
  atLeast('min.compaction.lag.ms', 0n),
  atLeast('max.compaction.lag.ms', 1n),
  atLeast('min.insync.replicas', 1n),
  atLeast('message.timestamp.before.max.ms', 0n),
  atLeast('message.timestamp.after.max.ms', 0n),
  atLeast('remote.copy.lag.ms', -1n),
  atLeast('remote.copy.lag.bytes', -1n),
  between('compression.lz4.level', 1n, 17n),
  between('compression.zstd.level', -131072n, 22n),
  {
    name: 'compression.gzip.level',
    accepted: ['-1', '1', '9'],
    refused: ['0', '10', '-2'].map((v) => [v, `Invalid value ${v} for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1`] as const),
  },
  {
    name: 'min.cleanable.dirty.ratio',
    accepted: ['0', '1', '0.25'],
    refused: [
      ['-0.1', 'Invalid value -0.1 for configuration min.cleanable.dirty.ratio: Value must be at least 0'],
      ['1.01', 'Invalid value 1.01 for configuration min.cleanable.dirty.ratio: Value must be no more than 1'],
    ],
  },
  oneOfStrings('compression.type', ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'], 'Gzip', 'uncompressed, zstd, lz4, snappy, gzip, producer'),
  oneOfStrings('message.timestamp.type', ['CreateTime', 'LogAppendTime'], 'createtime', 'CreateTime, LogAppendTime'),
  oneOfStrings('cleanup.policy', ['compact', 'delete', 'compact,delete', 'delete, compact'], 'none', 'compact, delete'),
  {
    name: 'cleanup.policy',
    // Kafka 4.2+: an empty list is infinite retention (neither delete nor compact).
    accepted: [''],
    refused: [['compact,foo', 'Invalid value foo for configuration cleanup.policy: String must be one of: compact, delete']],
  },
  bool('unclean.leader.election.enable'),
  bool('preallocate'),
  bool('errors.deadletterqueue.group.enable'),
  bool('remote.log.copy.disable'),
  bool('remote.log.delete.on.disable'),
  {
    name: 'leader.replication.throttled.replicas',
    accepted: ['*', '0:1,1:1', ''],
    refused: [['x', "Invalid value [x] for configuration leader.replication.throttled.replicas: leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."]],
  },
  {
    name: 'segment.bytes',
    accepted: [' 2147483647 '],
    refused: [
      ['200', 'Invalid value 200 for configuration segment.bytes: Value must be at least 1048576'],
      ['2147483648', 'Invalid value 2147483648 for configuration segment.bytes: Not a number of type INT'],
      ['1MB', 'Invalid value 1MB for configuration segment.bytes: Not a number of type INT'],
    ],
  },
  // A LONG with no validator in Kafka: any negative size is "no limit".
  { name: 'retention.bytes', accepted: ['-1', '-2', '-9223372036854775808'], refused: [['1.5', 'Invalid value 1.5 for configuration retention.bytes: Not a number of type LONG']] },
  {
    name: 'retention.ms',
    accepted: ['9223372036854775807'],
    refused: [['9223372036854775808', 'Invalid value 9223372036854775808 for configuration retention.ms: Not a number of type LONG']],
  },
];

/** Names and messages Kafka 4.4 refuses outright (not bounds). */
const OTHER_REFUSALS: ReadonlyArray<readonly [Record<string, string>, string]> = [
  [{ 'message.downconversion.enable': 'true' }, 'Unknown topic config name: message.downconversion.enable'],
  [{ 'message.format.version': '3.0' }, 'Unknown topic config name: message.format.version'],
  [{ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' }, 'conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)'],
  [{ 'remote.storage.enable': 'true' }, 'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.'],
];

interface Case {
  configs: Record<string, string>;
  errorCode: number;
  message: string | null;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const b of BOUNDS) {
    for (const v of b.accepted) out.push({ configs: { [b.name]: v }, errorCode: ErrorCode.NONE, message: null });
    for (const [v, message] of b.refused) out.push({ configs: { [b.name]: v }, errorCode: ErrorCode.INVALID_CONFIG, message });
  }
  for (const [configs, message] of OTHER_REFUSALS) out.push({ configs, errorCode: ErrorCode.INVALID_CONFIG, message });
  return out;
}

let ab: TestBroker;
before(async () => {
  ab = await startTestBroker();
  await createTopics(ab, newTopic('existing'));
});
after(() => ab.close());

test('CreateTopics (validate_only and real): every bound at its edge, as Kafka 4.4 answers', async () => {
  const all = cases();
  assert.ok(all.length > 80, `${all.length} cases`);
  for (const validateOnly of [true, false]) {
    const topics = all.map((c, i) => newTopic(`b-${validateOnly ? 'v' : 'r'}-${i}`, 1, 1, c.configs));
    const res = await ab.client.request(ApiKey.CreateTopics, 7, { topics, timeoutMs: 10_000, validateOnly });
    assert.equal(res.topics.length, all.length);
    res.topics.forEach((t, i) => {
      const c = all[i]!;
      assert.deepEqual([t.errorCode, t.errorMessage], [c.errorCode, c.message], `${JSON.stringify(c.configs)} (validate_only=${validateOnly})`);
      assert.equal(ab.broker.metadata.topic(t.name) !== undefined, !validateOnly && c.errorCode === ErrorCode.NONE, t.name);
    });
  }
  // The accepted value is stored in its canonical form.
  const i = all.findIndex((c) => c.configs['segment.bytes'] === ' 2147483647 ');
  assert.equal(ab.broker.metadata.topic(`b-r-${i}`)!.configs['segment.bytes'], '2147483647');
});

test('AlterConfigs and IncrementalAlterConfigs validate with the same bounds and messages', async () => {
  const all = cases();
  for (const incremental of [false, true]) {
    for (const validateOnly of [true, false]) {
      for (const c of all) {
        const entries = Object.entries(c.configs);
        const res = incremental
          ? await ab.client.request(ApiKey.IncrementalAlterConfigs, 1, {
              resources: [{ resourceType: 2, resourceName: 'existing', configs: entries.map(([name, value]) => ({ name, configOperation: 0, value })) }],
              validateOnly,
            })
          : await ab.client.request(ApiKey.AlterConfigs, 2, {
              resources: [{ resourceType: 2, resourceName: 'existing', configs: entries.map(([name, value]) => ({ name, value })) }],
              validateOnly,
            });
        const r = res.responses[0]!;
        assert.deepEqual([r.errorCode, r.errorMessage], [c.errorCode, c.message], `${incremental ? 'incremental' : 'alter'} ${JSON.stringify(c.configs)} (validate_only=${validateOnly})`);
        if (incremental && !validateOnly && c.errorCode === ErrorCode.NONE) {
          // Undo, so that the next case starts from no overrides.
          await ab.client.request(ApiKey.IncrementalAlterConfigs, 1, {
            resources: [{ resourceType: 2, resourceName: 'existing', configs: entries.map(([name]) => ({ name, configOperation: 1, value: null })) }],
            validateOnly: false,
          });
        }
      }
    }
  }
  // A refused change leaves the topic as it was.
  await ab.client.request(ApiKey.AlterConfigs, 2, { resources: [{ resourceType: 2, resourceName: 'existing', configs: [{ name: 'segment.bytes', value: '1048576' }] }], validateOnly: false });
  const refused = await ab.client.request(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: 2, resourceName: 'existing', configs: [{ name: 'segment.bytes', configOperation: 0, value: '1048575' }] }],
    validateOnly: false,
  });
  assert.equal(refused.responses[0]!.errorCode, ErrorCode.INVALID_CONFIG);
  assert.deepEqual(ab.broker.metadata.topic('existing')!.configs, { 'segment.bytes': '1048576' });
  assert.equal(ab.broker.logs.logConfigFor('existing')['segment.bytes'], 1048576);
});
