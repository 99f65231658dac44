/**
 * Consumer lag per group and partition, computed at scrape time as the log's high watermark
 * minus the group's committed offset (what `millrace group describe` and
 * kafka-consumer-groups.sh show). Only groups this broker coordinates (their offsets are loaded
 * here) and partitions whose log is on this broker are reported: in a cluster the other pairs
 * are reported by the broker that holds both, or by none. One pass fills both families.
 */
import type { Broker } from '../../broker/broker.js';
import { label, MetricFamily } from './exposition.js';
import { partitionLabels } from './broker-metrics.js';

export function writeGroupMetrics(broker: Broker): string {
  const lag = new MetricFamily('millrace_consumer_group_lag', 'Records between a group\'s committed offset and the partition\'s high watermark (kafka-consumer-groups LAG).', 'gauge');
  const committedOffset = new MetricFamily('millrace_consumer_group_committed_offset', 'A group\'s committed offset of a partition (kafka-consumer-groups CURRENT-OFFSET).', 'gauge');
  if (broker.phase === 'running') {
    const store = broker.groups.offsets.store;
    for (const group of store.groupIds()) {
      const topics = store.group(group);
      if (topics === undefined) continue;
      const groupLabel = label('group', group);
      for (const [topic, partitions] of topics) {
        for (const [partition, committed] of partitions) {
          const log = broker.logs.getLog(topic, partition);
          if (log === undefined || log.isClosed) continue;
          const labels = `${groupLabel},${partitionLabels.of(log, log)}`;
          const offset = Number(committed.committedOffset);
          lag.sample('millrace_consumer_group_lag', labels, Math.max(0, log.highWatermark - offset));
          committedOffset.sample('millrace_consumer_group_committed_offset', labels, offset);
        }
      }
    }
  }
  return `${lag}\n${committedOffset}\n`;
}
