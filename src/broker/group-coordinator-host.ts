import type { OffsetsTopicHost } from '../coordinator/group/offsets-topic.js';
import type { BrokerContext } from './context.js';
import { createTopic } from './topics.js';

/** The broker as the host of the group coordinator's __consumer_offsets. */
export function offsetsTopicHost(broker: BrokerContext): OffsetsTopicHost {
  return {
    nodeId: broker.nodeId,
    logger: broker.logger,
    topic: (name) => broker.metadata.topic(name),
    brokerCount: () => broker.metadata.brokers().length,
    getLog: (topic, partition) => broker.logs.getLog(topic, partition),
    async createInternalTopic(name, partitions, replicationFactor, configs) {
      const r = await createTopic(broker, name, partitions, replicationFactor, configs);
      return r.ok ? { ok: true, partitions: r.topic.partitions.length } : { ok: false, message: r.message };
    },
  };
}
