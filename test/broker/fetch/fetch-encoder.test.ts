import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFetchResponseFrame, SPLICE_MIN_BYTES } from '../../../src/broker/fetch/fetch-encoder.js';
import { readBufferPool, ReadBufferPool } from '../../../src/broker/network/read-buffer-pool.js';
import type { ChunkedFrame } from '../../../src/broker/network/connection.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import {
  defaultFetchableTopicResponse,
  defaultFetchResponse,
  defaultPartitionData,
  type FetchResponse,
  type PartitionData,
} from '../../../src/protocol/generated/fetch-response.js';
import { encodeResponseFrame } from '../../../src/protocol/header.js';
import { append, values } from './helpers.js';
import { fetchRequest, partitionsOf } from './requests.js';
import { makeTopic, startTestBroker } from '../../helpers/test-broker.js';
import { seededRandom, type SeededRandom } from '../../helpers/seeded-random.js';

function partition(index: number, records: Buffer | null): PartitionData {
  return { ...defaultPartitionData(), partitionIndex: index, highWatermark: 10n, records };
}

/** Null, empty, small and large records, one large buffer twice, over two topics. */
function mixedResponse(version: number, rnd: SeededRandom): FetchResponse {
  const large = rnd.bytes(SPLICE_MIN_BYTES + 7);
  const a = { ...defaultFetchableTopicResponse(), topic: 'a', topicId: rnd.bytes(16) };
  a.partitions = [partition(0, null), partition(1, large), partition(2, Buffer.alloc(0)), partition(3, rnd.bytes(100))];
  const b = { ...defaultFetchableTopicResponse(), topic: 'b', topicId: rnd.bytes(16) };
  b.partitions = [partition(0, rnd.bytes(SPLICE_MIN_BYTES)), partition(1, large), partition(2, rnd.bytes(SPLICE_MIN_BYTES - 1))];
  return { ...defaultFetchResponse(), sessionId: version >= 7 ? 7 : 0, responses: [a, b] };
}

function concat(frame: Buffer | ChunkedFrame): Buffer {
  return Buffer.isBuffer(frame) ? frame : Buffer.concat(frame.chunks);
}

test('the spliced fetch frame has the bytes of encodeResponseFrame at every version, records uncopied', (t) => {
  const rnd = seededRandom(t);
  for (let v = 4; v <= 18; v++) {
    const body = mixedResponse(v, rnd);
    const large = body.responses.flatMap((t) => t.partitions).map((p) => p.records).filter((r) => r !== null && r.length >= SPLICE_MIN_BYTES);
    assert.equal(large.length, 3);
    const frame = encodeFetchResponseFrame(v, 1234, body);
    assert.ok(!Buffer.isBuffer(frame), `v${v} splices`);
    assert.deepEqual(concat(frame), encodeResponseFrame(ApiKey.Fetch, v, 1234, body), `v${v}, ${rnd.tag}`);
    // The records buffers themselves are chunks, in order; nothing else is that large.
    assert.deepEqual(frame.chunks.filter((c) => large.includes(c)), large, `v${v} chunks, ${rnd.tag}`);
    assert.ok(frame.chunks.every((c) => c.length > 0));
    assert.equal(frame.written, null, 'no pooled records');
  }
});

test('a fetch frame without large records is one buffer', (t) => {
  const rnd = seededRandom(t);
  for (const v of [4, 11, 12, 17]) {
    const body = mixedResponse(v, rnd);
    for (const t of body.responses) for (const p of t.partitions) if (p.records !== null && p.records.length >= SPLICE_MIN_BYTES) p.records = rnd.bytes(10);
    const frame = encodeFetchResponseFrame(v, 9, body);
    assert.ok(Buffer.isBuffer(frame));
    assert.deepEqual(frame, encodeResponseFrame(ApiKey.Fetch, v, 9, body), `v${v}, ${rnd.tag}`);
  }
  const empty = encodeFetchResponseFrame(17, 9, defaultFetchResponse());
  assert.deepEqual(empty, encodeResponseFrame(ApiKey.Fetch, 17, 9, defaultFetchResponse()));
});

test('large fetched batches reach the client whole over the wire (v4 and v17), with small ones between', async () => {
  const tb = await startTestBroker();
  try {
    const topic = await makeTopic(tb, 'spliced', 3);
    append(tb, 'spliced', 0, values('big0', 40, 1000));
    append(tb, 'spliced', 1, values('small', 2));
    append(tb, 'spliced', 2, values('big2', 40, 1000));
    const stored = [0, 1, 2].map((p) => tb.broker.logs.getLog('spliced', p)!.read(0, 1 << 20).records);
    assert.ok(stored[0]!.length >= SPLICE_MIN_BYTES && stored[1]!.length < SPLICE_MIN_BYTES);
    for (const v of [4, 17]) {
      const spec = v >= 13 ? { topicId: topic.id } : { topic: 'spliced' };
      const res = await tb.client.request(ApiKey.Fetch, v, fetchRequest([{ ...spec, partitions: [{ partition: 0 }, { partition: 1 }, { partition: 2 }] }]));
      const got = [...partitionsOf(res).values()].map((p) => p.records);
      assert.deepEqual(got, stored, `v${v}`);
    }
  } finally {
    await tb.close();
  }
});

test('the read buffer pool lends size-class buffers, takes them back once, and ignores others', () => {
  const pool = new ReadBufferPool();
  const a = pool.acquire(1 << 20);
  assert.equal(a.length, 1 << 20);
  assert.ok(pool.isLent(a.subarray(5, 10)));
  const small = pool.acquire(100);
  assert.equal(small.length, 100);
  assert.ok(!pool.isLent(small));
  const odd = pool.acquire(70_000);
  assert.equal(odd.length, 128 * 1024);
  pool.release(a.subarray(0, 10));
  pool.release(a); // a second release is ignored
  pool.release(small);
  pool.release(Buffer.alloc(1 << 20));
  assert.equal(pool.pooledBytes, 1 << 20);
  const b = pool.acquire(1_000_000);
  assert.equal(b.buffer, a.buffer, 'reused');
  assert.equal(pool.pooledBytes, 0);
  assert.ok(pool.isLent(odd.subarray(0, 0)));
});

test('pooled records go back to the pool when their frame is written, or at once when copied', (t) => {
  const rnd = seededRandom(t);
  const body = mixedResponse(17, rnd);
  const big = readBufferPool.acquire(1 << 20).subarray(0, SPLICE_MIN_BYTES * 2);
  const small = readBufferPool.acquire(1 << 20).subarray(0, 100);
  body.responses[0]!.partitions[1]!.records = big;
  body.responses[0]!.partitions[3]!.records = small;
  const before = readBufferPool.pooledBytes;
  const frame = encodeFetchResponseFrame(17, 1, body);
  assert.ok(!Buffer.isBuffer(frame) && frame.written !== null);
  assert.deepEqual(concat(frame), encodeResponseFrame(ApiKey.Fetch, 17, 1, body), rnd.tag);
  assert.ok(readBufferPool.isLent(big) && readBufferPool.isLent(small), 'lent until written');
  frame.written(new Error('socket destroyed'));
  assert.ok(readBufferPool.isLent(big), 'a failed write keeps them out of the pool');
  frame.written(null);
  assert.ok(!readBufferPool.isLent(big) && !readBufferPool.isLent(small));
  assert.equal(readBufferPool.pooledBytes, before + 2 * (1 << 20));

  const copied = mixedResponse(17, rnd);
  for (const t of copied.responses) for (const p of t.partitions) p.records = null;
  const inline = readBufferPool.acquire(1 << 16).subarray(0, 10);
  copied.responses[1]!.partitions[0]!.records = inline;
  assert.ok(Buffer.isBuffer(encodeFetchResponseFrame(12, 1, copied)));
  assert.ok(!readBufferPool.isLent(inline), 'copied into the frame: back at once');
});
