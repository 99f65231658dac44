// Client quota resolution in Kafka's precedence order and the windowed rate and throttle
// arithmetic (Kafka's Rate over a SampledStat, QuotaUtils.throttleTime), on a hand-moved clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyQuotaChanges, EMPTY_CLIENT_QUOTAS, type ClientQuotaSnapshot, type QuotaEntity } from '../../../src/cluster/client-quotas.js';
import { ClientQuotaManager, recordAndGetThrottleTimeMs } from '../../../src/broker/quotas/client-quota-manager.js';
import { ClientQuotas, quotaUser } from '../../../src/broker/quotas/client-quotas.js';
import { SampledRate } from '../../../src/broker/network/connection-quotas.js';

const set = (snapshot: ClientQuotaSnapshot, entity: QuotaEntity, key: string, value: number | null) => applyQuotaChanges(snapshot, [{ entity, ops: [{ key, value }] }]);

test("the 8 levels of Kafka's precedence, each taking over when the one above is removed", () => {
  // Level n has the bound n.
  const levels: QuotaEntity[] = [
    { user: 'alice', clientId: 'app' }, { user: 'alice', clientId: null }, { user: 'alice' },
    { user: null, clientId: 'app' }, { user: null, clientId: null }, { user: null },
    { clientId: 'app' }, { clientId: null },
  ];
  let snapshot = EMPTY_CLIENT_QUOTAS;
  levels.forEach((entity, i) => (snapshot = set(snapshot, entity, 'producer_byte_rate', i + 1)));
  // Another key's quotas do not count for this manager.
  snapshot = set(snapshot, { user: 'alice', clientId: 'app' }, 'consumer_byte_rate', 99);
  const m = new ClientQuotaManager('producer_byte_rate', 1000, 11);
  const seen: number[] = [];
  for (const entity of levels) {
    m.update(snapshot);
    seen.push(m.quota('alice', 'app'));
    snapshot = set(snapshot, entity, 'producer_byte_rate', null);
  }
  m.update(snapshot);
  seen.push(m.quota('alice', 'app'));
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, Infinity]);
  const consumer = new ClientQuotaManager('consumer_byte_rate', 1000, 11);
  consumer.update(snapshot);
  assert.equal(consumer.quota('alice', 'app'), 99);
  assert.equal(consumer.quota('alice', 'other'), Infinity);
});

test('other users and client ids fall through to the defaults; a named user is not a default', () => {
  let s = set(EMPTY_CLIENT_QUOTAS, { user: null }, 'producer_byte_rate', 10);
  s = set(s, { user: 'bob' }, 'producer_byte_rate', 20);
  s = set(s, { clientId: 'batch' }, 'producer_byte_rate', 30);
  const m = new ClientQuotaManager('producer_byte_rate', 1000, 11);
  m.update(s);
  assert.equal(m.quota('bob', 'batch'), 20);
  assert.equal(m.quota('carol', 'batch'), 10, 'the user default wins over a client-id quota');
  assert.equal(quotaUser('User:ANONYMOUS'), 'ANONYMOUS');
});

test("the rate is Kafka's: at least samples-1 windows, obsolete windows dropped", () => {
  const r = new SampledRate(11, 1000);
  r.record(1000, 0);
  assert.equal(r.windowSize(0), 10_000);
  assert.equal(r.rate(0), 100);
  r.record(1000, 5_500); // a new window begins at 5.5 s
  // 5 full windows elapsed, padded by 5 more: 2000 bytes over 10.5 s.
  assert.equal(r.windowSize(5_500), 10_500);
  assert.equal(r.rate(5_500), 2000 / 10.5);
  // Past 10 full windows the minimum no longer pads.
  assert.equal(r.windowSize(10_700), 10_700);
  // 11 s past its start the first window is obsolete (reset to now): 1000 bytes since 5.5 s.
  assert.equal(r.rate(16_000), 1000 / 10.5);
  assert.equal(r.rate(40_000), 0);
});

test('throttle time brings the observed rate back to the quota: X = (O - T) / T * W', () => {
  const r = new SampledRate(11, 1000);
  assert.equal(recordAndGetThrottleTimeMs(r, 100, 500, 0), 0, '50 B/s is within 100 B/s');
  // 2500 bytes over the padded 10 s window: 250 B/s against 100: (250 - 100) / 100 * 10 s.
  assert.equal(recordAndGetThrottleTimeMs(r, 100, 2000, 0), 15_000);
});

test('clients sharing a user quota share one sensor; the request quota is bounded by one window', () => {
  let s = set(EMPTY_CLIENT_QUOTAS, { user: 'alice' }, 'producer_byte_rate', 1000);
  s = set(s, { user: 'alice' }, 'request_percentage', 50);
  const quotas = new ClientQuotas(() => s, 1, 11);
  assert.equal(quotas.refresh(), true);
  // 6000 bytes from each of two clients: 12000 over 10 s = 1200 B/s, over 1000 only together.
  assert.equal(quotas.produce.recordAndGetThrottleTimeMs('alice', 'a', 6000, 0), 0);
  assert.equal(quotas.produce.recordAndGetThrottleTimeMs('alice', 'b', 6000, 0), 2000);
  assert.equal(quotas.produce.recordAndGetThrottleTimeMs('bob', 'a', 1e9, 0), 0, 'no quota for bob');
  // 2000 percent-seconds over 10 s is 200% of a thread: (200 - 50) / 50 * 10 s, capped at 1 s.
  assert.equal(quotas.request.recordAndGetThrottleTimeMs('alice', 'a', 2000, 0), 1000);
  s = EMPTY_CLIENT_QUOTAS;
  assert.equal(quotas.refresh(), false, 'no quota left: nothing to meter');
  assert.equal(quotas.produce.recordAndGetThrottleTimeMs('alice', 'a', 1e9, 0), 0);
});

test('a throttled fetch takes its bytes back', () => {
  const s = set(EMPTY_CLIENT_QUOTAS, { clientId: null }, 'consumer_byte_rate', 100);
  const quotas = new ClientQuotas(() => s, 1, 11);
  quotas.refresh();
  assert.ok(quotas.fetch.recordAndGetThrottleTimeMs('', 'c', 5000, 0) > 0);
  quotas.fetch.unrecord('', 'c', 5000, 0);
  assert.equal(quotas.fetch.recordAndGetThrottleTimeMs('', 'c', 500, 0), 0);
});
