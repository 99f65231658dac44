import type { Logger } from 'pino';
import type { BrokerConfig } from './settings/broker-config.js';
import type { MetadataStoreFactory } from './broker.js';
import type { BrokerEndpoint, MetadataStore } from '../cluster/metadata.js';
import { LocalMetadataStore } from '../cluster/local-metadata-store.js';
import { parseMetadataStore } from '../cluster/metadata-store-url.js';
import type { LeaderRebalanceConfig } from '../cluster/leader-rebalance.js';

/** `auto.leader.rebalance.enable` and `leader.imbalance.check.interval.seconds` for the controller. */
export function leaderRebalanceConfig(config: BrokerConfig): LeaderRebalanceConfig {
  return { enabled: config.bool('auto.leader.rebalance.enable'), intervalMs: config.long('leader.imbalance.check.interval.seconds') * 1000 };
}

/**
 * The metadata store `metadata.store` asks for: the local file store of a single node by
 * default, or the etcd store of a cluster (`etcd://h1:2379,h2:2379`), loaded only then.
 */
export function metadataStoreFactory(config: BrokerConfig): MetadataStoreFactory {
  const location = parseMetadataStore(config.raw('metadata.store'));
  if (location.kind === 'local') return (dir, self) => LocalMetadataStore.open(dir, self);
  return async (dir: string, self: BrokerEndpoint, logger: Logger): Promise<MetadataStore> => {
    const { openEtcdMetadataStore } = await import('../cluster/etcd-metadata-store.js');
    return openEtcdMetadataStore({
      hosts: location.hosts,
      root: location.root,
      logDir: dir,
      self,
      logger: logger.child({ component: 'metadata' }),
      uncleanLeaderElection: config.bool('unclean.leader.election.enable'),
      minInsyncReplicas: config.int('min.insync.replicas'),
      leaderRebalance: leaderRebalanceConfig(config),
      sessionTtlSeconds: Math.max(1, Math.ceil(config.int('broker.session.timeout.ms') / 1000)),
    });
  };
}
