// /metrics of an embedded broker scraped and parsed strictly: the counters equal what was
// produced, fetched and committed, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../src/start-broker.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { encodeBatchSync } from '../../src/protocol/records/encode.js';
import { WireClient } from '../helpers/wire-client.js';
import { parsePrometheusText, sampleValue, type Exposition } from '../helpers/prometheus-text.js';
import { fetchRequest } from '../broker/fetch/requests.js';

async function scrape(url: string): Promise<Exposition> {
  const res = await fetch(new URL('metrics', url));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

test('/metrics: bytes and messages in equal the batches produced, bytes out the records fetched, lag the committed offsets', async () => {
  const broker = await startBroker({ config: { 'console.listeners': 'http://127.0.0.1:0', 'num.partitions': 2 } });
  const client = await WireClient.connect(broker.bootstrapServers);
  try {
    const url = broker.consoleUrl!;
    await client.request(ApiKey.Metadata, 12, { topics: [{ topicId: Buffer.alloc(16), name: 'metered' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false });
    let bytesSent = 0;
    let recordsSent = 0;
    let partition0Bytes = 0;
    for (let i = 0; i < 7; i++) {
      const records = encodeBatchSync(Array.from({ length: i + 1 }, (_, j) => ({ key: Buffer.from(`k${j}`), value: Buffer.alloc(100 * (j + 1), i) })));
      const partition = i % 2;
      const res = await client.request(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'metered', topicId: Buffer.alloc(16), partitionData: [{ index: partition, records }] }] });
      assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
      bytesSent += records.length;
      recordsSent += i + 1;
      if (partition === 0) partition0Bytes += records.length;
    }
    const fetched = await client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'metered', partitions: [{ partition: 0, fetchOffset: 0n }] }]));
    const fetchedBytes = fetched.responses[0]!.partitions[0]!.records!.length;
    assert.equal(fetchedBytes, partition0Bytes);
    // Partition 1 holds batches of 2, 4 and 6 records: 12 records; the group has read 5.
    const commit = await client.request(ApiKey.OffsetCommit, 8, {
      groupId: 'readers', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: 'metered', topicId: Buffer.alloc(16), partitions: [{ partitionIndex: 1, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    assert.equal(commit.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);

    const m = await scrape(url);
    assert.equal(m.types.get('millrace_broker_topic_bytes_in_total'), 'counter');
    assert.equal(sampleValue(m, 'millrace_broker_topic_bytes_in_total', { topic: 'metered' }), bytesSent);
    assert.equal(sampleValue(m, 'millrace_broker_topic_messages_in_total', { topic: 'metered' }), recordsSent);
    assert.equal(sampleValue(m, 'millrace_broker_topic_bytes_out_total', { topic: 'metered' }), fetchedBytes);
    assert.equal(sampleValue(m, 'millrace_broker_topic_replication_bytes_out_total', { topic: 'metered' }), 0);
    // Stored bytes are the batches as sent (never re-encoded); offsets count records.
    assert.equal(sampleValue(m, 'millrace_log_size_bytes', { topic: 'metered', partition: '0' }), partition0Bytes);
    assert.equal(sampleValue(m, 'millrace_log_size_bytes', { topic: 'metered', partition: '1' }), bytesSent - partition0Bytes);
    assert.equal(sampleValue(m, 'millrace_log_end_offset', { topic: 'metered', partition: '0' }), 1 + 3 + 5 + 7);
    assert.equal(sampleValue(m, 'millrace_log_end_offset', { topic: 'metered', partition: '1' }), 2 + 4 + 6);
    assert.equal(sampleValue(m, 'millrace_consumer_group_committed_offset', { group: 'readers', topic: 'metered', partition: '1' }), 5);
    assert.equal(sampleValue(m, 'millrace_consumer_group_lag', { group: 'readers', topic: 'metered', partition: '1' }), 12 - 5);

    // Every request answered is counted and timed once, per API.
    assert.equal(sampleValue(m, 'millrace_requests_total', { request: 'Produce' }), 7);
    assert.equal(sampleValue(m, 'millrace_requests_total', { request: 'Fetch' }), 1);
    assert.equal(sampleValue(m, 'millrace_requests_total', { request: 'DeleteTopics' }), 0);
    assert.equal(m.types.get('millrace_request_total_time_seconds'), 'histogram');
    assert.equal(sampleValue(m, 'millrace_request_total_time_seconds_count', { request: 'Produce' }), 7);
    assert.equal(sampleValue(m, 'millrace_request_total_time_seconds_bucket', { request: 'Produce', le: '+Inf' }), 7);
    assert.equal(sampleValue(m, 'millrace_request_queue_time_seconds_count', { request: 'Produce' }), 7);
    assertCumulative(m, 'millrace_request_total_time_seconds_bucket', 'Produce');
    assert.ok(sampleValue(m, 'millrace_request_total_time_seconds_sum', { request: 'Produce' }) > 0);

    // A single node leads everything and has nothing under-replicated or offline.
    assert.equal(sampleValue(m, 'millrace_replica_manager_leader_count'), sampleValue(m, 'millrace_replica_manager_partition_count'));
    assert.ok(sampleValue(m, 'millrace_replica_manager_leader_count') >= 2);
    assert.equal(sampleValue(m, 'millrace_replica_manager_under_replicated_partitions'), 0);
    assert.equal(sampleValue(m, 'millrace_controller_offline_partitions'), 0);
    assert.equal(sampleValue(m, 'millrace_replica_manager_isr_shrinks_total'), 0);
    assert.equal(sampleValue(m, 'millrace_socket_server_connections', { listener: 'PLAINTEXT' }), 1);
    assert.equal(sampleValue(m, 'millrace_socket_server_failed_authentication_total', { listener: 'PLAINTEXT' }), 0);
    // Node's process metrics (prom-client's defaults): event-loop lag, heap, GC.
    assert.equal(m.types.get('nodejs_eventloop_lag_seconds'), 'gauge');
    assert.ok(sampleValue(m, 'nodejs_heap_size_used_bytes') > 0);
    assert.equal(m.types.get('nodejs_gc_duration_seconds'), 'histogram');
  } finally {
    client.close();
    await broker.close();
  }
});

test('/metrics: a deleted topic\'s series go away', async () => {
  const broker = await startBroker({ config: { 'console.listeners': 'http://127.0.0.1:0' } });
  const client = await WireClient.connect(broker.bootstrapServers);
  try {
    await client.request(ApiKey.Metadata, 12, { topics: [{ topicId: Buffer.alloc(16), name: 'brief' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false });
    const records = encodeBatchSync([{ value: Buffer.from('x') }]);
    await client.request(ApiKey.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'brief', topicId: Buffer.alloc(16), partitionData: [{ index: 0, records }] }] });
    assert.equal(sampleValue(await scrape(broker.consoleUrl!), 'millrace_broker_topic_bytes_in_total', { topic: 'brief' }), records.length);
    const deleted = await client.request(ApiKey.DeleteTopics, 6, { topics: [{ name: 'brief', topicId: Buffer.alloc(16) }], topicNames: [], timeoutMs: 5000 });
    assert.equal(deleted.responses[0]!.errorCode, ErrorCode.NONE);
    const m = await scrape(broker.consoleUrl!);
    assert.equal(m.samples.filter((s) => s.labels.topic === 'brief').length, 0);
    assert.equal(sampleValue(m, 'millrace_requests_total', { request: 'DeleteTopics' }), 1);
  } finally {
    client.close();
    await broker.close();
  }
});

function assertCumulative(m: Exposition, name: string, request: string): void {
  const buckets = m.samples.filter((s) => s.name === name && s.labels.request === request);
  assert.ok(buckets.length > 2);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, `${name} buckets are cumulative`);
  assert.equal(buckets.at(-1)!.labels.le, '+Inf');
}
