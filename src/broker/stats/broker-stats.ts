/**
 * The broker's own counters, kept as plain numbers on the hot paths and read by the console's
 * Prometheus collectors at scrape time (src/console/metrics/). Nothing here knows Prometheus:
 * a produce or fetch touches a field of an object it already holds, never a label lookup.
 * Their meanings are Kafka's (BrokerTopicMetrics, RequestMetrics, ReplicaManager,
 * socket-server-metrics); docs/metrics.md maps them to their Prometheus names.
 */
import { LatencyHistograms } from './latency-histograms.js';

/** kafka.server:type=BrokerTopicMetrics of one topic (and, as `all`, of every topic). */
export class TopicStats {
  /** BytesInPerSec: bytes of record batches appended by producers. */
  bytesIn = 0;
  /** BytesOutPerSec: bytes of records sent to consumers. */
  bytesOut = 0;
  /** MessagesInPerSec: records appended by producers. */
  messagesIn = 0;
  /** ReplicationBytesOutPerSec: bytes of records sent to followers. */
  replicationBytesOut = 0;
}

/** TopicStats by topic name; an entry lives until its topic is deleted. */
export class TopicStatsRegistry {
  private readonly byTopic = new Map<string, TopicStats>();

  /** The topic's stats, made on first use. */
  of(topic: string): TopicStats {
    let s = this.byTopic.get(topic);
    if (s === undefined) {
      s = new TopicStats();
      this.byTopic.set(topic, s);
    }
    return s;
  }

  remove(topic: string): void {
    this.byTopic.delete(topic);
  }

  entries(): IterableIterator<[string, TopicStats]> {
    return this.byTopic.entries();
  }
}

/** API keys go up to 80 or so; one slot per key, indexed directly. */
export const MAX_API_KEY = 127;

/**
 * kafka.network:type=RequestMetrics per API key: requests answered, their total time
 * (TotalTimeMs: from dispatch to the response handed to the connection) and their queue time
 * (RequestQueueTimeMs: from the socket read that completed the frame to its dispatch).
 */
export class RequestStats {
  readonly count = new Float64Array(MAX_API_KEY + 1);
  readonly totalTime = new LatencyHistograms(MAX_API_KEY + 1);
  readonly queueTime = new LatencyHistograms(MAX_API_KEY + 1);

  /** One request of `apiKey` answered `totalMs` after dispatch, having waited `queueMs` before it. */
  record(apiKey: number, queueMs: number, totalMs: number): void {
    if (apiKey < 0 || apiKey > MAX_API_KEY) return;
    this.count[apiKey]! += 1;
    this.queueTime.record(apiKey, queueMs);
    this.totalTime.record(apiKey, totalMs);
  }
}

/** Everything the broker counts for its metrics. */
export class BrokerStats {
  readonly topics = new TopicStatsRegistry();
  readonly requests = new RequestStats();
  /** failed-authentication-total of socket-server-metrics, by listener name. */
  readonly failedAuthentications = new Map<string, number>();
  /** kafka.server:type=ReplicaManager IsrShrinksPerSec / IsrExpandsPerSec: committed ISR changes this broker made as leader. */
  isrShrinks = 0;
  isrExpands = 0;

  authenticationFailed(listener: string): void {
    this.failedAuthentications.set(listener, (this.failedAuthentications.get(listener) ?? 0) + 1);
  }
}
