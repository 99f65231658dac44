import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KafkaClient } from '../../../src/client/client.js';
import { Fetcher, type FetchedRecord } from '../../../src/client/fetcher.js';
import { json, startConsole, type ConsoleFixture } from './console-api-helpers.js';

let f: ConsoleFixture;
let clusterId: string;
let base: string;
before(async () => {
  f = await startConsole({}, { bodyLimit: 2048 });
  clusterId = f.tb.broker.metadata.clusterId;
  base = `/v3/clusters/${clusterId}`;
  await f.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => f.close());

/** Reads `count` records of a topic back through the broker, from the start of each partition. */
async function readBack(topic: string, partitions: number, count: number): Promise<FetchedRecord[]> {
  const client = new KafkaClient({ bootstrapServers: [f.tb.bootstrap] });
  const fetcher = new Fetcher(client, { autoOffsetReset: 'earliest', maxWaitMs: 100 });
  fetcher.assign(Array.from({ length: partitions }, (_, p) => ({ topic, partition: p, offset: 0n })));
  const out: FetchedRecord[] = [];
  try {
    while (out.length < count) out.push(...await fetcher.poll());
  } finally {
    fetcher.close();
    client.close();
  }
  return out;
}

test('GET /v3/clusters and the cluster, its brokers, in REST Proxy shapes', async () => {
  const list = json<{ kind: string; data: { kind: string; cluster_id: string; topics: { related: string }; metadata: { self: string } }[] }>(
    await f.app.inject({ method: 'GET', url: '/v3/clusters', headers: { host: 'console.test' } }));
  assert.equal(list.kind, 'KafkaClusterList');
  assert.equal(list.data[0]?.kind, 'KafkaCluster');
  assert.equal(list.data[0]?.cluster_id, clusterId);
  assert.equal(list.data[0]?.topics.related, `http://console.test${base}/topics`);
  const one = await f.app.inject({ method: 'GET', url: base });
  assert.equal(json(one).cluster_id, clusterId);
  const brokers = json<{ data: { broker_id: number; port: number }[] }>(await f.app.inject({ method: 'GET', url: `${base}/brokers` }));
  assert.equal(brokers.data.length, 1);
  const wrong = await f.app.inject({ method: 'GET', url: '/v3/clusters/not-this-one/topics' });
  assert.equal(wrong.statusCode, 404);
  assert.equal(json(wrong).error_code, 404);
});

test('topics: create, get, partitions, configs, add partitions, delete', async () => {
  const created = await f.app.inject({ method: 'POST', url: `${base}/topics`, payload: { topic_name: 'v3-topic', partitions_count: 2, configs: [{ name: 'retention.ms', value: '60000' }] } });
  assert.equal(created.statusCode, 201, created.body);
  assert.deepEqual(
    (({ kind, topic_name, partitions_count, replication_factor, is_internal }) => ({ kind, topic_name, partitions_count, replication_factor, is_internal }))(json(created) as never),
    { kind: 'KafkaTopic', topic_name: 'v3-topic', partitions_count: 2, replication_factor: 1, is_internal: false });
  const exists = await f.app.inject({ method: 'POST', url: `${base}/topics`, payload: { topic_name: 'v3-topic' } });
  assert.equal(exists.statusCode, 400);
  assert.equal(json(exists).error_code, 40002);

  const topics = json<{ kind: string; data: { topic_name: string }[] }>(await f.app.inject({ method: 'GET', url: `${base}/topics` }));
  assert.equal(topics.kind, 'KafkaTopicList');
  assert.ok(topics.data.some((t) => t.topic_name === 'v3-topic'));
  const parts = json<{ data: { partition_id: number; leader: { related: string } }[] }>(await f.app.inject({ method: 'GET', url: `${base}/topics/v3-topic/partitions` }));
  assert.deepEqual(parts.data.map((p) => p.partition_id), [0, 1]);
  assert.equal((await f.app.inject({ method: 'GET', url: `${base}/topics/v3-topic/partitions/1` })).statusCode, 200);
  assert.equal((await f.app.inject({ method: 'GET', url: `${base}/topics/v3-topic/partitions/5` })).statusCode, 404);

  const cfg = json<{ kind: string; value: string; source: string }>(await f.app.inject({ method: 'GET', url: `${base}/topics/v3-topic/configs/retention.ms` }));
  assert.deepEqual([cfg.kind, cfg.value, cfg.source], ['KafkaTopicConfig', '60000', 'DYNAMIC_TOPIC_CONFIG']);
  assert.equal((await f.app.inject({ method: 'PUT', url: `${base}/topics/v3-topic/configs/retention.ms`, payload: { value: '120000' } })).statusCode, 204);
  const alter = await f.app.inject({ method: 'POST', url: `${base}/topics/v3-topic/configs:alter`, payload: { data: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.ms', operation: 'DELETE' }] } });
  assert.equal(alter.statusCode, 204, alter.body);
  const all = json<{ data: { name: string; value: string; is_default: boolean }[] }>(await f.app.inject({ method: 'GET', url: `${base}/topics/v3-topic/configs` }));
  assert.equal(all.data.find((c) => c.name === 'cleanup.policy')?.value, 'compact');
  assert.equal(all.data.find((c) => c.name === 'retention.ms')?.is_default, true);

  const grown = await f.app.inject({ method: 'PATCH', url: `${base}/topics/v3-topic`, payload: { partitions_count: 3 } });
  assert.equal(json(grown).partitions_count, 3);
  assert.equal((await f.app.inject({ method: 'DELETE', url: `${base}/topics/v3-topic` })).statusCode, 204);
  assert.equal((await f.app.inject({ method: 'GET', url: `${base}/topics/v3-topic` })).statusCode, 404);
});

test('produce records (BINARY, JSON, STRING, headers, partition) and read them back through the broker', async () => {
  assert.equal((await f.app.inject({ method: 'POST', url: `${base}/topics`, payload: { topic_name: 'v3-records', partitions_count: 2 } })).statusCode, 201);
  const bodies = [
    { partition_id: 1, key: { type: 'STRING', data: 'k1' }, value: { type: 'JSON', data: { a: [1, 2] } }, headers: [{ name: 'h', value: Buffer.from('hv').toString('base64') }], timestamp: '2024-01-02T03:04:05.000Z' },
    { partition_id: 0, key: { type: 'BINARY', data: Buffer.from([1, 2, 3]).toString('base64') }, value: { type: 'BINARY', data: Buffer.from([0xff]).toString('base64') } },
    { partition_id: 0, value: { type: 'STRING', data: 'plain' } },
  ];
  const reports = [];
  for (const b of bodies) {
    const r = await f.app.inject({ method: 'POST', url: `${base}/topics/v3-records/records`, payload: b });
    assert.equal(r.statusCode, 200, r.body);
    reports.push(json(r));
  }
  assert.deepEqual(reports[0], {
    error_code: 200, cluster_id: clusterId, topic_name: 'v3-records', partition_id: 1, offset: 0, timestamp: '2024-01-02T03:04:05.000Z',
    key: { type: 'STRING', size: 2 }, value: { type: 'JSON', size: 11 },
  });
  assert.deepEqual([reports[1]!.partition_id, reports[1]!.offset, reports[2]!.offset, reports[2]!.key], [0, 0, 1, null]);

  const records = await readBack('v3-records', 2, 3);
  const p1 = records.find((r) => r.partition === 1)!;
  assert.equal(p1.key?.toString(), 'k1');
  assert.equal(p1.value?.toString(), '{"a":[1,2]}');
  assert.equal(p1.timestamp, BigInt(Date.parse('2024-01-02T03:04:05Z')));
  assert.deepEqual(p1.headers.map((h) => [h.key, h.value?.toString()]), [['h', 'hv']]);
  const p0 = records.filter((r) => r.partition === 0).sort((a, b) => Number(a.offset - b.offset));
  assert.deepEqual(p0.map((r) => [r.key?.toString('hex') ?? null, r.value?.toString('hex')]), [['010203', 'ff'], [null, Buffer.from('plain').toString('hex')]]);
});

test('produce errors: bad JSON 400, unknown topic 404, bad partition 404, oversize 413, unsupported type 400', async () => {
  const post = (url: string, payload: string) => f.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });
  await f.app.inject({ method: 'POST', url: `${base}/topics`, payload: { topic_name: 'v3-errors', partitions_count: 1 } });
  const bad = await post(`${base}/topics/v3-errors/records`, '{"value": ');
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(Object.keys(json(bad)).sort(), ['error_code', 'message']);
  const unknown = await post(`${base}/topics/v3-nosuch/records`, '{"value":{"type":"STRING","data":"x"}}');
  assert.equal(unknown.statusCode, 404);
  assert.equal(json(unknown).error_code, 404);
  const part = await post(`${base}/topics/v3-errors/records`, '{"partition_id": 3, "value":{"type":"STRING","data":"x"}}');
  assert.equal(part.statusCode, 404);
  assert.equal(json(part).error_code, 40402);
  const big = await post(`${base}/topics/v3-errors/records`, JSON.stringify({ value: { type: 'STRING', data: 'x'.repeat(3000) } }));
  assert.equal(big.statusCode, 413);
  const avro = await post(`${base}/topics/v3-errors/records`, '{"value":{"type":"AVRO","data":"x"}}');
  assert.equal(avro.statusCode, 400);
  assert.match(json<{ message: string }>(avro).message, /AVRO/);
  const notB64 = await post(`${base}/topics/v3-errors/records`, '{"value":{"type":"BINARY","data":"***"}}');
  assert.equal(notB64.statusCode, 400);
});

test('streaming mode: chunked concatenated JSON records get one report each, in order', async () => {
  await f.app.inject({ method: 'POST', url: `${base}/topics`, payload: { topic_name: 'v3-stream', partitions_count: 1 } });
  const { port } = f.app.server.address() as AddressInfo;
  const reports: Array<{ error_code: number; offset?: number }> = [];
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: `${base}/topics/v3-stream/records`, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      assert.equal(res.statusCode, 200);
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => {
        for (const line of text.split('\n')) if (line !== '') reports.push(JSON.parse(line) as { error_code: number; offset?: number });
        resolve();
      });
    });
    req.on('error', reject);
    // One record split across two chunks, two in one chunk, a bad one in the middle.
    req.write('{"value":{"type":"STRING","data":"r0 with } and { inside"}');
    req.write('}\n{"value":{"type":"JSON","data":{"n":1}}}{"value":{"type":"NOPE"}}');
    req.write('\n{"key":{"type":"STRING","data":"k"},"value":{"type":"STRING","data":"r2"}}');
    // Over the body limit (2048 here): its report says 413, and the stream takes nothing after it.
    req.write(`{"value":{"type":"STRING","data":"${'x'.repeat(3000)}"}}`);
    req.write('{"value":{"type":"STRING","data":"never"}}');
    req.end();
  });
  assert.deepEqual(reports.map((r) => [r.error_code, r.offset]), [[200, 0], [200, 1], [400, undefined], [200, 2], [413, undefined]]);
  const back = await readBack('v3-stream', 1, 3);
  assert.deepEqual(back.map((r) => r.value?.toString()), ['r0 with } and { inside', '{"n":1}', 'r2']);
});

test('consumer groups: list, get, consumers, lags and lag summary', async () => {
  await f.app.inject({ method: 'POST', url: `${base}/topics`, payload: { topic_name: 'v3-lag', partitions_count: 2 } });
  for (let i = 0; i < 5; i++) await f.app.inject({ method: 'POST', url: `${base}/topics/v3-lag/records`, payload: { partition_id: i % 2, value: { data: i } } });
  const client = new KafkaClient({ bootstrapServers: [f.tb.bootstrap] });
  const { Admin } = await import('../../../src/client/admin.js');
  await new Admin(client).commitOffsets('v3-group', new Map([['v3-lag', new Map([[0, 1n], [1, 2n]])]]));
  client.close();

  const groups = json<{ kind: string; data: { consumer_group_id: string; state: string; lag_summary: { related: string } }[] }>(await f.app.inject({ method: 'GET', url: `${base}/consumer-groups` }));
  assert.equal(groups.kind, 'KafkaConsumerGroupList');
  const g = groups.data.find((x) => x.consumer_group_id === 'v3-group');
  assert.equal(g?.state, 'EMPTY');
  const one = json<{ kind: string; consumer_group_id: string }>(await f.app.inject({ method: 'GET', url: `${base}/consumer-groups/v3-group` }));
  assert.deepEqual([one.kind, one.consumer_group_id], ['KafkaConsumerGroup', 'v3-group']);
  assert.deepEqual(json<{ data: unknown[] }>(await f.app.inject({ method: 'GET', url: `${base}/consumer-groups/v3-group/consumers` })).data, []);

  const lags = json<{ kind: string; data: { partition_id: number; current_offset: number; log_end_offset: number; lag: number }[] }>(
    await f.app.inject({ method: 'GET', url: `${base}/consumer-groups/v3-group/lags` }));
  assert.equal(lags.kind, 'KafkaConsumerLagList');
  assert.deepEqual(lags.data.map((l) => [l.partition_id, l.current_offset, l.log_end_offset, l.lag]), [[0, 1, 3, 2], [1, 2, 2, 0]]);
  const lag1 = json<{ lag: number }>(await f.app.inject({ method: 'GET', url: `${base}/consumer-groups/v3-group/lags/v3-lag/partitions/0` }));
  assert.equal(lag1.lag, 2);
  const summary = json<{ kind: string; max_lag: number; total_lag: number; max_lag_topic_name: string; max_lag_partition_id: number }>(
    await f.app.inject({ method: 'GET', url: `${base}/consumer-groups/v3-group/lag-summary` }));
  assert.deepEqual([summary.kind, summary.max_lag, summary.total_lag, summary.max_lag_topic_name, summary.max_lag_partition_id],
    ['KafkaConsumerGroupLagSummary', 2, 2, 'v3-lag', 0]);
  assert.equal((await f.app.inject({ method: 'GET', url: `${base}/consumer-groups/no-such-group/lag-summary` })).statusCode, 404);
});
