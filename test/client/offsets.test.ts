import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../src/start-broker.js';
import { KafkaClient, KafkaResponseError } from '../../src/client/index.js';
import { Producer } from '../../src/client/producer.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP, listOffsets, listOffsetsDetailed } from '../../src/client/offsets.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';

test('listOffsets answers earliest, latest, by time and max timestamp per partition', async () => {
  const broker = await startBroker();
  const client = new KafkaClient({ bootstrapServers: [broker.bootstrapServers], retryTimeoutMs: 500 });
  try {
    const r = await client.request(ApiKey.CreateTopics, {
      topics: [{ name: 'times', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000, validateOnly: false,
    });
    assert.equal(r.topics[0]?.errorCode, ErrorCode.NONE);
    const producer = new Producer(client, { acks: -1, lingerMs: 0 });
    // Partition 0: 10 records at t=1000..1009; partition 1: 3 records; partition 2: empty.
    await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'times', partition: 0, value: Buffer.from('x'), timestamp: 1000n + BigInt(i) })));
    await Promise.all(Array.from({ length: 3 }, () => producer.send({ topic: 'times', partition: 1, value: Buffer.from('y'), timestamp: 5000n })));
    await producer.close();

    assert.deepEqual(await listOffsets(client, 'times', null, LATEST_TIMESTAMP), new Map([[0, 10n], [1, 3n], [2, 0n]]));
    assert.deepEqual(await listOffsets(client, 'times', [0, 2], EARLIEST_TIMESTAMP), new Map([[0, 0n], [2, 0n]]));
    assert.deepEqual(await listOffsets(client, 'times', [0, 1], 1004n), new Map([[0, 4n], [1, 0n]]));
    // No record at or after the time: -1.
    assert.deepEqual(await listOffsets(client, 'times', [0], 99_999n), new Map([[0, -1n]]));
    const max = await listOffsetsDetailed(client, 'times', [0], MAX_TIMESTAMP);
    assert.equal(max.get(0)?.offset, 9n);
    assert.equal(max.get(0)?.timestamp, 1009n);
    await assert.rejects(listOffsets(client, 'times', [9], LATEST_TIMESTAMP),
      (e: unknown) => e instanceof KafkaResponseError && e.errorName === 'UNKNOWN_TOPIC_OR_PARTITION');
    await assert.rejects(listOffsets(client, 'nope', null, LATEST_TIMESTAMP),
      (e: unknown) => e instanceof KafkaResponseError && e.errorName === 'UNKNOWN_TOPIC_OR_PARTITION');
  } finally {
    client.close();
    await broker.close();
  }
});
