/**
 * prom-client counters and gauges whose values are read at scrape time (their `collect()`),
 * from the broker's own plain counters: label lookups happen here, once per scrape, never on
 * a request.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type Emit = (labels: Record<string, string | number>, value: number) => void;

/** A counter read by `read` at every scrape; series not emitted again disappear (a deleted topic). */
export function collectedCounter(registry: Registry, name: string, help: string, labelNames: readonly string[], read: (emit: Emit) => void): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      read((labels, value) => this.inc(labels, value));
    },
  });
}

/** A gauge read by `read` at every scrape. */
export function collectedGauge(registry: Registry, name: string, help: string, labelNames: readonly string[], read: (emit: Emit) => void): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      read((labels, value) => this.set(labels, value));
    },
  });
}
