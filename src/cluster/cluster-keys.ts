/**
 * The key layout of the cluster metadata in the key-value store (docs/cluster.md explains it
 * and what it costs), and the JSON records under the keys. Everything sits under one root
 * (`/millrace/` unless `metadata.store` names another), so that several clusters can share
 * an etcd cluster.
 *
 *   <root>cluster/id                   the cluster id, written once
 *   <root>cluster/bootstrap-features   the levels the cluster was created with, written with the id
 *   <root>brokerEpochs/<node.id>       the epoch of a broker's last registration (KIP-966)
 *   <root>brokers/<node.id>            a broker's registration, under its session lease
 *   <root>controller                   the controller, under its session lease
 *   <root>topics/<name>                a topic: id, partition count, replication factor
 *   <root>partitions/<name>/<index>    a partition's replicas, ISR, leader and epochs
 *   <root>configs/topics/<name>        a topic's config overrides (absent when none)
 *   <root>configs/brokers/<scope>      dynamic broker configs: `<default>` or a node id
 *   <root>configs/groups/<name>        a group's configs (name URI-encoded: group ids may hold '/')
 *   <root>configs/client-metrics/<name> a client metrics subscription's configs (name URI-encoded)
 *   <root>quotas/<entity key>          one client quota entity's quotas (client-quotas.ts)
 *   <root>producer-ids                 the last block of producer ids given to a broker
 *   <root>features                     the finalized feature levels (features.ts), once changed
 *   <root>tokens/<token id>            a delegation token (delegation-tokens.ts), never its HMAC
 */

import type { EntityConfigType, ListenerEndpoint } from './metadata.js';
export const DEFAULT_ROOT = '/millrace/';

/** Dynamic broker configs' scope key for the cluster-wide defaults (Kafka writes `<default>`). */
export const DEFAULT_BROKER_SCOPE = '<default>';

export class ClusterKeys {
  readonly root: string;
  readonly clusterId: string;
  /**
   * The feature levels a new cluster was created with, written with the cluster id: its
   * presence tells a new cluster from one created by a Millrace before it (features.ts
   * OFF_UNTIL_SET).
   */
  readonly bootstrapFeatures: string;
  readonly brokersPrefix: string;
  readonly controller: string;
  readonly topicsPrefix: string;
  readonly partitionsPrefix: string;
  readonly topicConfigsPrefix: string;
  readonly brokerConfigsPrefix: string;
  /** `<root>configs/`: entity configs sit under `<prefix><type>/<encoded name>`. */
  readonly configsPrefix: string;
  readonly scramPrefix: string;
  readonly aclsPrefix: string;
  readonly quotasPrefix: string;
  readonly producerIds: string;
  readonly features: string;
  readonly tokensPrefix: string;

  constructor(root: string = DEFAULT_ROOT) {
    this.root = root.endsWith('/') ? root : `${root}/`;
    this.clusterId = `${this.root}cluster/id`;
    this.bootstrapFeatures = `${this.root}cluster/bootstrap-features`;
    this.brokersPrefix = `${this.root}brokers/`;
    this.controller = `${this.root}controller`;
    this.topicsPrefix = `${this.root}topics/`;
    this.partitionsPrefix = `${this.root}partitions/`;
    this.topicConfigsPrefix = `${this.root}configs/topics/`;
    this.brokerConfigsPrefix = `${this.root}configs/brokers/`;
    this.configsPrefix = `${this.root}configs/`;
    this.scramPrefix = `${this.root}scram/`;
    this.aclsPrefix = `${this.root}acls/`;
    this.quotasPrefix = `${this.root}quotas/`;
    this.producerIds = `${this.root}producer-ids`;
    this.features = `${this.root}features`;
    this.tokensPrefix = `${this.root}tokens/`;
  }

  /** A delegation token (SavedToken); token ids are UUIDs, safe in a key. */
  delegationToken(tokenId: string): string {
    return `${this.tokensPrefix}${tokenId}`;
  }

  /** One ACL binding, named by its aclKey in base64url (resource names may hold '/'); the value is the binding. */
  acl(aclKey: string): string {
    return `${this.aclsPrefix}${Buffer.from(aclKey, 'utf8').toString('base64url')}`;
  }

  /** One client quota entity's quotas (key to value), named by its quotaEntityKey. */
  clientQuota(entityKey: string): string {
    return `${this.quotasPrefix}${entityKey}`;
  }

  /** A user's SCRAM credentials (SavedUserScram). */
  scram(user: string): string {
    return `${this.scramPrefix}${user}`;
  }

  broker(nodeId: number): string {
    return `${this.brokersPrefix}${nodeId}`;
  }

  /**
   * The epoch of a broker's last registration, kept after its session ends (Kafka's controller
   * keeps the fenced registration): the next registration compares its previous broker epoch
   * with it (KIP-966). Outside `brokers/`, so the image does not read it as a broker.
   */
  lastBrokerEpoch(nodeId: number): string {
    return `${this.root}brokerEpochs/${nodeId}`;
  }

  topic(name: string): string {
    return `${this.topicsPrefix}${name}`;
  }

  /** Prefix of one topic's partitions (topic names never contain '/'). */
  topicPartitions(name: string): string {
    return `${this.partitionsPrefix}${name}/`;
  }

  partition(name: string, index: number): string {
    return `${this.partitionsPrefix}${name}/${index}`;
  }

  topicConfigs(name: string): string {
    return `${this.topicConfigsPrefix}${name}`;
  }

  /** A group's or client metrics subscription's configs. */
  entityConfigs(type: EntityConfigType, name: string): string {
    return `${this.configsPrefix}${type}/${encodeURIComponent(name)}`;
  }

  /** The type and name of an entity configs key, or undefined when `key` is not one. */
  parseEntityConfigsKey(key: string): { type: EntityConfigType; name: string } | undefined {
    if (!key.startsWith(this.configsPrefix)) return undefined;
    const rest = key.slice(this.configsPrefix.length);
    const slash = rest.indexOf('/');
    const type = rest.slice(0, slash);
    if (type !== 'groups' && type !== 'client-metrics') return undefined;
    try {
      return { type, name: decodeURIComponent(rest.slice(slash + 1)) };
    } catch {
      return undefined;
    }
  }

  /** `''` (cluster default) or a node id. */
  brokerConfigs(scope: string): string {
    return `${this.brokerConfigsPrefix}${scope === '' ? DEFAULT_BROKER_SCOPE : scope}`;
  }
}

/** `<root>brokers/<id>`: where a live broker can be reached. */
export interface BrokerRecord {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
  /** Every advertised listener; absent in registrations of a Millrace before named listeners. */
  listeners?: ListenerEndpoint[];
  /** Random per log directory (Kafka's directory id): the same broker restarting has the same. */
  dirId: string;
  /**
   * Set when the broker began a controlled shutdown: the controller moves leadership away
   * from it and takes it out of the ISRs, and no new replica is placed on it.
   */
  shuttingDown?: boolean;
  /**
   * The feature levels the broker supports, name to [min, max] (Kafka's BrokerRegistration
   * features): UpdateFeatures refuses a level a registered broker lacks. Absent in
   * registrations of a Millrace before UpdateFeatures, which are not checked.
   */
  features?: Record<string, [number, number]>;
  /** Its log directories and the cordoned ones (KIP-1066), absolute; absent before cordoning. */
  logDirs?: string[];
  cordonedLogDirs?: string[];
  /**
   * KIP-966: the broker did not shut down cleanly before this registration (its previous
   * broker epoch, from the clean-shutdown markers, is not its last registration's), so it may
   * have lost unflushed records. The controller takes it out of every ELR and LastKnownELR,
   * then clears this; meanwhile it can neither join an ELR nor be elected from one.
   */
  uncleanShutdown?: boolean;
}

/** `<root>controller`; the controller epoch is the key's create revision. */
export interface ControllerRecord {
  nodeId: number;
}

/** `<root>topics/<name>`. */
export interface TopicRecord {
  /** Topic id, base64url of 16 bytes. */
  id: string;
  internal: boolean;
  /** Partitions the topic should have; the controller creates the missing ones. */
  partitions: number;
  /** Partitions it was created with: the topic is served once all of these exist. */
  initialPartitions: number;
  replicationFactor: number;
  /** Set by the controller when it could not create the missing partitions. */
  error?: { code: number; message: string };
}

/** `<root>partitions/<name>/<index>` (Kafka's PartitionRecord / PartitionChangeRecord). */
export interface PartitionRecord {
  replicas: number[];
  isr: number[];
  /** -1 when no replica can lead. */
  leader: number;
  /** Bumped when the leader changes. */
  leaderEpoch: number;
  /** Bumped on every change (AlterPartition's partition epoch). */
  partitionEpoch: number;
  /** Replicas an ongoing reassignment adds (in `replicas` already); absent when none. */
  addingReplicas?: number[];
  /** Replicas an ongoing reassignment removes once the targets are in the ISR; absent when none. */
  removingReplicas?: number[];
  /** Eligible leader replicas (KIP-966, elr.ts); absent when empty. */
  elr?: number[];
  /** Last known ELR members (KIP-966); absent when empty. */
  lastKnownElr?: number[];
}

export function encodeRecord(record: object): string {
  return JSON.stringify(record);
}

export function decodeRecord<T>(value: string, key: string): T {
  try {
    return JSON.parse(value) as T;
  } catch {
    throw new Error(`metadata key ${key} holds no JSON: ${value.slice(0, 80)}`);
  }
}
