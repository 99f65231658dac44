/**
 * The broker's metrics in Prometheus form, Kafka's meanings under Prometheus names
 * (docs/metrics.md has the mapping): per topic bytes and messages (BrokerTopicMetrics), per
 * API requests and times (RequestMetrics), replica manager gauges, per partition log size and
 * offsets, connections and failed authentications (socket-server-metrics).
 *
 * Written as text at scrape time from the broker's plain counters (src/broker/stats/), each
 * source read once per scrape: one pass over the logs fills the three per-partition families,
 * one pass over the metadata the three leadership gauges. Label text is made once per topic,
 * log and API and kept (exposition.ts), so a scrape of an unchanged broker allocates its
 * output and little else.
 */
import type { Broker } from '../../broker/broker.js';
import type { TopicStats } from '../../broker/stats/broker-stats.js';
import type { ApiHandler } from '../../broker/handlers/handler.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { apiInfo } from '../../protocol/generated/api-keys.js';
import { label, LabelTexts, MetricFamily } from './exposition.js';
import { HistogramSeries, writeHistogram } from './scrape-histogram.js';

/** `topic="t",partition="p"` of a partition's log; shared with the group metrics. */
export const partitionLabels = new LabelTexts<PartitionLog>((log) => `${label('topic', log.topic)},${label('partition', log.partition)}`);

export class BrokerMetrics {
  private readonly broker: Broker;
  private readonly topicLabels = new LabelTexts<TopicStats, string>((topic) => label('topic', topic));
  /** Every API the broker serves, as histogram series; the handler set is fixed at start-up. */
  private apis: readonly HistogramSeries[] = [];
  private apisOf: readonly ApiHandler[] | null = null;

  constructor(broker: Broker) {
    this.broker = broker;
  }

  /** The broker's families as Prometheus text, in a fixed order. */
  write(): string {
    return this.topicMetrics() + this.requestMetrics() + this.replicaMetrics() + this.logMetrics() + this.socketMetrics();
  }

  private topicMetrics(): string {
    const bytesIn = new MetricFamily('millrace_broker_topic_bytes_in_total', 'Bytes of record batches appended by producers (BrokerTopicMetrics BytesInPerSec).', 'counter');
    const bytesOut = new MetricFamily('millrace_broker_topic_bytes_out_total', 'Bytes of records sent to consumers (BrokerTopicMetrics BytesOutPerSec).', 'counter');
    const messagesIn = new MetricFamily('millrace_broker_topic_messages_in_total', 'Records appended by producers (BrokerTopicMetrics MessagesInPerSec).', 'counter');
    const replicationOut = new MetricFamily('millrace_broker_topic_replication_bytes_out_total', 'Bytes of records sent to follower replicas (BrokerTopicMetrics ReplicationBytesOutPerSec).', 'counter');
    for (const [topic, s] of this.broker.stats.topics.entries()) {
      const labels = this.topicLabels.of(s, topic);
      bytesIn.sample('millrace_broker_topic_bytes_in_total', labels, s.bytesIn);
      bytesOut.sample('millrace_broker_topic_bytes_out_total', labels, s.bytesOut);
      messagesIn.sample('millrace_broker_topic_messages_in_total', labels, s.messagesIn);
      replicationOut.sample('millrace_broker_topic_replication_bytes_out_total', labels, s.replicationBytesOut);
    }
    return `${bytesIn}\n${bytesOut}\n${messagesIn}\n${replicationOut}\n`;
  }

  private apiSeries(): readonly HistogramSeries[] {
    const handlers = this.broker.handlers.all();
    if (handlers !== this.apisOf) {
      this.apis = handlers.map((h) => new HistogramSeries(label('request', apiInfo(h.apiKey)?.name ?? String(h.apiKey)), h.apiKey));
      this.apisOf = handlers;
    }
    return this.apis;
  }

  private requestMetrics(): string {
    const requests = this.broker.stats.requests;
    const series = this.apiSeries();
    // Every API the broker serves has its count, answered or not, so rates start at zero.
    const total = new MetricFamily('millrace_requests_total', 'Requests answered, per API (RequestMetrics RequestsPerSec).', 'counter');
    for (const s of series) total.sample('millrace_requests_total', s.labels, requests.count[s.slot]!);
    // Histograms only for APIs requested at least once: ~20 lines per series would otherwise
    // make every scrape carry a hundred empty ones.
    const used = (s: HistogramSeries): boolean => requests.count[s.slot]! > 0;
    const totalTime = writeHistogram('millrace_request_total_time_seconds', 'Time from dispatch to response, per API (RequestMetrics TotalTimeMs).', requests.totalTime, series, used);
    const queueTime = writeHistogram(
      'millrace_request_queue_time_seconds',
      'Time a request waited between the socket read that completed it and its dispatch, per API (RequestMetrics RequestQueueTimeMs).',
      requests.queueTime,
      series,
      used,
    );
    return `${total}\n${totalTime}\n${queueTime}\n`;
  }

  private replicaMetrics(): string {
    const { leaders, partitions, underReplicated } = leadership(this.broker);
    const stats = this.broker.stats;
    return [
      single('millrace_replica_manager_leader_count', 'Partitions this broker leads (ReplicaManager LeaderCount).', 'gauge', leaders),
      single('millrace_replica_manager_partition_count', 'Partitions with a replica on this broker (ReplicaManager PartitionCount).', 'gauge', partitions),
      single('millrace_replica_manager_under_replicated_partitions', 'Partitions this broker leads whose ISR is smaller than their replica set (ReplicaManager UnderReplicatedPartitions).', 'gauge', underReplicated),
      single('millrace_controller_offline_partitions', 'Partitions without a live leader, reported by the active controller (KafkaController OfflinePartitionsCount); 0 on other brokers.', 'gauge', offlinePartitions(this.broker)),
      single('millrace_replica_manager_isr_shrinks_total', 'ISR shrinks committed by this broker as leader (ReplicaManager IsrShrinksPerSec).', 'counter', stats.isrShrinks),
      single('millrace_replica_manager_isr_expands_total', 'ISR expansions committed by this broker as leader (ReplicaManager IsrExpandsPerSec).', 'counter', stats.isrExpands),
    ].join('');
  }

  private logMetrics(): string {
    const size = new MetricFamily('millrace_log_size_bytes', 'Bytes of a partition log on disk (kafka.log:Log Size).', 'gauge');
    const end = new MetricFamily('millrace_log_end_offset', 'Offset of the next record appended to a partition log (kafka.log:Log LogEndOffset).', 'gauge');
    const start = new MetricFamily('millrace_log_start_offset', 'First offset of a partition log (kafka.log:Log LogStartOffset).', 'gauge');
    if (this.broker.phase === 'running') {
      for (const log of this.broker.logs.allLogs()) {
        if (log.isClosed) continue;
        const labels = partitionLabels.of(log, log);
        size.sample('millrace_log_size_bytes', labels, log.size);
        end.sample('millrace_log_end_offset', labels, log.logEndOffset);
        start.sample('millrace_log_start_offset', labels, log.logStartOffset);
      }
    }
    return `${size}\n${end}\n${start}\n`;
  }

  private socketMetrics(): string {
    const connections = new MetricFamily('millrace_socket_server_connections', 'Open client connections per listener (socket-server-metrics connection-count).', 'gauge');
    for (const c of this.broker.connectionCounts()) connections.sample('millrace_socket_server_connections', label('listener', c.listener), c.connections);
    const failed = new MetricFamily(
      'millrace_socket_server_failed_authentication_total',
      'Failed SASL authentications per listener (socket-server-metrics failed-authentication-total).',
      'counter',
    );
    for (const l of this.broker.config.listenerSettings.listeners) {
      failed.sample('millrace_socket_server_failed_authentication_total', label('listener', l.name), this.broker.stats.failedAuthentications.get(l.name) ?? 0);
    }
    return `${connections}\n${failed}\n`;
  }
}

/** A family of one unlabelled sample, with the blank line that ends a family. */
function single(name: string, help: string, type: 'counter' | 'gauge', value: number): string {
  const family = new MetricFamily(name, help, type);
  family.sample(name, '', value);
  return `${family}\n`;
}

/** Partitions of the metadata image this broker leads, and how many of them lack in-sync replicas. */
function leadership(broker: Broker): { leaders: number; underReplicated: number; partitions: number } {
  let leaders = 0;
  let underReplicated = 0;
  let partitions = 0;
  if (broker.phase !== 'running') return { leaders, underReplicated, partitions };
  const fenced = broker.partitions.fenced;
  for (const t of broker.metadata.topics()) {
    for (const p of t.partitions) {
      if (p.replicas.includes(broker.nodeId)) partitions++;
      if (fenced || p.leader !== broker.nodeId) continue;
      leaders++;
      if (p.isr.length < p.replicas.length) underReplicated++;
    }
  }
  return { leaders, underReplicated, partitions };
}

function offlinePartitions(broker: Broker): number {
  if (broker.phase !== 'running' || broker.metadata.controllerId !== broker.nodeId) return 0;
  const live = new Set(broker.metadata.brokers().map((b) => b.nodeId));
  let offline = 0;
  for (const t of broker.metadata.topics()) for (const p of t.partitions) if (p.leader < 0 || !live.has(p.leader)) offline++;
  return offline;
}
