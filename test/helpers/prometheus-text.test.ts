// The test parser of the Prometheus text format is strict: what it accepts is well formed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

test('the Prometheus text parser reads samples, labels with escapes and special values', () => {
  const m = parsePrometheusText([
    '# HELP a_total A counter.',
    '# TYPE a_total counter',
    'a_total{topic="x",note="q\\"uote\\\\ and\\nline"} 12',
    'a_total{topic="y"} 3 1700000000000',
    '# TYPE h histogram',
    'h_bucket{le="0.5"} 1',
    'h_bucket{le="+Inf"} 2',
    'h_sum 0.75',
    'h_count 2',
    '# TYPE g gauge',
    'g Nan',
    'g{x="1"} +Inf',
    '',
  ].join('\n'));
  assert.equal(sampleValue(m, 'a_total', { topic: 'x' }), 12);
  assert.equal(m.samples[0]!.labels.note, 'q"uote\\ and\nline');
  assert.equal(sampleValue(m, 'h_count'), 2);
  assert.equal(sampleValue(m, 'h_bucket', { le: '+Inf' }), 2);
  assert.ok(Number.isNaN(m.samples.find((s) => s.name === 'g' && s.labels.x === undefined)!.value));
  assert.equal(sampleValue(m, 'g', { x: '1' }), Infinity);
  assert.equal(m.types.get('h'), 'histogram');
  assert.throws(() => sampleValue(m, 'a_total'), /2 samples/);
});

test('the Prometheus text parser refuses what Prometheus would', () => {
  const typed = (line: string) => `# TYPE m gauge\n${line}\n`;
  for (const [text, why] of [
    ['m 1\n', /before its TYPE/],
    [typed('m{a="1"} x'), /bad value/],
    [typed('m{a=1} 1'), /bad label/],
    [typed('m{a="1} 1'), /unterminated/],
    [typed('m{a="\\t"} 1'), /bad escape/],
    [typed('m{a="1",a="2"} 1'), /twice/],
    [typed('m{1a="1"} 1'), /bad label/],
    [typed('m'), /no value/],
    [typed('m 1 2 3'), /bad value or timestamp/],
    [`${typed('m 1')}m 2\n`, /duplicate series/],
    ['# TYPE m gauge\n# TYPE m gauge\n', /TYPE given twice/],
    ['# TYPE m meter\n', /unknown type/],
    [typed('m-x 1'), /bad metric name/],
  ] as const) {
    assert.throws(() => parsePrometheusText(text), why, text);
  }
});
