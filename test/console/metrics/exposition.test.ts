// The text-format writer the broker's metrics use: escaping, value spellings, label text kept
// per object, and histograms read from LatencyHistograms, all read back by the strict parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLabelValue, label, LabelTexts, MetricFamily } from '../../../src/console/metrics/exposition.js';
import { HistogramSeries, writeHistogram } from '../../../src/console/metrics/scrape-histogram.js';
import { LATENCY_BUCKETS_MS, LatencyHistograms } from '../../../src/broker/stats/latency-histograms.js';
import { parsePrometheusText, sampleValue } from '../../helpers/prometheus-text.js';

test('label values are escaped so that any group id reads back unchanged', () => {
  const awkward = 'a "quoted" back\\slash and\nnewline';
  assert.equal(escapeLabelValue(awkward), 'a \\"quoted\\" back\\\\slash and\\nnewline');
  const family = new MetricFamily('millrace_consumer_group_lag', 'Lag with a back\\slash\nand a newline in its help.', 'gauge');
  family.sample('millrace_consumer_group_lag', `${label('group', awkward)},${label('partition', 3)}`, 7);
  family.sample('millrace_consumer_group_lag', `${label('group', 'plain')},${label('partition', 0)}`, 0);
  const text = family.toString();
  assert.match(text, /^# HELP millrace_consumer_group_lag Lag with a back\\\\slash\\nand a newline in its help\.\n# TYPE millrace_consumer_group_lag gauge\n/);
  const parsed = parsePrometheusText(text);
  assert.equal(parsed.types.get('millrace_consumer_group_lag'), 'gauge');
  assert.equal(sampleValue(parsed, 'millrace_consumer_group_lag', { group: awkward, partition: '3' }), 7);
  assert.equal(sampleValue(parsed, 'millrace_consumer_group_lag', { group: 'plain' }), 0);
});

test('values: integers and fractions as JavaScript prints them, infinities and NaN as Prometheus spells them', () => {
  const family = new MetricFamily('m', 'h', 'gauge');
  family.sample('m', label('k', 'int'), 12345678901);
  family.sample('m', label('k', 'frac'), 0.25);
  family.sample('m', label('k', 'inf'), Infinity);
  family.sample('m', label('k', 'ninf'), -Infinity);
  family.sample('m', label('k', 'nan'), NaN);
  family.sample('m', '', 1);
  const lines = family.toString().split('\n').filter((l) => !l.startsWith('#') && l !== '');
  assert.deepEqual(lines, ['m{k="int"} 12345678901', 'm{k="frac"} 0.25', 'm{k="inf"} +Inf', 'm{k="ninf"} -Inf', 'm{k="nan"} NaN', 'm 1']);
  const parsed = parsePrometheusText(family.toString());
  assert.ok(Number.isNaN(sampleValue(parsed, 'm', { k: 'nan' })));
  assert.equal(sampleValue(parsed, 'm', { k: 'ninf' }), -Infinity);
});

test('LabelTexts makes an object\'s label text once and hands the same text back after', () => {
  let made = 0;
  const texts = new LabelTexts<{ id: number }, string>((name) => {
    made++;
    return label('topic', name);
  });
  const a = { id: 1 };
  const b = { id: 2 };
  assert.equal(texts.of(a, 'orders'), 'topic="orders"');
  assert.equal(texts.of(a, 'ignored once made'), 'topic="orders"');
  assert.equal(texts.of(b, 'payments'), 'topic="payments"');
  assert.equal(made, 2);
});

test('writeHistogram: cumulative buckets in seconds, sum in seconds, count; unused series left out', () => {
  const h = new LatencyHistograms(4);
  h.record(1, 0.05); // first bucket (<= 0.1 ms)
  h.record(1, 3); // <= 5 ms
  h.record(1, 60000); // +Inf
  const series = [new HistogramSeries(label('request', 'Produce'), 1), new HistogramSeries(label('request', 'Fetch'), 2)];
  const text = writeHistogram('millrace_request_total_time_seconds', 'Total time.', h, series, (s) => h.count(s.slot) > 0);
  const parsed = parsePrometheusText(text);
  assert.equal(parsed.types.get('millrace_request_total_time_seconds'), 'histogram');
  const bucket = (le: string) => sampleValue(parsed, 'millrace_request_total_time_seconds_bucket', { request: 'Produce', le });
  assert.equal(bucket('0.0001'), 1);
  assert.equal(bucket('0.0025'), 1);
  assert.equal(bucket('0.005'), 2);
  assert.equal(bucket('30'), 2);
  assert.equal(bucket('+Inf'), 3);
  assert.equal(parsed.samples.filter((s) => s.name.endsWith('_bucket')).length, LATENCY_BUCKETS_MS.length + 1);
  assert.equal(sampleValue(parsed, 'millrace_request_total_time_seconds_count', { request: 'Produce' }), 3);
  assert.ok(Math.abs(sampleValue(parsed, 'millrace_request_total_time_seconds_sum', { request: 'Produce' }) - 60.00305) < 1e-9);
  assert.equal(parsed.samples.filter((s) => s.labels.request === 'Fetch').length, 0);
});
