import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FetchHost } from '../../../src/broker/fetch/fetch-host.js';
import { DelayedFetch, FetchPurgatory, type DelayedFetchOwner } from '../../../src/broker/fetch/delayed-fetch.js';
import type { FetchParams } from '../../../src/broker/fetch/fetch-reader.js';
import { FetchContext, FetchContextKind } from '../../../src/broker/fetch/fetch-session.js';
import { defaultFetchResponse, type FetchResponse } from '../../../src/protocol/generated/fetch-response.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';

function delayed(maxWaitMs: number, logs: PartitionLog[] = []): DelayedFetch {
  const params: FetchParams = { version: 12, replicaId: -1, isFromFollower: false, fetchOnlyLeader: false, clientRack: '', isolation: 'highWatermark', readCommitted: false, maxWaitMs, minBytes: 1, maxBytes: 1 << 20 };
  return new DelayedFetch(params, new FetchContext(FetchContextKind.Sessionless, 0, [], null, 0, false, false), [], logs, []);
}

/** The purgatory's timer does not hold the process open (sockets do, in a broker): hold it here. */
async function holdingLoop(body: () => Promise<void>): Promise<void> {
  const hold = setInterval(() => {}, 1_000);
  try {
    await body();
  } finally {
    clearInterval(hold);
  }
}

class Recorder implements DelayedFetchOwner {
  readonly answered: number[] = [];
  answer(fetch: DelayedFetch): FetchResponse {
    this.answered.push(fetch.params.maxWaitMs);
    return defaultFetchResponse();
  }
}

test('expiry answers parked fetches in deadline order, whatever order they parked in', () => holdingLoop(async () => {
  let now = 1_000;
  const owner = new Recorder();
  const purgatory = new FetchPurgatory({} as FetchHost, owner, () => now);
  const waits = [50, 10, 40, 20, 30, 10, 5];
  const fetches = waits.map((w) => delayed(w));
  for (const f of fetches) purgatory.park(f);
  assert.equal(purgatory.size, waits.length);
  now += 1_000; // every deadline has passed when the (real) timer fires
  await Promise.all(fetches.map((f) => f.promise));
  assert.deepEqual(owner.answered, [5, 10, 10, 20, 30, 40, 50]);
  assert.equal(purgatory.size, 0);
}));

test('completed fetches leave the heap; the rest still expire in order', () => holdingLoop(async () => {
  let now = 0;
  const owner = new Recorder();
  const purgatory = new FetchPurgatory({} as FetchHost, owner, () => now);
  const fetches = [30, 10, 20, 40].map((w) => delayed(w));
  for (const f of fetches) purgatory.park(f);
  // completeAll takes the earliest first; here only to check removal keeps the heap valid.
  purgatory.completeAll();
  assert.deepEqual(owner.answered, [10, 20, 30, 40]);
  const more = [7, 3, 9, 1, 5].map((w) => delayed(w));
  for (const f of more) purgatory.park(f);
  now = 100;
  await Promise.all(more.map((f) => f.promise));
  assert.deepEqual(owner.answered.slice(4), [1, 3, 5, 7, 9]);
}));

test('a high watermark change wakes each waiter of the log once per turn', () => holdingLoop(async () => {
  let listener: { onHighWatermarkUpdated(hw: number): void } | null = null;
  const log = { setOffsetsListener: (l: typeof listener) => (listener = l) } as unknown as PartitionLog;
  const owner = new Recorder();
  const purgatory = new FetchPurgatory({} as FetchHost, owner, () => 0);
  const f = delayed(60_000, [log]);
  let checks = 0;
  f.tryComplete = () => ++checks === 2;
  purgatory.park(f);
  assert.equal(purgatory.watchers.count(log), 1);
  listener!.onHighWatermarkUpdated(1);
  listener!.onHighWatermarkUpdated(2);
  await new Promise((r) => setImmediate(r));
  assert.equal(checks, 1, 'two changes in one turn: one check');
  listener!.onHighWatermarkUpdated(3);
  await f.promise;
  assert.equal(checks, 2);
  assert.equal(purgatory.watchers.count(log), 0);
  assert.equal(purgatory.size, 0);
}));
