import { isInternalTopic, type BrokerEndpoint, type EntityConfigType, type PartitionMetadata, type TopicMetadata } from './metadata.js';
import { decodeRecord, DEFAULT_BROKER_SCOPE, type BrokerRecord, type ClusterKeys, type ControllerRecord, type PartitionRecord, type TopicRecord } from './cluster-keys.js';
import type { KvEntry, WatchEvent } from './kv/kv.js';
import { EMPTY_CLIENT_QUOTAS, quotaEntityFromKey, type ClientQuotaEntry, type ClientQuotaSnapshot } from './client-quotas.js';
import { EMPTY_ACLS, type AclBinding, type AclSnapshot } from './acls.js';
import { DEFAULT_FINALIZED_FEATURES, UPGRADED_FINALIZED_FEATURES, finalizedFrom, type FinalizedFeatures } from './features.js';
import { decodeUserScram, type SavedUserScram, type ScramCredential } from './scram-credentials.js';
import { decodeToken, type SavedToken, type TokenInformation } from './delegation-tokens.js';

export interface Versioned<T> {
  record: T;
  createRevision: number;
  modRevision: number;
  lease: string;
}

/** What one batch of events changed, for the store's waiters and the controller. */
export interface ImageChange {
  revision: number;
  /** Topics whose record, partitions or configs changed (or that went away). */
  topics: Set<string>;
  brokers: boolean;
  controller: boolean;
  /** Topic records the controller marked with an error, as they were written (deleted right after). */
  topicErrors: Array<{ name: string; record: TopicRecord }>;
}

/**
 * The metadata as one broker sees it: every key under the root, applied in revision order
 * from a snapshot and the watch that follows it, with the `TopicMetadata` objects the broker
 * serves from rebuilt (never mutated) for each topic an event touched. Reads are
 * synchronous map lookups.
 */
export class MetadataImage {
  readonly keys: ClusterKeys;
  revision = 0;
  clusterId: string | null = null;
  readonly brokers = new Map<number, Versioned<BrokerRecord>>();
  controller: Versioned<ControllerRecord> | null = null;
  readonly topicRecords = new Map<string, Versioned<TopicRecord>>();
  readonly partitionRecords = new Map<string, Map<number, Versioned<PartitionRecord>>>();
  readonly topicConfigs = new Map<string, Record<string, string>>();
  readonly brokerConfigs = new Map<string, Record<string, string>>();
  /** Mod revision of each scope's dynamic broker configs key, for guarded updates. */
  readonly brokerConfigRevisions = new Map<string, number>();
  /** Group and client metrics configs by resource name, with their key's mod revision for guarded updates. */
  readonly entityConfigs: Record<EntityConfigType, Map<string, Versioned<Record<string, string>>>> = { groups: new Map(), 'client-metrics': new Map() };
  /** SCRAM credentials by user, with their key's mod revision for guarded updates. */
  readonly scram = new Map<string, Versioned<Map<string, ScramCredential>>>();
  /** Delegation tokens by id, with their key's mod revision for guarded updates. */
  readonly tokens = new Map<string, Versioned<TokenInformation>>();
  /** The tokens as readers see them, rebuilt only after a change. */
  private tokenSnapshot: ReadonlyMap<string, TokenInformation> | null = null;
  /** ACL bindings by key; the snapshot readers see is rebuilt only after a change. */
  readonly aclEntries = new Map<string, AclBinding>();
  private aclSnapshot: AclSnapshot | null = EMPTY_ACLS;
  /** Client quotas by entity key; the snapshot readers see is rebuilt only after a change. */
  readonly quotaEntries = new Map<string, ClientQuotaEntry>();
  /** Mod revision of each entity's key, for guarded updates. */
  readonly quotaRevisions = new Map<string, number>();
  private quotaSnapshot: ClientQuotaSnapshot | null = EMPTY_CLIENT_QUOTAS;
  /** The finalized features; the epoch is the features key's mod revision (0 while absent). */
  features: FinalizedFeatures = DEFAULT_FINALIZED_FEATURES;
  featuresRevision = 0;
  private storedFeatures: { levels: Record<string, number> } | undefined;
  /** The cluster was created with its bootstrap feature levels (not by a Millrace before them). */
  private createdWithBootstrap = false;
  private readonly byName = new Map<string, TopicMetadata>();
  private readonly byId = new Map<string, TopicMetadata>();
  private endpoints: BrokerEndpoint[] = [];

  constructor(keys: ClusterKeys) {
    this.keys = keys;
  }

  /** Replaces everything with a snapshot (start-up, or after a watch lost its history). */
  load(entries: readonly KvEntry[], revision: number): ImageChange {
    const topics = new Set<string>([...this.topicRecords.keys(), ...this.byName.keys()]);
    this.clusterId = null;
    this.brokers.clear();
    this.controller = null;
    this.topicRecords.clear();
    this.partitionRecords.clear();
    this.topicConfigs.clear();
    this.brokerConfigs.clear();
    this.brokerConfigRevisions.clear();
    this.entityConfigs.groups.clear();
    this.entityConfigs['client-metrics'].clear();
    this.scram.clear();
    this.tokens.clear();
    this.tokenSnapshot = null;
    this.aclEntries.clear();
    this.aclSnapshot = null;
    this.quotaEntries.clear();
    this.quotaRevisions.clear();
    this.quotaSnapshot = null;
    this.features = DEFAULT_FINALIZED_FEATURES;
    this.featuresRevision = 0;
    this.storedFeatures = undefined;
    this.createdWithBootstrap = false;
    const change = this.apply(entries.map((entry) => ({ type: 'put' as const, entry })), revision);
    this.refreshFeatures();
    for (const t of topics) change.topics.add(t);
    for (const t of change.topics) this.rebuild(t);
    this.refreshEndpoints();
    change.brokers = true;
    change.controller = true;
    return change;
  }

  /** Applies watched events; returns what changed. */
  apply(events: readonly WatchEvent[], revision: number): ImageChange {
    const change: ImageChange = { revision, topics: new Set(), brokers: false, controller: false, topicErrors: [] };
    for (const ev of events) this.applyOne(ev, change);
    for (const t of change.topics) this.rebuild(t);
    if (change.brokers) this.refreshEndpoints();
    this.revision = Math.max(this.revision, revision);
    return change;
  }

  private refreshEndpoints(): void {
    this.endpoints = [...this.brokers.values()].map((b) => endpointOf(b.record)).sort((a, b) => a.nodeId - b.nodeId);
  }

  brokerList(): readonly BrokerEndpoint[] {
    return this.endpoints;
  }

  topic(name: string): TopicMetadata | undefined {
    return this.byName.get(name);
  }

  topicById(id: Buffer): TopicMetadata | undefined {
    return this.byId.get(id.toString('hex'));
  }

  topics(): IterableIterator<TopicMetadata> {
    return this.byName.values();
  }

  /** The partitions of a topic present in the store, in index order up to the first gap. */
  presentPartitions(name: string): Array<Versioned<PartitionRecord>> {
    const parts = this.partitionRecords.get(name);
    const out: Array<Versioned<PartitionRecord>> = [];
    if (parts === undefined) return out;
    for (let i = 0; ; i++) {
      const p = parts.get(i);
      if (p === undefined) return out;
      out.push(p);
    }
  }

  /** Stored levels, else a new cluster's defaults, else an older cluster's (features.ts). */
  private refreshFeatures(): void {
    if (this.storedFeatures !== undefined) this.features = finalizedFrom(this.storedFeatures.levels, BigInt(this.featuresRevision));
    else this.features = this.createdWithBootstrap ? DEFAULT_FINALIZED_FEATURES : UPGRADED_FINALIZED_FEATURES;
  }

  private applyOne(ev: WatchEvent, change: ImageChange): void {
    const { key } = ev.entry;
    const k = this.keys;
    const put = ev.type === 'put';
    const versioned = <T>(): Versioned<T> => ({ record: decodeRecord<T>(ev.entry.value, key), createRevision: ev.entry.createRevision, modRevision: ev.entry.modRevision, lease: ev.entry.lease });
    if (key === k.features) {
      const stored = put ? decodeRecord<{ levels: Record<string, number> }>(ev.entry.value, key) : undefined;
      this.featuresRevision = put ? ev.entry.modRevision : 0;
      this.storedFeatures = stored;
      this.refreshFeatures();
    } else if (key === k.bootstrapFeatures) {
      this.createdWithBootstrap = put;
      this.refreshFeatures();
    } else if (key === k.clusterId) {
      this.clusterId = put ? ev.entry.value : null;
    } else if (key === k.controller) {
      this.controller = put ? versioned<ControllerRecord>() : null;
      change.controller = true;
    } else if (key.startsWith(k.brokersPrefix)) {
      const id = Number(key.slice(k.brokersPrefix.length));
      if (put) this.brokers.set(id, versioned<BrokerRecord>());
      else this.brokers.delete(id);
      change.brokers = true;
    } else if (key.startsWith(k.topicsPrefix)) {
      const name = key.slice(k.topicsPrefix.length);
      if (put) {
        const v = versioned<TopicRecord>();
        this.topicRecords.set(name, v);
        if (v.record.error !== undefined) change.topicErrors.push({ name, record: v.record });
      } else {
        this.topicRecords.delete(name);
      }
      change.topics.add(name);
    } else if (key.startsWith(k.partitionsPrefix)) {
      const rest = key.slice(k.partitionsPrefix.length);
      const slash = rest.lastIndexOf('/');
      const name = rest.slice(0, slash);
      const index = Number(rest.slice(slash + 1));
      let parts = this.partitionRecords.get(name);
      if (put) {
        if (parts === undefined) this.partitionRecords.set(name, (parts = new Map()));
        parts.set(index, versioned<PartitionRecord>());
      } else if (parts !== undefined) {
        parts.delete(index);
        if (parts.size === 0) this.partitionRecords.delete(name);
      }
      change.topics.add(name);
    } else if (key.startsWith(k.topicConfigsPrefix)) {
      const name = key.slice(k.topicConfigsPrefix.length);
      if (put) this.topicConfigs.set(name, decodeRecord<Record<string, string>>(ev.entry.value, key));
      else this.topicConfigs.delete(name);
      change.topics.add(name);
    } else if (key.startsWith(k.brokerConfigsPrefix)) {
      const raw = key.slice(k.brokerConfigsPrefix.length);
      const scope = raw === DEFAULT_BROKER_SCOPE ? '' : raw;
      if (put) {
        this.brokerConfigs.set(scope, decodeRecord<Record<string, string>>(ev.entry.value, key));
        this.brokerConfigRevisions.set(scope, ev.entry.modRevision);
      } else {
        this.brokerConfigs.delete(scope);
        this.brokerConfigRevisions.delete(scope);
      }
    } else if (key.startsWith(k.configsPrefix)) {
      const entity = k.parseEntityConfigsKey(key);
      if (entity === undefined) return;
      if (put) this.entityConfigs[entity.type].set(entity.name, versioned<Record<string, string>>());
      else this.entityConfigs[entity.type].delete(entity.name);
    } else if (key.startsWith(k.scramPrefix)) {
      const user = key.slice(k.scramPrefix.length);
      if (put) {
        const v = versioned<SavedUserScram>();
        this.scram.set(user, { ...v, record: decodeUserScram(v.record) });
      }
      else this.scram.delete(user);
    } else if (key.startsWith(k.tokensPrefix)) {
      const tokenId = key.slice(k.tokensPrefix.length);
      if (put) {
        const v = versioned<SavedToken>();
        this.tokens.set(tokenId, { ...v, record: decodeToken(v.record) });
      } else {
        this.tokens.delete(tokenId);
      }
      this.tokenSnapshot = null;
    } else if (key.startsWith(k.aclsPrefix)) {
      if (put) this.aclEntries.set(key, decodeRecord<AclBinding>(ev.entry.value, key));
      else this.aclEntries.delete(key);
      this.aclSnapshot = null;
    } else if (key.startsWith(k.quotasPrefix)) {
      const entityKey = key.slice(k.quotasPrefix.length);
      if (put) {
        this.quotaEntries.set(entityKey, { entity: quotaEntityFromKey(entityKey), quotas: decodeRecord<Record<string, number>>(ev.entry.value, key) });
        this.quotaRevisions.set(entityKey, ev.entry.modRevision);
      } else {
        this.quotaEntries.delete(entityKey);
        this.quotaRevisions.delete(entityKey);
      }
      this.quotaSnapshot = null;
    }
  }

  /** The ACLs, as one snapshot until the next change to them. */
  acls(): AclSnapshot {
    if (this.aclSnapshot === null) this.aclSnapshot = { bindings: [...this.aclEntries.values()] };
    return this.aclSnapshot;
  }

  /** The delegation tokens by id, as one map until the next change to them. */
  delegationTokens(): ReadonlyMap<string, TokenInformation> {
    if (this.tokenSnapshot === null) this.tokenSnapshot = new Map([...this.tokens].map(([id, v]) => [id, v.record]));
    return this.tokenSnapshot;
  }

  /** The client quotas, as one snapshot until the next change to them. */
  clientQuotas(): ClientQuotaSnapshot {
    if (this.quotaSnapshot === null) this.quotaSnapshot = { entries: new Map(this.quotaEntries) };
    return this.quotaSnapshot;
  }

  private rebuild(name: string): void {
    const old = this.byName.get(name);
    if (old !== undefined) {
      this.byName.delete(name);
      this.byId.delete(old.id.toString('hex'));
    }
    const t = this.topicRecords.get(name);
    if (t === undefined) return;
    const present = this.presentPartitions(name);
    if (present.length === 0 || present.length < t.record.initialPartitions) return;
    const partitions: PartitionMetadata[] = present.map((p, i) => {
      const m: PartitionMetadata = {
        partition: i,
        leader: p.record.leader,
        leaderEpoch: p.record.leaderEpoch,
        partitionEpoch: p.record.partitionEpoch,
        replicas: p.record.replicas,
        isr: p.record.isr,
      };
      if (p.record.elr !== undefined) m.elr = p.record.elr;
      if (p.record.lastKnownElr !== undefined) m.lastKnownElr = p.record.lastKnownElr;
      return m;
    });
    const topic: TopicMetadata = {
      name,
      id: Buffer.from(t.record.id, 'base64url'),
      internal: t.record.internal || isInternalTopic(name),
      partitions,
      configs: this.topicConfigs.get(name) ?? {},
    };
    this.byName.set(name, topic);
    this.byId.set(topic.id.toString('hex'), topic);
  }
}

function endpointOf(b: BrokerRecord): BrokerEndpoint {
  const endpoint: BrokerEndpoint = { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack };
  if (b.listeners !== undefined) endpoint.listeners = b.listeners;
  if (b.logDirs !== undefined) endpoint.logDirs = b.logDirs;
  if (b.cordonedLogDirs !== undefined) endpoint.cordonedLogDirs = b.cordonedLogDirs;
  return endpoint;
}
