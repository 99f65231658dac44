// ReplicationQuota (Kafka's ReplicationQuotaManager with its SimpleRate): throttled partitions
// from `*.replication.throttled.replicas`, and the byte rate over the samples kept, on a clock
// the test gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseThrottledReplicas, ReplicationQuota, UNBOUNDED_RATE } from '../../../src/cluster/replication/replication-quota.js';

test('throttled replicas: the partitions naming this broker, * for all, none for an empty value', () => {
  assert.deepEqual([...(parseThrottledReplicas('0:1,1:2,3:1', 1) as Set<number>)].sort(), [0, 3]);
  assert.deepEqual([...(parseThrottledReplicas(' 0:2 , 5:2', 2) as Set<number>)].sort(), [0, 5]);
  assert.equal(parseThrottledReplicas('*', 7), 'all');
  assert.equal((parseThrottledReplicas('', 1) as Set<number>).size, 0);
  assert.equal((parseThrottledReplicas(undefined, 1) as Set<number>).size, 0);

  const q = new ReplicationQuota(1, 11);
  q.markThrottled('a', parseThrottledReplicas('0:1,2:1', 1));
  q.markThrottled('b', 'all');
  assert.equal(q.isThrottled('a', 0), true);
  assert.equal(q.isThrottled('a', 1), false);
  assert.equal(q.isThrottled('b', 9), true);
  assert.equal(q.isThrottled('c', 0), false);
  q.markThrottled('a', new Set());
  q.removeThrottle('b');
  assert.equal(q.isThrottled('a', 0), false);
  assert.equal(q.isThrottled('b', 9), false);
});

test('the rate: bytes over the time since the oldest sample began, at least one window; exceeded above the bound', () => {
  const q = new ReplicationQuota(1, 11);
  assert.equal(q.upperBound, UNBOUNDED_RATE);
  q.record(5_000_000, 0);
  assert.equal(q.isQuotaExceeded(0), false, 'unbounded');
  q.updateQuota(1000);
  assert.equal(q.rate(0), 5_000_000, 'within the first window the rate is over one window');

  const r = new ReplicationQuota(1, 11);
  r.updateQuota(1000);
  r.record(1000, 0);
  assert.equal(r.isQuotaExceeded(0), false, 'at the bound is not over it');
  r.record(1, 500);
  assert.equal(r.isQuotaExceeded(500), true);
  assert.equal(r.rate(2000), 500.5, '1001 bytes over two seconds');
  assert.equal(r.isQuotaExceeded(2000), false);
  r.record(3000, 2000);
  assert.equal(r.rate(4000), 1000.25, '4001 bytes over four seconds');
  assert.equal(r.recordedBytes, 4001);
  // Samples older than 11 windows are forgotten.
  assert.equal(r.rate(11_000), 3000 / 9, 'the sample begun at 0 is obsolete at 11 s');
  assert.equal(r.rate(13_000), 0);
});
