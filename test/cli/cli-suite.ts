/**
 * The `millrace` client tools against one broker: run against the embedded Millrace broker
 * (cli-millrace-topics, -records and -groups.test.ts, a broker each) and Apache Kafka 4.4.0 (test/compat/cli/cli-kafka.test.ts) alike.
 * Every command runs through the real bin. What needs third-party clients (kcat, Kafka's own
 * tools) is in test/compat/cli/cli-clients-suite.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually } from '../helpers/eventually.js';
import { cli, CLI_POLL, ok } from './cli-harness.js';

interface JsonPartition { partition: number; leader: number; replicas: number[]; isr: number[]; logStartOffset: number; logEndOffset: number }
interface JsonTopic { name: string; partitions: JsonPartition[] }
interface JsonLag { topic: string; partition: number; currentOffset: number | null; logEndOffset: number | null; lag: number | null; consumerId: string | null; clientId: string | null }
export interface JsonGroup { groupId: string; state: string; members: { memberId: string; clientId: string; assignment: { topic: string; partitions: number[] }[] }[]; partitions: JsonLag[] }

export interface Row { topic: string; partition: number; currentOffset: number | null; logEndOffset: number | null; lag: number | null; consumerId: string | null }

export const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

/** Keyed lines `k<i>:v<i>` for i in [from, to]. */
export function keyedLines(from: number, to: number): string {
  let s = '';
  for (let i = from; i <= to; i++) s += `k${i}:v${i}\n`;
  return s;
}

/**
 * The whole suite against one broker. Its three parts can also run against three brokers, one
 * test file each (cli-millrace-*.test.ts), so the unit suite runs them side by side.
 */
export function registerCliSuite(bootstrap: () => string): void {
  registerCliTopicTests(bootstrap);
  registerCliRecordTests(bootstrap);
  registerCliGroupTests(bootstrap);
}

/** `--bootstrap-server <bootstrap()>`, and the JSON the bin prints for a topic and a group. */
function helpers(bootstrap: () => string) {
  const b = () => ['--bootstrap-server', bootstrap()];
  const describeJson = async (topic: string) => JSON.parse(await ok(['topic', 'describe', topic, '--json', ...b()])) as JsonTopic;
  const groupJson = async (group: string) => JSON.parse(await ok(['group', 'describe', group, '--json', ...b()])) as JsonGroup;
  return { b, describeJson, groupJson };
}

/** Topics, configs and cluster info. */
export function registerCliTopicTests(bootstrap: () => string): void {
  const { b, describeJson } = helpers(bootstrap);

  test('topic create, list, describe, alter and delete', async () => {
    const topic = unique('cli-topics');
    assert.equal(await ok(['topic', 'create', topic, '--partitions', '2', '--config', 'retention.ms=3600000', ...b()]), `Created topic ${topic}.\n`);
    // Kafka's brokers learn of a new topic from the controller a moment after CreateTopics answers.
    await eventually('the topic listed', async () => (await ok(['topic', 'list', ...b()])).split('\n').includes(topic), CLI_POLL);

    const text = await ok(['topic', 'describe', topic, ...b()]);
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0]!, new RegExp(`^Topic: ${topic}\\tTopicId: \\S+\\tPartitionCount: 2\\tReplicationFactor: 1\\tConfigs: retention\\.ms=3600000$`));
    assert.equal(lines.length, 3);
    for (const [i, line] of lines.slice(1).entries()) {
      assert.match(line, new RegExp(`^\\tTopic: ${topic}\\tPartition: ${i}\\tLeader: 1\\tLeaderEpoch: 0\\tReplicas: 1\\tIsr: 1\\tLogStartOffset: 0\\tLogEndOffset: 0$`));
    }

    const again = await cli(['topic', 'create', topic, ...b()]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^millrace: creating topic .*: TOPIC_ALREADY_EXISTS .*\n$/);
    assert.equal(again.stderr.split('\n').length, 2, 'one line');
    assert.equal((await cli(['topic', 'create', '--topic', topic, '--if-not-exists', ...b()])).code, 0);

    assert.equal(await ok(['topic', 'alter', topic, '--partitions', '3', ...b()]), `Topic ${topic} now has 3 partitions.\n`);
    await eventually('three partitions', async () => ((await describeJson(topic)).partitions.length === 3), CLI_POLL);
    const shrink = await cli(['topic', 'alter', topic, '--partitions', '1', ...b()]);
    assert.equal(shrink.code, 1);
    assert.match(shrink.stderr, /INVALID_PARTITIONS/);

    assert.equal(await ok(['topic', 'delete', topic, ...b()]), `Deleted topic ${topic}.\n`);
    await eventually('the topic gone from the list', async () =>
      !(await ok(['topic', 'list', ...b()])).split('\n').includes(topic), CLI_POLL);
    const missing = await cli(['topic', 'describe', topic, ...b()]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /UNKNOWN_TOPIC_OR_PARTITION/);
    assert.equal((await cli(['topic', 'delete', topic, '--if-exists', ...b()])).code, 0);
  });

  test('config describe and alter a topic; describe a broker', async () => {
    const topic = unique('cli-config');
    await ok(['topic', 'create', topic, ...b()]);
    assert.match(await eventually('the new topic described', () => ok(['config', 'describe', '--topic', topic, ...b()]), CLI_POLL), /^No settings set on topic/);
    assert.equal(await ok(['config', 'alter', '--topic', topic, '--set', 'retention.ms=60000', '--set', 'cleanup.policy=compact', ...b()]),
      `Completed updating config for topic ${topic}.\n`);
    // Kafka's broker applies the controller's config record a moment after the alter answers.
    const text = await eventually('both settings described', async () => {
      const t = await ok(['config', 'describe', '--topic', topic, ...b()]);
      return /cleanup\.policy/.test(t) && /retention\.ms/.test(t) ? t : null;
    }, CLI_POLL);
    assert.match(text, /^NAME +VALUE +SOURCE\n/);
    assert.match(text, /cleanup\.policy +compact +DYNAMIC_TOPIC_CONFIG/);
    assert.match(text, /retention\.ms +60000 +DYNAMIC_TOPIC_CONFIG/);
    await ok(['config', 'alter', '--topic', topic, '--delete', 'retention.ms', ...b()]);
    const after = await eventually('retention.ms gone', async () => {
      const list = JSON.parse(await ok(['config', 'describe', '--topic', topic, '--json', ...b()])) as { name: string; value: string; source: string }[];
      return list.some((c) => c.name === 'retention.ms') ? null : list;
    }, CLI_POLL);
    assert.deepEqual(after.map((c) => [c.name, c.value, c.source]), [['cleanup.policy', 'compact', 'DYNAMIC_TOPIC_CONFIG']]);
    const everything = JSON.parse(await ok(['config', 'describe', '--topic', topic, '--all', '--json', ...b()])) as { name: string; source: string }[];
    // back to the broker's value: a default or the broker's own setting
    assert.match(everything.find((c) => c.name === 'retention.ms')?.source ?? '', /^(DEFAULT_CONFIG|STATIC_BROKER_CONFIG)$/);
    assert.ok(everything.length > 10);
    const broker = JSON.parse(await ok(['config', 'describe', '--broker', '1', '--all', '--json', ...b()])) as { name: string }[];
    assert.ok(broker.some((c) => c.name === 'num.partitions'));
    const none = await cli(['config', 'describe', ...b()]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /name one resource/);
    const unknown = await cli(['config', 'alter', '--topic', unique('missing'), '--set', 'retention.ms=1', ...b()]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /UNKNOWN_TOPIC_OR_PARTITION/);
  });

  test('cluster info shows the cluster id, controller, brokers and features', async () => {
    const text = await ok(['cluster', 'info', ...b()]);
    assert.match(text, /^Cluster id: \S{22}\nController: 1\n/);
    assert.match(text, /\nBROKER +HOST +PORT +RACK\n1 +\S+ +\d+ +-\n/);
    assert.match(text, /\nmetadata\.version +\d+ +\d+-\d+\n/);
    assert.match(text, /APIs: \d+ served \(Produce up to v\d+, Fetch up to v\d+/);
    const info = JSON.parse(await ok(['cluster', 'info', '--json', ...b()])) as { clusterId: string; controllerId: number; brokers: { id: number }[]; features: { name: string; level: number }[]; apis: { name: string }[] };
    assert.equal(info.brokers[0]?.id, 1);
    assert.ok(info.features.some((f) => f.name === 'metadata.version' && f.level > 0));
    assert.ok(info.apis.some((a) => a.name === 'Fetch'));
    assert.match(await ok(['cluster', 'info', '--apis', ...b()]), /\n0 +Produce +\d+-\d+\n/);
  });
}

/** Produce and consume: line formats, keys, headers, compression, kcat and Kafka formats. */
export function registerCliRecordTests(bootstrap: () => string): void {
  const { b, describeJson } = helpers(bootstrap);

  test('produce reads lines (keys, headers, compression, files); consume prints them with kcat format tokens', async () => {
    const topic = unique('cli-records');
    await ok(['topic', 'create', topic, '--partitions', '3', ...b()]);
    // nothing printed on success
    assert.equal(await ok(['produce', topic, '--key-separator', ':', '--header', 'src=cli', '--header', 'n=1', '--compression', 'gzip', ...b()], keyedLines(1, 6)), '');
    const verbose = await ok(['produce', '--topic', topic, '--acks', '1', '--partition', '2', '--verbose', '--json', ...b()], 'plain-a\nplain-b\n');
    const acked = verbose.trimEnd().split('\n').map((l) => JSON.parse(l) as { topic: string; partition: number; offset: number });
    assert.deepEqual(acked.map((m) => [m.topic, m.partition]), [[topic, 2], [topic, 2]]);
    assert.equal(acked[1]!.offset, acked[0]!.offset + 1);

    const described = await describeJson(topic);
    assert.equal(described.partitions.reduce((n, p) => n + p.logEndOffset, 0), 8);

    const out = await ok(['consume', topic, '--from-beginning', '--max-messages', '8', '--format', '%t|%p|%o|%k|%s|%h|%S', ...b()]);
    const rows = out.trimEnd().split('\n').map((l) => l.split('|'));
    assert.equal(rows.length, 8);
    const keyed = rows.filter((r) => r[3] !== '').sort((x, y) => Number(x[3]!.slice(1)) - Number(y[3]!.slice(1)));
    assert.deepEqual(keyed.map((r) => [r[0], r[3], r[4], r[5], r[6]]),
      [1, 2, 3, 4, 5, 6].map((i) => [topic, `k${i}`, `v${i}`, 'src=cli,n=1', String(`v${i}`.length)]));
    // the same key always lands in the same partition, offsets count up per partition
    for (const r of rows) assert.ok(Number(r[1]) >= 0 && Number(r[1]) < 3 && Number(r[2]) >= 0);
    assert.deepEqual(rows.filter((r) => r[3] === '').map((r) => [r[1], r[4]]), [['2', 'plain-a'], ['2', 'plain-b']]);

    // one partition from an offset; kcat's escapes; the default format is the value alone
    const p2 = described.partitions.find((p) => p.partition === 2)!;
    const tail = await ok(['consume', topic, '--partition', '2', '--offset', String(p2.logEndOffset - 1), '--max-messages', '1', '--format', '%o\\t%s\\n', ...b()]);
    assert.equal(tail, `${p2.logEndOffset - 1}\tplain-b\n`);
    const asJson = (await ok(['consume', topic, '--partition', '2', '--offset', 'earliest', '--max-messages', '1', '--json', ...b()]));
    const first = JSON.parse(asJson) as { topic: string; partition: number; offset: number; timestamp: number; key: string | null; value: string; headers: { key: string; value: string }[] };
    assert.deepEqual([first.topic, first.partition, first.offset, typeof first.timestamp], [topic, 2, 0, 'number']);
    // kafka-console-consumer.sh's formatter properties
    const kafkaStyle = await ok(['consume', topic, '--partition', '2', '--offset', String(p2.logEndOffset - 2), '--max-messages', '2',
      '--property', 'print.key=true', '--property', 'print.partition=true', '--property', 'print.offset=true', '--property', 'print.headers=true', ...b()]);
    assert.equal(kafkaStyle, `Partition:2\tOffset:${p2.logEndOffset - 2}\tNO_HEADERS\tnull\tplain-a\nPartition:2\tOffset:${p2.logEndOffset - 1}\tNO_HEADERS\tnull\tplain-b\n`);
    const all = await ok(['consume', topic, '--from-beginning', '--exit-at-end', ...b()]);
    assert.deepEqual(all.trimEnd().split('\n').sort(), ['plain-a', 'plain-b', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']);

    // --file with zstd
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'millrace-cli-'));
    try {
      writeFileSync(join(dir, 'records.txt'), 'from-file-1\nfrom-file-2\n');
      await ok(['produce', topic, '--file', join(dir, 'records.txt'), '--compression', 'zstd', '--partition', '0', ...b()]);
      const p0 = await ok(['consume', topic, '--partition', '0', '--offset', 'earliest', '--exit-at-end', '--format', '%s', ...b()]);
      assert.deepEqual(p0.trimEnd().split('\n').slice(-2), ['from-file-1', 'from-file-2']);
      const missing = await cli(['produce', topic, '--file', join(dir, 'missing.txt'), ...b()]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^millrace: cannot read .*missing\.txt/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // kafka-console-producer.sh's parse.key
    await ok(['produce', topic, '--partition', '1', '--property', 'parse.key=true', '--property', 'key.separator=#', ...b()], 'pk#pv\n');
    const p1 = await ok(['consume', topic, '--partition', '1', '--offset', 'latest', '--exit-at-end', ...b()]);
    assert.equal(p1, '');
    const parsed = await ok(['consume', topic, '--partition', '1', '--offset', 'earliest', '--exit-at-end', '--format', '%k=%s', ...b()]);
    assert.equal(parsed.trimEnd().split('\n').at(-1), 'pk=pv');

    const bad = await cli(['produce', topic, '--key-separator', ':', ...b()], 'k:v\nno separator\n');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /line 2 has no key separator/);
  });
}

/** Consumer groups: commits, list, describe, reset-offsets, delete. */
export function registerCliGroupTests(bootstrap: () => string): void {
  const { b, groupJson } = helpers(bootstrap);

  test('consume --group commits; group list, describe, reset-offsets (dry run, then --execute) and delete', async () => {
    const topic = unique('cli-group');
    const group = unique('cli-g');
    await ok(['topic', 'create', topic, '--partitions', '2', ...b()]);
    await ok(['produce', topic, '--key-separator', ':', ...b()], keyedLines(1, 10));
    const first = await ok(['consume', topic, '--group', group, '--from-beginning', '--max-messages', '10', '--format', '%k', ...b()]);
    assert.deepEqual(first.trimEnd().split('\n').sort(), keyedLines(1, 10).trimEnd().split('\n').map((l) => l.split(':')[0]).sort());

    const listed = await ok(['group', 'list', ...b()]);
    assert.match(listed, new RegExp(`\\n${group} +classic +Empty +consumer\\n`));

    const text = await ok(['group', 'describe', group, ...b()]);
    assert.match(text, new RegExp(`^Group: ${group} +Type: classic +State: Empty`));
    assert.match(text, /\nGROUP +TOPIC +PARTITION +CURRENT-OFFSET +LOG-END-OFFSET +LAG +CONSUMER-ID +HOST +CLIENT-ID\n/);
    const g = await groupJson(group);
    assert.deepEqual(g.partitions.map((p) => [p.topic, p.partition, p.lag]), [[topic, 0, 0], [topic, 1, 0]]);
    assert.equal(g.partitions.reduce((n, p) => n + (p.currentOffset ?? 0), 0), 10);
    for (const p of g.partitions) assert.match(text, new RegExp(`\\n${group} +${topic} +${p.partition} +${p.currentOffset} +${p.logEndOffset} +0 +- +- +-\\n`));

    // all committed: a member reads nothing new
    assert.equal(await ok(['consume', topic, '--group', group, '--timeout-ms', '1500', ...b()]), '');

    const dry = await ok(['group', 'reset-offsets', group, '--topic', topic, '--to-earliest', ...b()]);
    assert.equal(dry, `GROUP${' '.repeat(group.length - 3)}TOPIC${' '.repeat(topic.length - 3)}PARTITION  NEW-OFFSET\n` +
      `${group}  ${topic}  0          0\n${group}  ${topic}  1          0\n`);
    assert.equal((await groupJson(group)).partitions.reduce((n, p) => n + (p.lag ?? 0), 0), 0, 'a dry run changes nothing');
    await ok(['group', 'reset-offsets', group, '--topic', topic, '--to-earliest', '--execute', ...b()]);
    assert.equal((await groupJson(group)).partitions.reduce((n, p) => n + (p.lag ?? 0), 0), 10);
    const shifted = JSON.parse(await ok(['group', 'reset-offsets', group, '--topic', `${topic}:0`, '--shift-by', '2', '--execute', '--json', ...b()])) as { newOffset: number }[];
    assert.equal(shifted.length, 1);
    const latest = JSON.parse(await ok(['group', 'reset-offsets', group, '--all-topics', '--to-latest', '--json', ...b()])) as { topic: string; newOffset: number }[];
    assert.equal(latest.reduce((n, r) => n + r.newOffset, 0), 10);
    const again = await ok(['consume', topic, '--group', group, '--max-messages', String(10 - shifted[0]!.newOffset), '--format', '%k', ...b()]);
    assert.equal(again.trimEnd().split('\n').length, 10 - shifted[0]!.newOffset);

    const conflicting = await cli(['group', 'reset-offsets', group, '--topic', topic, '--to-earliest', '--to-latest', ...b()]);
    assert.equal(conflicting.code, 1);

    assert.equal(await ok(['group', 'delete', group, ...b()]), `Deletion of requested consumer groups ('${group}') was successful.\n`);
    assert.doesNotMatch(await ok(['group', 'list', ...b()]), new RegExp(`\\n${group} `));
    const gone = await cli(['group', 'describe', group, ...b()]);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr.split('\n').length, 2, 'one line');
  });
}
