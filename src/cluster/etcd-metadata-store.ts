import type { BrokerEndpoint } from './metadata.js';
import { EtcdKv } from './kv/etcd-kv.js';
import { KvMetadataStore } from './kv-metadata-store.js';
import type { ClusterLogger } from './cluster-logger.js';
import type { LeaderRebalanceConfig } from './leader-rebalance.js';

export interface EtcdMetadataStoreOptions {
  hosts: readonly string[];
  root: string;
  logDir: string;
  self: BrokerEndpoint;
  logger: ClusterLogger;
  uncleanLeaderElection: boolean;
  minInsyncReplicas: number;
  leaderRebalance: LeaderRebalanceConfig;
  sessionTtlSeconds?: number;
}

/**
 * The metadata store of a cluster: `KvMetadataStore` on its own etcd client. Loaded with a
 * dynamic import only when `metadata.store` names etcd, so a single node never loads gRPC.
 */
export async function openEtcdMetadataStore(o: EtcdMetadataStoreOptions): Promise<KvMetadataStore> {
  const kv = new EtcdKv({ hosts: o.hosts });
  try {
    return await KvMetadataStore.open({
      kv,
      ownsKv: true,
      root: o.root,
      self: o.self,
      logDir: o.logDir,
      logger: o.logger,
      uncleanLeaderElection: o.uncleanLeaderElection,
      minInsyncReplicas: o.minInsyncReplicas,
      leaderRebalance: o.leaderRebalance,
      ...(o.sessionTtlSeconds === undefined ? {} : { sessionTtlSeconds: o.sessionTtlSeconds }),
    });
  } catch (err) {
    await kv.close();
    throw err;
  }
}
