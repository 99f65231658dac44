/**
 * Consumer lag per group and partition, computed at scrape time as the log's high watermark
 * minus the group's committed offset (what `millrace group describe` and
 * kafka-consumer-groups.sh show). Only groups this broker coordinates (their offsets are loaded
 * here) and partitions whose log is on this broker are reported: in a cluster the other pairs
 * are reported by the broker that holds both, or by none.
 */
import type { Registry } from 'prom-client';
import type { Broker } from '../../broker/broker.js';
import { collectedGauge } from './collected.js';

interface GroupPartitionOffsets {
  group: string;
  topic: string;
  partition: number;
  committed: number;
  highWatermark: number;
}

function eachCommitted(broker: Broker, read: (o: GroupPartitionOffsets) => void): void {
  if (broker.phase !== 'running') return;
  const store = broker.groups.offsets.store;
  for (const group of store.groupIds()) {
    const topics = store.group(group);
    if (topics === undefined) continue;
    for (const [topic, partitions] of topics) {
      for (const [partition, committed] of partitions) {
        const log = broker.logs.getLog(topic, partition);
        if (log === undefined || log.isClosed) continue;
        read({ group, topic, partition, committed: Number(committed.committedOffset), highWatermark: log.highWatermark });
      }
    }
  }
}

export function registerGroupMetrics(registry: Registry, broker: Broker): void {
  collectedGauge(
    registry,
    'millrace_consumer_group_lag',
    'Records between a group\'s committed offset and the partition\'s high watermark (kafka-consumer-groups LAG).',
    ['group', 'topic', 'partition'],
    (emit) => eachCommitted(broker, (o) => emit({ group: o.group, topic: o.topic, partition: o.partition }, Math.max(0, o.highWatermark - o.committed))),
  );
  collectedGauge(
    registry,
    'millrace_consumer_group_committed_offset',
    'A group\'s committed offset of a partition (kafka-consumer-groups CURRENT-OFFSET).',
    ['group', 'topic', 'partition'],
    (emit) => eachCommitted(broker, (o) => emit({ group: o.group, topic: o.topic, partition: o.partition }, o.committed)),
  );
}
