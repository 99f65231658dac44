/**
 * The console's Prometheus exposition: Node's process metrics (event-loop lag, heap, GC:
 * prom-client's default metrics), which belong to the process and are collected once for it
 * whatever the number of brokers, then the broker's own metrics, written as text from its
 * counters (one writer per broker, so several embedded brokers in one process keep theirs
 * apart).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Broker } from '../../broker/broker.js';
import { BrokerMetrics } from './broker-metrics.js';
import { writeGroupMetrics } from './group-metrics.js';

let processRegistry: Registry | null = null;

/** Node's process metrics, registered once per process on the first scrape (its GC observer and event-loop monitor cost nothing before). */
function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class ConsoleMetrics {
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  private readonly broker: Broker;
  private readonly brokerMetrics: BrokerMetrics;

  constructor(broker: Broker) {
    this.broker = broker;
    this.brokerMetrics = new BrokerMetrics(broker);
  }

  /** The Prometheus text exposition of the process's and the broker's metrics. */
  async scrape(): Promise<string> {
    const process = await processMetrics().metrics();
    return `${process}\n${this.brokerMetrics.write()}${writeGroupMetrics(this.broker)}`;
  }
}
