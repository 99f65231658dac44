/**
 * The broker's metrics in Prometheus form, Kafka's meanings under Prometheus names
 * (docs/metrics.md has the mapping): per topic bytes and messages (BrokerTopicMetrics), per
 * API requests and times (RequestMetrics), replica manager gauges, per partition log size and
 * offsets, connections and failed authentications (socket-server-metrics).
 */
import type { Registry } from 'prom-client';
import type { Broker } from '../../broker/broker.js';
import { apiInfo } from '../../protocol/generated/api-keys.js';
import { collectedCounter, collectedGauge } from './collected.js';
import { ScrapeHistogram, type HistogramSeries } from './scrape-histogram.js';

export function registerBrokerMetrics(registry: Registry, broker: Broker): void {
  registerTopicMetrics(registry, broker);
  registerRequestMetrics(registry, broker);
  registerReplicaMetrics(registry, broker);
  registerLogMetrics(registry, broker);
  registerSocketMetrics(registry, broker);
}

function registerTopicMetrics(registry: Registry, broker: Broker): void {
  const topics = broker.stats.topics;
  collectedCounter(registry, 'millrace_broker_topic_bytes_in_total', 'Bytes of record batches appended by producers (BrokerTopicMetrics BytesInPerSec).', ['topic'], (emit) => {
    for (const [topic, s] of topics.entries()) emit({ topic }, s.bytesIn);
  });
  collectedCounter(registry, 'millrace_broker_topic_bytes_out_total', 'Bytes of records sent to consumers (BrokerTopicMetrics BytesOutPerSec).', ['topic'], (emit) => {
    for (const [topic, s] of topics.entries()) emit({ topic }, s.bytesOut);
  });
  collectedCounter(registry, 'millrace_broker_topic_messages_in_total', 'Records appended by producers (BrokerTopicMetrics MessagesInPerSec).', ['topic'], (emit) => {
    for (const [topic, s] of topics.entries()) emit({ topic }, s.messagesIn);
  });
  collectedCounter(registry, 'millrace_broker_topic_replication_bytes_out_total', 'Bytes of records sent to follower replicas (BrokerTopicMetrics ReplicationBytesOutPerSec).', ['topic'], (emit) => {
    for (const [topic, s] of topics.entries()) emit({ topic }, s.replicationBytesOut);
  });
}

function registerRequestMetrics(registry: Registry, broker: Broker): void {
  const requests = broker.stats.requests;
  // Every API the broker serves has its series, answered or not, so rates start at zero.
  const series = (): HistogramSeries[] => broker.handlers.all().map((h) => ({ labels: { request: apiInfo(h.apiKey)?.name ?? String(h.apiKey) }, slot: h.apiKey }));
  collectedCounter(registry, 'millrace_requests_total', 'Requests answered, per API (RequestMetrics RequestsPerSec).', ['request'], (emit) => {
    for (const s of series()) emit(s.labels, requests.count[s.slot]!);
  });
  // Histograms only for APIs requested at least once: ~20 lines per series would otherwise
  // make every scrape carry a hundred empty ones.
  const used = (): HistogramSeries[] => series().filter((s) => requests.count[s.slot]! > 0);
  new ScrapeHistogram('millrace_request_total_time_seconds', 'Time from dispatch to response, per API (RequestMetrics TotalTimeMs).', requests.totalTime, used).register(registry);
  new ScrapeHistogram(
    'millrace_request_queue_time_seconds',
    'Time a request waited between the socket read that completed it and its dispatch, per API (RequestMetrics RequestQueueTimeMs).',
    requests.queueTime,
    used,
  ).register(registry);
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

function registerReplicaMetrics(registry: Registry, broker: Broker): void {
  collectedGauge(registry, 'millrace_replica_manager_leader_count', 'Partitions this broker leads (ReplicaManager LeaderCount).', [], (emit) => emit({}, leadership(broker).leaders));
  collectedGauge(registry, 'millrace_replica_manager_partition_count', 'Partitions with a replica on this broker (ReplicaManager PartitionCount).', [], (emit) => emit({}, leadership(broker).partitions));
  collectedGauge(
    registry,
    'millrace_replica_manager_under_replicated_partitions',
    'Partitions this broker leads whose ISR is smaller than their replica set (ReplicaManager UnderReplicatedPartitions).',
    [],
    (emit) => emit({}, leadership(broker).underReplicated),
  );
  collectedGauge(
    registry,
    'millrace_controller_offline_partitions',
    'Partitions without a live leader, reported by the active controller (KafkaController OfflinePartitionsCount); 0 on other brokers.',
    [],
    (emit) => emit({}, offlinePartitions(broker)),
  );
  collectedCounter(registry, 'millrace_replica_manager_isr_shrinks_total', 'ISR shrinks committed by this broker as leader (ReplicaManager IsrShrinksPerSec).', [], (emit) => emit({}, broker.stats.isrShrinks));
  collectedCounter(registry, 'millrace_replica_manager_isr_expands_total', 'ISR expansions committed by this broker as leader (ReplicaManager IsrExpandsPerSec).', [], (emit) => emit({}, broker.stats.isrExpands));
}

function offlinePartitions(broker: Broker): number {
  if (broker.phase !== 'running' || broker.metadata.controllerId !== broker.nodeId) return 0;
  const live = new Set(broker.metadata.brokers().map((b) => b.nodeId));
  let offline = 0;
  for (const t of broker.metadata.topics()) for (const p of t.partitions) if (p.leader < 0 || !live.has(p.leader)) offline++;
  return offline;
}

function registerLogMetrics(registry: Registry, broker: Broker): void {
  const each = (read: (topic: string, partition: number, size: number, end: number, start: number) => void): void => {
    if (broker.phase !== 'running') return;
    for (const log of broker.logs.allLogs()) {
      if (log.isClosed) continue;
      read(log.topic, log.partition, log.size, log.logEndOffset, log.logStartOffset);
    }
  };
  collectedGauge(registry, 'millrace_log_size_bytes', 'Bytes of a partition log on disk (kafka.log:Log Size).', ['topic', 'partition'], (emit) => {
    each((topic, partition, size) => emit({ topic, partition }, size));
  });
  collectedGauge(registry, 'millrace_log_end_offset', 'Offset of the next record appended to a partition log (kafka.log:Log LogEndOffset).', ['topic', 'partition'], (emit) => {
    each((topic, partition, _size, end) => emit({ topic, partition }, end));
  });
  collectedGauge(registry, 'millrace_log_start_offset', 'First offset of a partition log (kafka.log:Log LogStartOffset).', ['topic', 'partition'], (emit) => {
    each((topic, partition, _size, _end, start) => emit({ topic, partition }, start));
  });
}

function registerSocketMetrics(registry: Registry, broker: Broker): void {
  collectedGauge(registry, 'millrace_socket_server_connections', 'Open client connections per listener (socket-server-metrics connection-count).', ['listener'], (emit) => {
    for (const c of broker.connectionCounts()) emit({ listener: c.listener }, c.connections);
  });
  collectedCounter(
    registry,
    'millrace_socket_server_failed_authentication_total',
    'Failed SASL authentications per listener (socket-server-metrics failed-authentication-total).',
    ['listener'],
    (emit) => {
      for (const l of broker.config.listenerSettings.listeners) emit({ listener: l.name }, broker.stats.failedAuthentications.get(l.name) ?? 0);
    },
  );
}
