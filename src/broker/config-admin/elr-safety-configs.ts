/**
 * What Kafka 4.4's controller writes with an UpdateFeatures that sets
 * `eligible.leader.replicas.version` above 0 (ConfigurationControlManager's ELR safety
 * records): every broker must judge a partition's ISR against the same min.insync.replicas, so
 * a cluster-level `min.insync.replicas` is set to the static value where none is, and every
 * broker-level one is removed. Here the writes follow the feature change instead of sharing its
 * batch; while ELR is on, alter.ts refuses to set a broker-level value again (elr-config.ts).
 */
import type { BrokerContext } from '../context.js';
import { applyDynamicBrokerConfigs } from './alter.js';

const MIN_ISR = 'min.insync.replicas';

export async function writeElrSafetyConfigs(broker: BrokerContext): Promise<void> {
  const store = broker.metadata;
  if (store.brokerConfigs === undefined || store.setBrokerConfigs === undefined) return;
  const cluster = store.brokerConfigs('');
  let changed = false;
  if (cluster[MIN_ISR] === undefined) {
    await store.setBrokerConfigs('', { ...cluster, [MIN_ISR]: String(broker.config.int(MIN_ISR)) });
    changed = true;
  }
  for (const b of store.brokers()) {
    const scope = String(b.nodeId);
    const own = store.brokerConfigs(scope);
    if (own[MIN_ISR] === undefined) continue;
    const { [MIN_ISR]: _dropped, ...rest } = own;
    await store.setBrokerConfigs(scope, rest);
    changed = true;
  }
  if (changed) applyDynamicBrokerConfigs(broker);
}
