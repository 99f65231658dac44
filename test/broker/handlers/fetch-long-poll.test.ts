import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { append, decodeRecords, values } from '../fetch/helpers.js';
import { eventually } from '../../helpers/eventually.js';
import { fetchRequest, onlyPartition, partitionsOf } from '../fetch/requests.js';
import { WireClient } from '../../helpers/wire-client.js';
import { type TestBroker, logOf, makeTopic, startTestBroker } from '../../helpers/test-broker.js';

let tb: TestBroker;

before(async () => {
  tb = await startTestBroker();
});

after(async () => {
  await tb.close();
});

const waiting = () => tb.broker.fetch.purgatory.size;
const turn = () => new Promise((r) => setImmediate(r));

test('a fetch at the end waits and is answered by the append that raises the high watermark', async () => {
  await makeTopic(tb, 'lp1', 2);
  append(tb, 'lp1', 0, values('old', 1));
  const pending = tb.client.request(
    ApiKey.Fetch,
    12,
    fetchRequest([{ topic: 'lp1', partitions: [{ partition: 0, fetchOffset: 1n }, { partition: 1, fetchOffset: 0n }] }], { maxWaitMs: 60_000, minBytes: 1 }),
  );
  await eventually('the fetch to park', () => waiting() === 1);
  const log = logOf(tb, 'lp1', 1);
  assert.equal(tb.broker.fetch.purgatory.watchers.count(log), 1);
  append(tb, 'lp1', 1, values('new', 2));
  const res = await pending;
  const parts = partitionsOf(res);
  assert.equal(parts.get('lp1:0')!.records!.length, 0);
  assert.deepEqual(decodeRecords(parts.get('lp1:1')!.records).map((r) => r.value), ['new-0', 'new-1']);
  assert.equal(parts.get('lp1:1')!.highWatermark, 2n);
  assert.equal(waiting(), 0);
  assert.equal(tb.broker.fetch.purgatory.watchers.count(log), 0);
});

test('an append below the high watermark does not answer; moving the high watermark does', async () => {
  await makeTopic(tb, 'lp2');
  const pending = tb.client.request(ApiKey.Fetch, 11, fetchRequest([{ topic: 'lp2', partitions: [{ partition: 0, fetchOffset: 0n }] }], { maxWaitMs: 60_000 }));
  await eventually('the fetch to park', () => waiting() === 1);
  append(tb, 'lp2', 0, values('x', 1), { advanceHw: false });
  await turn();
  await turn();
  assert.equal(waiting(), 1, 'records past the high watermark are not readable');
  logOf(tb, 'lp2').maybeIncrementHighWatermark(1);
  const p = onlyPartition(await pending);
  assert.deepEqual(decodeRecords(p.records).map((r) => r.value), ['x-0']);
});

test('min_bytes: small appends keep the fetch waiting until enough bytes are there', async () => {
  await makeTopic(tb, 'lp3');
  const pending = tb.client.request(
    ApiKey.Fetch,
    12,
    fetchRequest([{ topic: 'lp3', partitions: [{ partition: 0, fetchOffset: 0n }] }], { maxWaitMs: 60_000, minBytes: 1000 }),
  );
  await eventually('the fetch to park', () => waiting() === 1);
  append(tb, 'lp3', 0, values('s', 1, 100));
  await turn();
  await turn();
  assert.equal(waiting(), 1, '~170 bytes are not 1000');
  append(tb, 'lp3', 0, values('t', 10, 100));
  const p = onlyPartition(await pending);
  assert.equal(decodeRecords(p.records).length, 11);
});

test('without data the fetch is answered when max_wait_ms ends', async () => {
  await makeTopic(tb, 'lp4');
  const res = await tb.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'lp4', partitions: [{ partition: 0, fetchOffset: 0n }] }], { maxWaitMs: 30 }));
  const p = onlyPartition(res);
  assert.equal(p.errorCode, ErrorCode.NONE);
  assert.equal(p.records!.length, 0);
  assert.equal(waiting(), 0);
});

test('fetches on several connections with different waits each get one answer', async () => {
  await makeTopic(tb, 'lp5');
  const clients = await Promise.all([0, 1, 2, 3].map(() => WireClient.connect(tb.bootstrap)));
  try {
    const all = [60, 5, 30, 15].map((maxWaitMs, i) =>
      clients[i]!.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'lp5', partitions: [{ partition: 0, fetchOffset: 0n }] }], { maxWaitMs })),
    );
    for (const res of await Promise.all(all)) assert.equal(onlyPartition(res).errorCode, ErrorCode.NONE);
    assert.equal(waiting(), 0);
  } finally {
    for (const c of clients) c.close();
  }
});

test('a truncation below the fetch offset answers the waiting fetch with OFFSET_OUT_OF_RANGE', async () => {
  await makeTopic(tb, 'lp6');
  append(tb, 'lp6', 0, values('a', 3));
  const pending = tb.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'lp6', partitions: [{ partition: 0, fetchOffset: 3n }] }], { maxWaitMs: 60_000 }));
  await eventually('the fetch to park', () => waiting() === 1);
  logOf(tb, 'lp6').truncateTo(1);
  const p = onlyPartition(await pending);
  assert.equal(p.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
});

test('fetch.completeAll answers every waiting fetch at once (shutdown)', async () => {
  await makeTopic(tb, 'lp7');
  const pending = tb.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'lp7', partitions: [{ partition: 0, fetchOffset: 0n }] }], { maxWaitMs: 60_000 }));
  await eventually('the fetch to park', () => waiting() === 1);
  tb.broker.fetch.completeAll();
  assert.equal(onlyPartition(await pending).errorCode, ErrorCode.NONE);
});

test('max_wait_ms 0 and min_bytes 0 answer at once; errors answer at once', async () => {
  await makeTopic(tb, 'lp8');
  let res = await tb.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'lp8', partitions: [{ partition: 0, fetchOffset: 0n }] }], { maxWaitMs: 60_000, minBytes: 0 }));
  assert.equal(onlyPartition(res).errorCode, ErrorCode.NONE);
  res = await tb.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'lp8', partitions: [{ partition: 0, fetchOffset: 9n }] }], { maxWaitMs: 60_000 }));
  assert.equal(onlyPartition(res).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  res = await tb.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'nothing-here', partitions: [{ partition: 0, fetchOffset: 0n }] }], { maxWaitMs: 60_000 }));
  assert.equal(onlyPartition(res).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(waiting(), 0);
});
