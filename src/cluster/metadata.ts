/**
 * The cluster metadata the broker serves from: brokers, topics with their ids, partition
 * counts and config overrides. Reads come from an in-memory image and are synchronous;
 * changes are asynchronous because a store may have to agree them with others first (the
 * etcd store). Stores live next to this file; the broker reads the image through
 * `MetadataStore` and finds a topic's partition with `partitionOf`.
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import type { ScramChange, UserScramCredentials } from './scram-credentials.js';
import type { AclBinding, AclSnapshot } from './acls.js';
import type { ClientQuotaSnapshot, QuotaChange } from './client-quotas.js';
import type { FinalizedFeatures, RegisteredFeatures } from './features.js';
import type { TokenInformation } from './delegation-tokens.js';

/** Where a broker can be reached on one of its named listeners. */
export interface ListenerEndpoint {
  /** The listener's name, upper case (PLAINTEXT, SASL_SSL, INTERNAL...). */
  name: string;
  host: string;
  port: number;
  /** PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL. */
  securityProtocol: string;
}

export interface BrokerEndpoint {
  nodeId: number;
  /** The inter-broker listener's address: where other brokers connect (replication, markers). */
  host: string;
  port: number;
  rack: string | null;
  /**
   * Every advertised listener of the broker. Absent for a broker registered with one listener
   * only (by a Millrace before named listeners): then `host:port` serves every listener name.
   */
  listeners?: readonly ListenerEndpoint[];
  /**
   * Its log directories and the cordoned ones among them (`cordoned.log.dirs`, KIP-1066), as
   * Kafka's BrokerRegistration carries them; absent from a Millrace before cordoning.
   */
  logDirs?: readonly string[];
  cordonedLogDirs?: readonly string[];
  /**
   * At registration only: the broker epoch its log directories' clean-shutdown markers record,
   * -1 without them (Kafka's BrokerRegistrationRequest PreviousBrokerEpoch, KIP-966).
   */
  previousBrokerEpoch?: number;
}

/**
 * The broker's address on the listener `name`, as Kafka answers Metadata, DescribeCluster and
 * FindCoordinator with the endpoints of the listener the request came in on; undefined when
 * the broker has no such listener (Kafka then leaves the broker out).
 */
export function endpointOn(broker: BrokerEndpoint, name: string): { host: string; port: number } | undefined {
  const listeners = broker.listeners;
  if (listeners === undefined) return broker;
  for (let i = 0; i < listeners.length; i++) if (listeners[i]!.name === name) return listeners[i];
  return undefined;
}

export interface PartitionMetadata {
  partition: number;
  leader: number;
  leaderEpoch: number;
  /** Bumped on every change of the partition's state (AlterPartition); absent from stores without one. */
  partitionEpoch?: number;
  replicas: number[];
  isr: number[];
  /** Eligible leader replicas (KIP-966); absent when none (always on a single node). */
  elr?: number[];
  /** Last known ELR members (KIP-966); absent when none. */
  lastKnownElr?: number[];
}

export interface TopicMetadata {
  name: string;
  /** 16-byte topic id (Kafka's Uuid). */
  id: Buffer;
  /** One of Kafka's internal topics; stores set it from `isInternalTopic` whatever they were given. */
  internal: boolean;
  partitions: PartitionMetadata[];
  /** Topic-level config overrides, by Kafka's topic config names. */
  configs: Readonly<Record<string, string>>;
}

/** Config resources kept by name besides topics and brokers: groups and client metrics subscriptions. */
export type EntityConfigType = 'groups' | 'client-metrics';

export const ENTITY_CONFIG_TYPES: readonly EntityConfigType[] = ['groups', 'client-metrics'];

export interface MetadataStore {
  readonly clusterId: string;
  readonly controllerId: number;
  brokers(): readonly BrokerEndpoint[];
  topics(): IterableIterator<TopicMetadata>;
  topic(name: string): TopicMetadata | undefined;
  topicById(id: Buffer): TopicMetadata | undefined;
  /**
   * Creates a topic; the caller has validated name, counts and configs. Fails with a
   * MetadataError TOPIC_ALREADY_EXISTS when the name is taken (a concurrent creator won).
   */
  createTopic(name: string, partitions: number, replicationFactor: number, configs: Record<string, string>, internal?: boolean): Promise<TopicMetadata>;
  deleteTopic(name: string): Promise<TopicMetadata | undefined>;
  /** Raises the partition count to `total`; MetadataError UNKNOWN_TOPIC_OR_PARTITION when the topic is gone. */
  createPartitions(name: string, total: number): Promise<TopicMetadata>;
  /** Replaces the topic's config overrides; MetadataError UNKNOWN_TOPIC_OR_PARTITION when the topic is gone. */
  setTopicConfigs(name: string, configs: Record<string, string>): Promise<TopicMetadata>;
  /**
   * Dynamic broker configs (KIP-226) of one scope: `''` for the cluster-wide defaults, or a
   * broker id for that broker's own. A store without them leaves both methods out, and
   * dynamic broker config changes are then refused.
   */
  brokerConfigs?(scope: string): Readonly<Record<string, string>>;
  /** Replaces the dynamic broker configs of a scope. */
  setBrokerConfigs?(scope: string, configs: Record<string, string>): Promise<void>;
  /**
   * This broker's log directories and the cordoned ones (absolute paths), for its
   * registration: the controller places no new replica on a broker whose every directory is
   * cordoned. Called at start-up and whenever `cordoned.log.dirs` changes.
   */
  setLogDirs(logDirs: readonly string[], cordoned: readonly string[]): void;
  /**
   * The configs of a group or client metrics subscription (Kafka's GROUP and CLIENT_METRICS
   * config resources), by resource name; empty when it has none.
   */
  entityConfigs(type: EntityConfigType, name: string): Readonly<Record<string, string>>;
  /** The names of the resources of `type` that have configs (ListConfigResources). */
  entityConfigNames(type: EntityConfigType): string[];
  /** Replaces a resource's configs; an empty set removes the resource. */
  setEntityConfigs(type: EntityConfigType, name: string, configs: Record<string, string>): Promise<void>;
  /**
   * ElectLeaders of a store whose leaders can move (a cluster's): elections of Kafka's
   * ElectionType for the given partitions (null: all), with an error code per partition.
   * A single node leaves it out: its one broker always leads.
   */
  electLeaders?(type: number, partitions: ReadonlyArray<{ topic: string; partition: number }> | null): Promise<Array<{ topic: string; partition: number; errorCode: number }>>;
  /**
   * AlterPartitionReassignments of a store whose replicas can move (a cluster's): target
   * replicas per partition, null to cancel. A single node leaves it out.
   */
  alterPartitionReassignments?(
    requests: ReadonlyArray<{ topic: string; partition: number; replicas: readonly number[] | null; allowReplicationFactorChange?: boolean }>,
  ): Promise<Array<{ topic: string; partition: number; errorCode: number; message: string | null }>>;
  /**
   * Reserves the next `size` producer ids for this broker, unique across a cluster's brokers
   * (every broker answers InitProducerId). A single node leaves it out and keeps its blocks in
   * its log directory.
   */
  allocateProducerIds?(size: number): Promise<{ first: number; last: number }>;
  /** ListPartitionReassignments: the ongoing reassignments (null: of every partition). */
  listPartitionReassignments?(
    partitions: ReadonlyArray<{ topic: string; partition: number }> | null,
  ): Array<{ topic: string; partition: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }>;
  /** A user's SCRAM credentials by mechanism; undefined when the user has none. */
  scramCredentials(user: string): UserScramCredentials | undefined;
  /** Every user with a SCRAM credential. */
  scramUsers(): IterableIterator<string>;
  /** Applies validated AlterUserScramCredentials changes, all or none. */
  alterScramCredentials(changes: readonly ScramChange[]): Promise<void>;
  /** The delegation tokens by id: a map replaced (never mutated) on every change. */
  delegationTokens(): ReadonlyMap<string, TokenInformation>;
  /**
   * Writes a new token (`basis` undefined) or a token's new expiry, computed from `basis` as
   * read from `delegationTokens()`; MetadataError when the token changed or went meanwhile.
   */
  putDelegationToken(token: TokenInformation, basis: TokenInformation | undefined): Promise<void>;
  /** Removes the tokens of `tokenIds` (expired ones, or expired at once); unknown ids are ignored. */
  removeDelegationTokens(tokenIds: readonly string[]): Promise<void>;
  /** The cluster's ACLs: a snapshot replaced (never mutated) on every change. */
  acls(): AclSnapshot;
  /**
   * Creates `add` and deletes `remove` (validated bindings) in one change; creating an ACL
   * that exists and deleting one that does not are no-ops, as in Kafka.
   */
  alterAcls(add: readonly AclBinding[], remove: readonly AclBinding[]): Promise<void>;
  /** The cluster's client quotas: a snapshot replaced (never mutated) on every change. */
  clientQuotas(): ClientQuotaSnapshot;
  /** Applies validated AlterClientQuotas changes in one change. */
  alterClientQuotas(changes: readonly QuotaChange[]): Promise<void>;
  /** The finalized feature levels and their epoch (features.ts), replaced on every change. */
  finalizedFeatures(): FinalizedFeatures;
  /**
   * Finalizes `levels` (every supported feature, validated by planFeatureUpdates against
   * `basis`); MetadataError when the levels changed since `basis` was read.
   */
  setFeatureLevels(levels: ReadonlyMap<string, number>, basis: FinalizedFeatures): Promise<void>;
  /**
   * The supported feature ranges of the cluster's registered brokers, for UpdateFeatures to
   * check; a single node leaves it out (its broker is this one).
   */
  registeredFeatures?(): RegisteredFeatures[];
  close(): Promise<void>;
}

/**
 * A change the store refused, with the Kafka error code that says why (TOPIC_ALREADY_EXISTS,
 * UNKNOWN_TOPIC_OR_PARTITION), so callers branch on the code, never on the message.
 */
export class MetadataError extends Error {
  readonly errorCode: number;

  constructor(errorCode: number, message: string) {
    super(message);
    this.name = 'MetadataError';
    this.errorCode = errorCode;
  }
}

export function isMetadataError(e: unknown, errorCode?: number): e is MetadataError {
  return e instanceof MetadataError && (errorCode === undefined || e.errorCode === errorCode);
}

export function topicAlreadyExists(name: string): MetadataError {
  return new MetadataError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
}

export function unknownTopic(name: string): MetadataError {
  return new MetadataError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${name}`);
}

/** Kafka's internal topics (Topic.isInternal). */
const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);

/** True for the names of Kafka's internal topics (Topic.isInternal). */
export function isInternalTopic(name: string): boolean {
  return INTERNAL_TOPICS.has(name);
}

/**
 * The partition `index` of `topic` in the metadata image; undefined when the topic or the
 * partition is unknown. Partitions are kept in index order, so this is one array read.
 */
export function partitionOf(topic: TopicMetadata | undefined, index: number): PartitionMetadata | undefined {
  if (topic === undefined) return undefined;
  const p = topic.partitions[index];
  if (p !== undefined && p.partition === index) return p;
  for (const q of topic.partitions) if (q.partition === index) return q;
  return undefined;
}
