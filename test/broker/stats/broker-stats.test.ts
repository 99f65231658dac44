import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LATENCY_BUCKETS_MS, LatencyHistograms } from '../../../src/broker/stats/latency-histograms.js';
import { BrokerStats, RequestStats, TopicStatsRegistry } from '../../../src/broker/stats/broker-stats.js';

test('latency histograms: a value on a bound falls in that bucket (le), above the last in +Inf; cumulative, sum and count per slot', () => {
  const h = new LatencyHistograms(3);
  h.record(1, 0.1); // on the first bound
  h.record(1, 0.2); // in (0.1, 0.25]
  h.record(1, 1000); // on a bound
  h.record(1, 1e6); // above every bound
  h.record(1, -3); // a clock step backwards counts as 0
  const c = h.cumulative(1);
  assert.equal(c.length, LATENCY_BUCKETS_MS.length + 1);
  assert.equal(c[0], 2, '0 and 0.1 are <= 0.1');
  assert.equal(c[1], 3);
  assert.equal(c[LATENCY_BUCKETS_MS.indexOf(1000)], 4);
  assert.equal(c[LATENCY_BUCKETS_MS.length - 1], 4);
  assert.equal(c[LATENCY_BUCKETS_MS.length], 5, '+Inf holds everything');
  assert.equal(h.count(1), 5);
  assert.equal(h.sum(1), 0.1 + 0.2 + 1000 + 1e6);
  for (let b = 1; b < c.length; b++) assert.ok(c[b]! >= c[b - 1]!);
  assert.deepEqual(h.cumulative(0), new Array(LATENCY_BUCKETS_MS.length + 1).fill(0), 'slots are apart');
  assert.equal(h.count(2), 0);
});

test('request stats count and time per API key; topic stats live until their topic is deleted', () => {
  const r = new RequestStats();
  r.record(0, 0.5, 3);
  r.record(0, 0, 7);
  r.record(1, 2, 500);
  assert.equal(r.count[0], 2);
  assert.equal(r.count[1], 1);
  assert.equal(r.totalTime.sum(0), 10);
  assert.equal(r.queueTime.sum(0), 0.5);
  assert.equal(r.totalTime.count(1), 1);

  const topics = new TopicStatsRegistry();
  const a = topics.of('a');
  assert.equal(topics.of('a'), a, 'one object per topic, shared by its partitions');
  a.bytesIn += 10;
  topics.of('b').messagesIn += 1;
  assert.deepEqual([...topics.entries()].map(([t]) => t), ['a', 'b']);
  topics.remove('a');
  assert.deepEqual([...topics.entries()].map(([t]) => t), ['b']);
  assert.equal(topics.of('a').bytesIn, 0, 'a topic made again starts from zero');

  const stats = new BrokerStats();
  stats.authenticationFailed('SASL_SSL');
  stats.authenticationFailed('SASL_SSL');
  stats.authenticationFailed('SASL_PLAINTEXT');
  assert.deepEqual([...stats.failedAuthentications], [['SASL_SSL', 2], ['SASL_PLAINTEXT', 1]]);
});
