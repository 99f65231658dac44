import type { CoordinatorTopicHost } from '../coordinator/coordinator-topic.js';
import type { BrokerContext } from './context.js';
import { createTopic } from './topics.js';

/**
 * The broker as the host of the coordinators' internal topics: the group coordinator's
 * __consumer_offsets and the transaction coordinator's __transaction_state.
 */
export function coordinatorTopicHost(broker: BrokerContext): CoordinatorTopicHost {
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
