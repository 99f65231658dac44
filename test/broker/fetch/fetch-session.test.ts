import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FetchContextKind,
  FetchSessionCache,
  nextEpoch,
  PartitionFetch,
  SESSION_EVICTION_MS,
  type FetchedPartition,
} from '../../../src/broker/fetch/fetch-session.js';
import { errorPartitionData } from '../../../src/broker/fetch/fetch-reader.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

function part(topic: string, partition: number, fetchOffset = 0): PartitionFetch {
  return new PartitionFetch(`${topic}:${partition}`, topic, ZERO_UUID, partition, fetchOffset, -1, 1 << 20, -1, -1);
}

function request(...parts: PartitionFetch[]): Map<string, PartitionFetch> {
  return new Map(parts.map((p) => [p.key, p]));
}

/** A response for each partition: no records, the given high watermark. */
function answer(parts: readonly PartitionFetch[], hw = 0): FetchedPartition[] {
  return parts.map((fetch) => {
    const data = errorPartitionData(fetch.partition, ErrorCode.NONE, Buffer.alloc(0));
    data.highWatermark = BigInt(hw);
    data.logStartOffset = 0n;
    return { fetch, data };
  });
}

/** Opens a session of `n` partitions at time `now`; returns its id (0 when none was made). */
function open(cache: FetchSessionCache, n: number, follower = false, version = 12): number {
  const parts = Array.from({ length: n }, (_, i) => part('t', i));
  const ctx = cache.newContext(version, 0, 0, follower, request(...parts), []);
  assert.equal(ctx.kind, FetchContextKind.Full);
  return cache.finish(ctx, answer(ctx.partitions)).sessionId;
}

test('nextEpoch: -1 stays final, the maximum wraps to 1', () => {
  assert.equal(nextEpoch(-1), -1);
  assert.equal(nextEpoch(0), 1);
  assert.equal(nextEpoch(41), 42);
  assert.equal(nextEpoch(0x7fffffff), 1);
});

test('a full fetch makes a session at epoch 1; incremental fetches move the epoch on', () => {
  const cache = new FetchSessionCache(10);
  const id = open(cache, 2);
  assert.notEqual(id, 0);
  const s = cache.get(id)!;
  assert.equal(s.epoch, 1);
  const ctx = cache.newContext(12, id, 1, false, new Map(), []);
  assert.equal(ctx.kind, FetchContextKind.Incremental);
  assert.equal(ctx.partitions.length, 2);
  assert.equal(s.epoch, 2);
  // Nothing changed: nothing to send.
  assert.deepEqual(cache.finish(ctx, answer(ctx.partitions)).partitions, []);
  assert.equal(cache.newContext(12, id, 1, false, new Map(), []).errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  assert.equal(cache.newContext(12, id + 1, 1, false, new Map(), []).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  assert.equal(cache.newContext(13, id, 2, false, new Map(), []).errorCode, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
});

test('a response made after a newer request of the same session gets INVALID_FETCH_SESSION_EPOCH', () => {
  const cache = new FetchSessionCache(10);
  const id = open(cache, 1);
  const first = cache.newContext(12, id, 1, false, new Map(), []);
  const second = cache.newContext(12, id, 2, false, new Map(), []);
  const late = cache.finish(first, answer(first.partitions, 5));
  assert.deepEqual([late.errorCode, late.sessionId, late.partitions.length], [ErrorCode.INVALID_FETCH_SESSION_EPOCH, id, 0]);
  assert.equal(cache.finish(second, answer(second.partitions, 5)).partitions.length, 1);
});

test('partitions with records move to the end of the session order', () => {
  const cache = new FetchSessionCache(10);
  const id = open(cache, 3);
  const ctx = cache.newContext(12, id, 1, false, new Map(), []);
  const resp = answer(ctx.partitions);
  resp[0]!.data.records = Buffer.alloc(70);
  cache.finish(ctx, resp);
  assert.deepEqual([...cache.get(id)!.partitions.keys()], ['t:1', 't:2', 't:0']);
});

test('forgetting every partition closes the session', () => {
  const cache = new FetchSessionCache(10);
  const id = open(cache, 2);
  const ctx = cache.newContext(12, id, 1, false, new Map(), ['t:0', 't:1']);
  assert.equal(ctx.kind, FetchContextKind.Sessionless);
  assert.equal(cache.get(id), undefined);
  assert.equal(cache.size, 0);
  assert.equal(cache.totalPartitions, 0);
});

test('no room: a consumer session does not evict a young one; a follower session does', () => {
  let now = 0;
  const cache = new FetchSessionCache(2, SESSION_EVICTION_MS, () => now);
  const a = open(cache, 5);
  const b = open(cache, 1);
  assert.equal(open(cache, 50), 0, 'young sessions are protected from consumers');
  const c = open(cache, 1, true);
  assert.notEqual(c, 0);
  assert.equal(cache.get(b), undefined, 'the smaller consumer session went first');
  assert.ok(cache.get(a));
  assert.equal(cache.evictions, 1);
});

test('no room: a stale session is evicted; an old busy one only by a bigger newcomer', () => {
  let now = 0;
  const cache = new FetchSessionCache(2, SESSION_EVICTION_MS, () => now);
  const a = open(cache, 3);
  const b = open(cache, 3);
  now = SESSION_EVICTION_MS + 10;
  // Keep both in use, now older than the eviction time.
  for (const id of [a, b]) {
    const s = cache.get(id)!;
    cache.newContext(12, id, s.epoch, false, new Map(), []);
  }
  assert.equal(open(cache, 2), 0, 'smaller than every old session');
  const c = open(cache, 4);
  assert.notEqual(c, 0);
  assert.equal(cache.size, 2);
  now += SESSION_EVICTION_MS + 1;
  const d = open(cache, 1);
  assert.notEqual(d, 0, 'the least recently used session is stale: evicted whatever its size');
  assert.equal(cache.evictions, 2);
});

test('max.incremental.fetch.session.cache.slots=0: full fetches get no session', () => {
  const cache = new FetchSessionCache(0);
  assert.equal(open(cache, 1), 0);
  assert.equal(open(cache, 1, true), 0);
});
