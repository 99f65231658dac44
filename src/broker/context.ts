import type { Logger } from 'pino';
import type { LogManager } from '../storage/log-manager.js';
import type { BrokerConfig } from './settings/broker-config.js';
import type { MetadataStore } from '../cluster/metadata.js';
import type { HandlerRegistry } from './handlers/registry.js';
import type { Partitions } from './partition.js';
import type { LogDirMover } from './log-dir-mover.js';
import type { ProduceServices } from './produce/produce-services.js';
import type { FetchService } from './fetch/fetch-service.js';
import type { GroupCoordinator } from '../coordinator/group/coordinator.js';
import type { TransactionCoordinator } from '../coordinator/txn/transaction-coordinator.js';
import type { StandardAuthorizer } from '../security/authorizer/standard-authorizer.js';
import type { AddPartitionsToTxnSender } from './txn/add-partitions-to-txn-sender.js';
import type { BrokerStats } from './stats/broker-stats.js';
import type { ClientQuotas } from './quotas/client-quotas.js';
import type { ShareServices } from './share/share-services.js';
import type { DelegationTokenManager } from '../security/delegation-tokens.js';

/**
 * Everything a handler may use: the broker's settings, its logs, the metadata image and the
 * registry (for ApiVersions). Handlers stay thin and put state changes in these objects.
 */
export interface BrokerContext {
  readonly nodeId: number;
  readonly config: BrokerConfig;
  readonly logs: LogManager;
  readonly metadata: MetadataStore;
  /** This broker's partitions: what Produce, Fetch and the offset APIs ask of a partition. */
  readonly partitions: Partitions;
  /** Moves partitions between this broker's log directories (AlterReplicaLogDirs). */
  readonly logDirMover: LogDirMover;
  readonly handlers: HandlerRegistry;
  readonly logger: Logger;
  /** Produce path state: producer ids, idempotence, per-partition append order. */
  readonly produce: ProduceServices;
  /** Fetch path state: fetch sessions and waiting (long-poll) fetches. */
  readonly fetch: FetchService;
  /** Consumer groups and committed offsets (state in __consumer_offsets). */
  readonly groups: GroupCoordinator;
  /** Transactional ids and their transactions (state in __transaction_state). */
  readonly transactions: TransactionCoordinator;
  /** Share groups' sessions and share-partitions (state in __share_group_state). */
  readonly share: ShareServices;
  /**
   * How partition leaders ask the transaction coordinator of another broker to verify or add
   * partitions (KIP-890); null on a single node, where the coordinator is always here.
   */
  readonly txnVerification: AddPartitionsToTxnSender | null;
  /**
   * The ACL authorizer when `authorizer.class.name` names one; null lets every request
   * through, as Kafka without an authorizer. Handlers ask it through authorize.ts.
   */
  readonly authorizer: StandardAuthorizer | null;
  /** Delegation tokens (KIP-48): create, renew, expire, describe, and SCRAM with a token. */
  readonly delegationTokens: DelegationTokenManager;
  /** Client quotas (producer/consumer byte rates, request percentage), charged by the dispatcher. */
  readonly clientQuotas: ClientQuotas;
  /** Plain counters for the metrics (bytes in/out per topic, request times per API, ...), read at scrape time. */
  readonly stats: BrokerStats;
}
