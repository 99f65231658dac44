import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTopic } from '../../../src/broker/topics.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { FetchResponse } from '../../../src/protocol/generated/fetch-response.js';
import { append, decodeRecords, values } from '../fetch/helpers.js';
import { fetchRequest, partitionsOf } from '../fetch/requests.js';
import { type TestBroker, logOf, makeTopic, startTestBroker } from '../../helpers/test-broker.js';

let tb: TestBroker;

before(async () => {
  tb = await startTestBroker();
  await makeTopic(tb, 's1', 3);
  for (let p = 0; p < 3; p++) append(tb, 's1', p, values(`p${p}`, 2));
});

after(async () => {
  await tb.close();
});

const keys = (res: FetchResponse) => [...partitionsOf(res).keys()];

test('KIP-227: full fetch opens a session; incremental fetches carry only what changed; forgotten partitions leave', async () => {
  const v = 12;
  const full = await tb.client.request(
    ApiKey.Fetch,
    v,
    fetchRequest([{ topic: 's1', partitions: [{ partition: 0, fetchOffset: 0n }, { partition: 1, fetchOffset: 0n }] }], { sessionId: 0, sessionEpoch: 0 }),
  );
  assert.equal(full.errorCode, ErrorCode.NONE);
  const id = full.sessionId;
  assert.notEqual(id, 0);
  assert.deepEqual(keys(full), ['s1:0', 's1:1']);

  // Epoch 1: the fetcher moved on to offset 2; nothing new, nothing changed.
  let res = await tb.client.request(
    ApiKey.Fetch,
    v,
    fetchRequest([{ topic: 's1', partitions: [{ partition: 0, fetchOffset: 2n }, { partition: 1, fetchOffset: 2n }] }], { sessionId: id, sessionEpoch: 1 }),
  );
  assert.equal(res.sessionId, id);
  assert.deepEqual(keys(res), []);

  // Epoch 2: new data on partition 1 only, and partition 2 joins.
  append(tb, 's1', 1, values('more', 1));
  res = await tb.client.request(ApiKey.Fetch, v, fetchRequest([{ topic: 's1', partitions: [{ partition: 2, fetchOffset: 0n }] }], { sessionId: id, sessionEpoch: 2 }));
  assert.deepEqual(keys(res), ['s1:1', 's1:2']);
  assert.deepEqual(decodeRecords(partitionsOf(res).get('s1:1')!.records).map((r) => r.value), ['more-0']);

  // Epoch 3: forget partition 0; a log start offset change on partition 2 is news.
  logOf(tb, 's1', 2).maybeIncrementLogStartOffset(1);
  res = await tb.client.request(
    ApiKey.Fetch,
    v,
    fetchRequest([{ topic: 's1', partitions: [{ partition: 1, fetchOffset: 3n }, { partition: 2, fetchOffset: 2n }] }], {
      sessionId: id,
      sessionEpoch: 3,
      forgottenTopicsData: [{ topic: 's1', topicId: Buffer.alloc(16), partitions: [0] }],
    }),
  );
  assert.deepEqual(keys(res), ['s1:2']);
  assert.equal(partitionsOf(res).get('s1:2')!.logStartOffset, 1n);
  append(tb, 's1', 0, values('ignored', 1));
  res = await tb.client.request(ApiKey.Fetch, v, fetchRequest([], { sessionId: id, sessionEpoch: 4 }));
  assert.deepEqual(keys(res), [], 'partition 0 is no longer in the session');

  // A replayed epoch, an unknown id.
  res = await tb.client.request(ApiKey.Fetch, v, fetchRequest([], { sessionId: id, sessionEpoch: 4 }));
  assert.deepEqual([res.errorCode, res.sessionId, res.responses.length], [ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0, 0]);
  res = await tb.client.request(ApiKey.Fetch, v, fetchRequest([], { sessionId: id + 1, sessionEpoch: 1 }));
  assert.equal(res.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);

  // Epoch -1 closes it.
  res = await tb.client.request(ApiKey.Fetch, v, fetchRequest([{ topic: 's1', partitions: [{ partition: 1, fetchOffset: 0n }] }], { sessionId: id, sessionEpoch: -1 }));
  assert.deepEqual([res.errorCode, res.sessionId, keys(res)], [ErrorCode.NONE, 0, ['s1:1']]);
  res = await tb.client.request(ApiKey.Fetch, v, fetchRequest([], { sessionId: id, sessionEpoch: 5 }));
  assert.equal(res.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
});

test('errors are always sent, and a partition is sent again once its error clears', async () => {
  const end = BigInt(logOf(tb, 's1', 0).logEndOffset);
  const res0 = await tb.client.request(
    ApiKey.Fetch,
    7,
    fetchRequest([{ topic: 's1', partitions: [{ partition: 0, fetchOffset: end }, { partition: 9, fetchOffset: 0n }] }], { sessionEpoch: 0 }),
  );
  const id = res0.sessionId;
  assert.deepEqual(keys(res0), ['s1:0', 's1:9']);
  let res = await tb.client.request(ApiKey.Fetch, 7, fetchRequest([], { sessionId: id, sessionEpoch: 1 }));
  assert.deepEqual(keys(res), ['s1:9']);
  assert.equal(partitionsOf(res).get('s1:9')!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  // Partition 0 fails (offset out of range), then recovers: both answers are sent.
  res = await tb.client.request(ApiKey.Fetch, 7, fetchRequest([{ topic: 's1', partitions: [{ partition: 0, fetchOffset: 99n }] }], { sessionId: id, sessionEpoch: 2 }));
  assert.equal(partitionsOf(res).get('s1:0')!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  res = await tb.client.request(ApiKey.Fetch, 7, fetchRequest([{ topic: 's1', partitions: [{ partition: 0, fetchOffset: end }] }], { sessionId: id, sessionEpoch: 3 }));
  assert.equal(partitionsOf(res).get('s1:0')!.errorCode, ErrorCode.NONE);
  assert.deepEqual(keys(res), ['s1:0', 's1:9']);
});

test('topic-id sessions (v13+): switching to names is FETCH_SESSION_TOPIC_ID_ERROR; a recreated topic is INCONSISTENT_TOPIC_ID', async () => {
  const topic = await makeTopic(tb, 's2');
  append(tb, 's2', 0, values('x', 1));
  const full = await tb.client.request(ApiKey.Fetch, 13, fetchRequest([{ topicId: topic.id, partitions: [{ partition: 0, fetchOffset: 0n }] }], { sessionEpoch: 0 }));
  assert.ok(full.responses[0]!.topicId.equals(topic.id));
  const id = full.sessionId;
  let res = await tb.client.request(ApiKey.Fetch, 12, fetchRequest([], { sessionId: id, sessionEpoch: 1 }));
  assert.equal(res.errorCode, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
  // The failed request did not move the epoch.
  await tb.broker.metadata.deleteTopic('s2');
  tb.broker.logs.deleteLog('s2', 0);
  const again = await createTopic(tb.broker, 's2', 1, 1, {});
  assert.ok(again.ok && !again.topic.id.equals(topic.id));
  res = await tb.client.request(ApiKey.Fetch, 17, fetchRequest([], { sessionId: id, sessionEpoch: 1 }));
  assert.equal(res.errorCode, ErrorCode.NONE);
  const p = res.responses[0]!.partitions[0]!;
  assert.equal(p.errorCode, ErrorCode.INCONSISTENT_TOPIC_ID, 'the session knew the name; the name now has another id');
});

test('max.incremental.fetch.session.cache.slots=0: full fetches answer with session id 0', async () => {
  const other = await startTestBroker({ config: { 'max.incremental.fetch.session.cache.slots': 0 } });
  try {
    await makeTopic(other, 'n');
    const res = await other.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'n', partitions: [{ partition: 0, fetchOffset: 0n }] }], { sessionEpoch: 0 }));
    assert.deepEqual([res.errorCode, res.sessionId], [ErrorCode.NONE, 0]);
  } finally {
    await other.close();
  }
});
