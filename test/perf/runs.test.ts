import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../src/start-broker.js';
import { KafkaClient } from '../../src/client/index.js';
import { listOffsets } from '../../src/client/offsets.js';
import { runConsume } from '../../src/perf/consume.js';
import { runE2e } from '../../src/perf/e2e.js';
import { runProduce } from '../../src/perf/produce.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';

test('produce, consume and e2e runs count every record against the embedded broker', async () => {
  const broker = await startBroker({ config: { 'num.partitions': 3 } });
  const client = new KafkaClient({ bootstrapServers: [broker.bootstrapServers] });
  try {
    const lines: string[] = [];
    const produced = await runProduce({
      client, topic: 'load', numRecords: 5000, recordSize: 200, throughput: -1,
      producer: { acks: 1, compression: 'lz4', batchSize: 4096, maxInFlightPerBroker: 8 }, reportingIntervalMs: 10, onProgress: (l) => lines.push(l),
    });
    assert.equal(produced.records, 5000);
    assert.equal(produced.errors, 0);
    assert.equal(produced.bytes, 5000 * 200);
    assert.equal(produced.latency.count, 5000);
    assert.ok(produced.max_in_flight! >= 1 && produced.max_in_flight! <= 8);
    const ends = await listOffsets(client, 'load', null, -1n);
    assert.equal([...ends.values()].reduce((a, b) => a + b, 0n), 5000n);
    for (const l of lines) assert.match(l, /^perf produce: /);

    const consumed = await runConsume({ client, topic: 'load', numRecords: 5000, fetcher: { maxWaitMs: 50 }, timeoutMs: 5000, group: 'perf-group', reportingIntervalMs: 0 });
    assert.equal(consumed.records, 5000);
    assert.equal(consumed.bytes, 5000 * 200);
    assert.equal(consumed.errors, 0);
    // The group's committed offsets are the log ends.
    const coord = await client.coordinator('perf-group');
    const fetched = await coord.request(ApiKey.OffsetFetch, {
      groupId: '', topics: [], groups: [{ groupId: 'perf-group', memberId: null, memberEpoch: -1, topics: null }], requireStable: false,
    });
    const committed = fetched.groups[0]!.topics.flatMap((t) => t.partitions).reduce((a, p) => a + p.committedOffset, 0n);
    assert.equal(committed, 5000n);

    // Asking for more than there is: stops after the timeout and says so.
    const short = await runConsume({ client, topic: 'load', numRecords: 6000, fetcher: { maxWaitMs: 20 }, timeoutMs: 200, reportingIntervalMs: 0 });
    assert.equal(short.records, 5000);
    assert.equal(short.errors, 1);
    assert.match(short.first_error!, /only 5000 of 6000/);

    const e2e = await runE2e({
      client, topic: 'e2e', numRecords: 300, recordSize: 64, throughput: 3000, producer: { acks: 1, lingerMs: 0 },
      fetcher: { maxWaitMs: 50 }, timeoutMs: 5000, reportingIntervalMs: 0,
    });
    assert.equal(e2e.records, 300);
    assert.equal(e2e.latency.count, 300);
    assert.equal(e2e.errors, 0);
    assert.equal(e2e.throughput_limit, 3000);
  } finally {
    client.close();
    await broker.close();
  }
});
