/**
 * The console's Prometheus registry: the broker's metrics (one registry per broker, so several
 * embedded brokers in one process keep theirs apart) and Node's process metrics (event-loop
 * lag, heap, GC: prom-client's default metrics), which belong to the process and are
 * collected once for it whatever the number of brokers.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Broker } from '../../broker/broker.js';
import { registerBrokerMetrics } from './broker-metrics.js';
import { registerGroupMetrics } from './group-metrics.js';

let processRegistry: Registry | null = null;

/** Node's process metrics, registered once per process on first use. */
function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class ConsoleMetrics {
  readonly registry = new Registry();
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;

  constructor(broker: Broker) {
    registerBrokerMetrics(this.registry, broker);
    registerGroupMetrics(this.registry, broker);
  }

  /** The Prometheus text exposition of the process's and the broker's metrics. */
  async scrape(): Promise<string> {
    const [process, broker] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return `${process}\n${broker}`;
  }
}
