// A consumer under a consumer_byte_rate quota on an embedded broker: its Fetch is capped to
// what the quota window allows (quota x (quota.window.num - 1) windows), and once its responses
// take it over the quota it is answered without data, with a non-zero throttle_time_ms, and
// its connection is muted until the throttle ends (checked by ordering, not by time).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import * as FetchRequest from '../../../src/protocol/generated/fetch-request.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { makeTopic, startTestBroker, type TestBroker } from '../../helpers/test-broker.js';
import { WireClient } from '../../helpers/wire-client.js';
import { answeredAfterMute, brokerSide } from '../../helpers/throttle.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

let tb: TestBroker;
const TOPIC = 'fetch-quota-t';
const BATCH_BYTES = 6000;

before(async () => {
  tb = await startTestBroker();
  await makeTopic(tb, TOPIC);
  // 1000 B/s over 11 windows of 1 s: a fetch may hold at most 10 000 bytes.
  const r = await tb.client.request(ApiKey.AlterClientQuotas, 1, {
    entries: [{ entity: [{ entityType: 'client-id', entityName: 'slow-consumer' }], ops: [{ key: 'consumer_byte_rate', value: 1000, remove: false }] }],
    validateOnly: false,
  });
  assert.equal(r.entries[0]!.errorCode, ErrorCode.NONE);
  for (let i = 0; i < 3; i++) {
    const p = await tb.client.request(ApiKey.Produce, 9, {
      transactionalId: null, acks: -1, timeoutMs: 5000,
      topicData: [{ name: TOPIC, topicId: ZERO_UUID, partitionData: [{ index: 0, records: encodeBatchSync([{ value: Buffer.alloc(BATCH_BYTES, i) }]) }] }],
    });
    assert.equal(p.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  }
});

after(async () => {
  await tb?.close();
});


const fetch = (c: WireClient, offset: number) => c.request(ApiKey.Fetch, 12, {
  ...FetchRequest.defaultFetchRequest(), replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0,
  topics: [{ ...FetchRequest.defaultFetchTopic(), topic: TOPIC, partitions: [{ ...FetchRequest.defaultFetchPartition(), partition: 0, fetchOffset: BigInt(offset), partitionMaxBytes: 1 << 20 }] }],
});

test('a consumer over its byte-rate quota gets no data, a throttle time and a muted connection', async () => {
  const client = await WireClient.connect(tb.bootstrap, { clientId: 'slow-consumer' });
  try {
    const first = await fetch(client, 0);
    assert.equal(first.throttleTimeMs, 0);
    const records = first.responses[0]!.partitions[0]!.records!;
    // Capped to 10 000 bytes: one batch of the three, though 1 MiB was asked for.
    assert.ok(records.length > BATCH_BYTES && records.length < 2 * BATCH_BYTES, `${records.length} bytes`);
    const second = await fetch(client, 1);
    assert.ok(second.throttleTimeMs > 0, `throttle_time_ms ${second.throttleTimeMs}`);
    assert.equal(second.errorCode, ErrorCode.NONE);
    assert.deepEqual(second.responses, [], 'a throttled consumer gets no data');
    const versions = await answeredAfterMute(brokerSide(tb, client), () => client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '0', clusterId: null, nodeId: -1 }));
    assert.equal(versions.errorCode, ErrorCode.NONE);
  } finally {
    client.close();
  }
});

test('a consumer without a quota fetches everything at once, unthrottled', async () => {
  const client = await WireClient.connect(tb.bootstrap, { clientId: 'free-consumer' });
  try {
    const r = await fetch(client, 0);
    assert.equal(r.throttleTimeMs, 0);
    assert.ok(r.responses[0]!.partitions[0]!.records!.length > 3 * BATCH_BYTES);
  } finally {
    client.close();
  }
});
