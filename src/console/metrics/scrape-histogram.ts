/**
 * A Prometheus histogram whose buckets are counted elsewhere (LatencyHistograms in the
 * broker's stats) and read at scrape time. prom-client's own Histogram counts observations
 * itself, one label lookup each, which the request path must not pay; this object has the
 * shape prom-client's Registry asks of a metric (name, help, type, get) instead.
 */
import type { Registry } from 'prom-client';
import { LATENCY_BUCKETS_MS, type LatencyHistograms } from '../../broker/stats/latency-histograms.js';

interface SampleValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

/** The series of one histogram: its label values and its slot in `histograms`. */
export interface HistogramSeries {
  readonly labels: Record<string, string>;
  readonly slot: number;
}

const LE = LATENCY_BUCKETS_MS.map((ms) => String(ms / 1000)).concat('+Inf');

export class ScrapeHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly histograms: LatencyHistograms;
  private readonly series: () => Iterable<HistogramSeries>;

  constructor(name: string, help: string, histograms: LatencyHistograms, series: () => Iterable<HistogramSeries>) {
    this.name = name;
    this.help = help;
    this.histograms = histograms;
    this.series = series;
  }

  register(registry: Registry): void {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** Seconds, as Prometheus wants: the buckets' bounds and the sum are converted from milliseconds. */
  get(): { name: string; help: string; type: string; aggregator: string; values: SampleValue[] } {
    const values: SampleValue[] = [];
    for (const s of this.series()) {
      const cumulative = this.histograms.cumulative(s.slot);
      for (let b = 0; b < cumulative.length; b++) {
        values.push({ value: cumulative[b]!, labels: { ...s.labels, le: LE[b]! }, metricName: `${this.name}_bucket` });
      }
      values.push({ value: this.histograms.sum(s.slot) / 1000, labels: s.labels, metricName: `${this.name}_sum` });
      values.push({ value: this.histograms.count(s.slot), labels: s.labels, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
