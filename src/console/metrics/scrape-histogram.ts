/**
 * Prometheus histograms whose buckets are counted elsewhere (LatencyHistograms in the broker's
 * stats) and read at scrape time: the request path records into flat arrays, never into a
 * labelled prom-client Histogram; a scrape turns the counts cumulative and writes them out.
 */
import { LATENCY_BUCKETS_MS, type LatencyHistograms } from '../../broker/stats/latency-histograms.js';
import { MetricFamily } from './exposition.js';

/** The upper bounds as `le` label text, in seconds, then +Inf. */
const LE = LATENCY_BUCKETS_MS.map((ms) => `le="${ms / 1000}"`).concat('le="+Inf"');

/** The series of one histogram: its label text, its buckets' label text and its slot in the histograms. */
export class HistogramSeries {
  readonly labels: string;
  /** `labels` joined with each `le`, made once. */
  readonly bucketLabels: readonly string[];
  readonly slot: number;

  constructor(labels: string, slot: number) {
    this.labels = labels;
    this.bucketLabels = LE.map((le) => `${labels},${le}`);
    this.slot = slot;
  }
}

/** Seconds, as Prometheus wants: the buckets' bounds and the sum are converted from milliseconds. */
export function writeHistogram(name: string, help: string, histograms: LatencyHistograms, series: readonly HistogramSeries[], used: (s: HistogramSeries) => boolean): string {
  const family = new MetricFamily(name, help, 'histogram');
  const bucketName = `${name}_bucket`;
  const sumName = `${name}_sum`;
  const countName = `${name}_count`;
  for (const s of series) {
    if (!used(s)) continue;
    let cumulative = 0;
    for (let b = 0; b < s.bucketLabels.length; b++) {
      cumulative += histograms.bucket(s.slot, b);
      family.sample(bucketName, s.bucketLabels[b]!, cumulative);
    }
    family.sample(sumName, s.labels, histograms.sum(s.slot) / 1000);
    family.sample(countName, s.labels, histograms.count(s.slot));
  }
  return family.toString();
}
