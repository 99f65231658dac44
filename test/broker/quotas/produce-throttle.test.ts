// A Produce over its client's byte-rate quota on an embedded broker: the response carries a
// non-zero throttle_time_ms and the connection is muted, so the next request is answered only
// once the throttle is over (checked by ordering, never by measuring time). A client without a
// quota on the same broker is not throttled, and a request_percentage quota throttles any request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { makeTopic, startTestBroker, type TestBroker } from '../../helpers/test-broker.js';
import { WireClient } from '../../helpers/wire-client.js';
import { answeredAfterMute, brokerSide } from '../../helpers/throttle.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

let tb: TestBroker;
const TOPIC = 'quota-t';

before(async () => {
  tb = await startTestBroker();
  await makeTopic(tb, TOPIC);
  // 1000 B/s: the first request of about 11 kB is averaged over the 10 s minimum window,
  // about 1100 B/s, so it is throttled for about a second.
  const r = await tb.client.request(ApiKey.AlterClientQuotas, 1, {
    entries: [{ entity: [{ entityType: 'client-id', entityName: 'slow-producer' }], ops: [{ key: 'producer_byte_rate', value: 1000, remove: false }] }],
    validateOnly: false,
  });
  assert.equal(r.entries[0]!.errorCode, ErrorCode.NONE);
});

after(async () => {
  await tb?.close();
});


const produce = (c: WireClient, bytes: number) => c.request(ApiKey.Produce, 9, {
  transactionalId: null, acks: -1, timeoutMs: 5000,
  topicData: [{ name: TOPIC, topicId: ZERO_UUID, partitionData: [{ index: 0, records: encodeBatchSync([{ value: Buffer.alloc(bytes, 7) }]) }] }],
});

test('a Produce over its byte-rate quota is throttled and its connection muted until the throttle ends', async () => {
  const client = await WireClient.connect(tb.bootstrap, { clientId: 'slow-producer' });
  try {
    const res = await produce(client, 11_000);
    assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    assert.ok(res.throttleTimeMs > 0, `throttle_time_ms ${res.throttleTimeMs}`);
    // Muted once the throttled response is out: the next request sits unread until the throttle ends.
    const metadata = await answeredAfterMute(brokerSide(tb, client), () =>
      client.request(ApiKey.Metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }));
    assert.equal(metadata.throttleTimeMs, 0, 'Metadata is not charged bytes');
  } finally {
    client.close();
  }
});

test('a client with no quota of its own is not throttled by another client id', async () => {
  const client = await WireClient.connect(tb.bootstrap, { clientId: 'free-producer' });
  try {
    const res = await produce(client, 50_000);
    assert.equal(res.throttleTimeMs, 0);
    assert.equal(brokerSide(tb, client).throttled, false);
  } finally {
    client.close();
  }
});

test('request_percentage: time spent on a client beyond its share throttles any request, at most one window', async () => {
  const set = await tb.client.request(ApiKey.AlterClientQuotas, 1, {
    entries: [{ entity: [{ entityType: 'client-id', entityName: 'busy' }], ops: [{ key: 'request_percentage', value: 0.001, remove: false }] }],
    validateOnly: false,
  });
  assert.equal(set.entries[0]!.errorCode, ErrorCode.NONE);
  const client = await WireClient.connect(tb.bootstrap, { clientId: 'busy' });
  try {
    // 0.001% of a thread over the 10 s window is 0.1 ms of handling: a few Metadata requests exceed it.
    // (How long the mute lasts depends on by how much: the muting itself is checked above.)
    let throttle = 0;
    for (let i = 0; i < 100 && throttle === 0; i++) {
      const md = await client.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      throttle = md.throttleTimeMs;
    }
    assert.ok(throttle > 0, 'throttled');
    assert.ok(throttle <= 1000, `request throttles are bounded by quota.window.size.seconds: ${throttle}`);
  } finally {
    client.close();
  }
});
