import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { applyScramChanges, decodeUserScram, encodeUserScram, type SavedUserScram, type ScramChange, type ScramCredential, type UserScramCredentials } from './scram-credentials.js';
import { applyQuotaChanges, EMPTY_CLIENT_QUOTAS, quotaEntityFromKey, type ClientQuotaSnapshot, type QuotaChange } from './client-quotas.js';
import { aclKey, applyAclChanges, EMPTY_ACLS, type AclBinding, type AclSnapshot } from './acls.js';
import { DEFAULT_FINALIZED_FEATURES, UPGRADED_FINALIZED_FEATURES, finalizedFrom, registrationRefusal, type FinalizedFeatures } from './features.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import { decodeToken, encodeToken, type SavedToken, type TokenInformation } from './delegation-tokens.js';
import { isInternalTopic, MetadataError, topicAlreadyExists, unknownTopic, type BrokerEndpoint, type EntityConfigType, type MetadataStore, type PartitionMetadata, type TopicMetadata } from './metadata.js';

/**
 * Single-node metadata: the image lives in memory and every change is written to
 * `<log dir>/millrace-metadata.json` (write to a temp file, fsync, rename, fsync the
 * directory) before it is acknowledged. `meta.properties` holds the cluster and node ids the
 * way Kafka's storage format keeps them.
 */
export class LocalMetadataStore implements MetadataStore {
  readonly clusterId: string;
  readonly controllerId: number;
  private readonly dir: string;
  private self: BrokerEndpoint;
  private readonly byName = new Map<string, TopicMetadata>();
  private readonly byId = new Map<string, TopicMetadata>();
  /** Dynamic broker configs by scope ('' = cluster default, else a broker id). */
  private readonly dynamicConfigs = new Map<string, Record<string, string>>();
  /** Group and client metrics configs, by resource name. */
  private readonly entities: Record<EntityConfigType, Map<string, Record<string, string>>> = { groups: new Map(), 'client-metrics': new Map() };
  private readonly scram = new Map<string, Map<string, ScramCredential>>();
  /** Delegation tokens by id, replaced (never mutated) on every change. */
  private tokens: ReadonlyMap<string, TokenInformation> = new Map();
  private aclSnapshot: AclSnapshot = EMPTY_ACLS;
  private quotaSnapshot: ClientQuotaSnapshot = EMPTY_CLIENT_QUOTAS;
  private features: FinalizedFeatures = DEFAULT_FINALIZED_FEATURES;

  private constructor(dir: string, self: BrokerEndpoint, clusterId: string) {
    this.dir = dir;
    this.self = self;
    this.clusterId = clusterId;
    this.controllerId = self.nodeId;
  }

  /** Opens (or initialises) the store in `dir`, the first of `log.dirs`. */
  static open(dir: string, self: BrokerEndpoint): LocalMetadataStore {
    mkdirSync(dir, { recursive: true });
    const clusterId = readOrCreateMetaProperties(dir, self.nodeId);
    const store = new LocalMetadataStore(dir, self, clusterId);
    const file = join(dir, METADATA_FILE);
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedMetadata;
      for (const t of saved.topics) store.index(fromSaved(t, self.nodeId));
      for (const [scope, configs] of Object.entries(saved.brokerConfigs ?? {})) store.dynamicConfigs.set(scope, { ...configs });
      for (const type of ['groups', 'client-metrics'] as const) {
        for (const [name, configs] of Object.entries(saved.entityConfigs?.[type] ?? {})) store.entities[type].set(name, { ...configs });
      }
      for (const [user, creds] of Object.entries(saved.scramCredentials ?? {})) store.scram.set(user, decodeUserScram(creds));
      if (saved.delegationTokens !== undefined) store.tokens = new Map(saved.delegationTokens.map((t) => [t.tokenId, decodeToken(t)]));
      if (saved.acls !== undefined && saved.acls.length > 0) store.aclSnapshot = { bindings: saved.acls };
      if (saved.clientQuotas !== undefined) {
        const entries = new Map(Object.entries(saved.clientQuotas).map(([key, quotas]) => [key, { entity: quotaEntityFromKey(key), quotas }]));
        store.quotaSnapshot = { entries };
      }
      // A file without levels was saved by a Millrace before they were always saved: an existing
      // store, whose features an upgrade does not turn on (features.ts OFF_UNTIL_SET).
      store.features = saved.features === undefined ? UPGRADED_FINALIZED_FEATURES : finalizedFrom(saved.features.levels, BigInt(saved.features.epoch));
      // Levels a newer Millrace finalized and this one does not serve: it must not start on them.
      const refusal = registrationRefusal(store.features);
      if (refusal !== null) throw new Error(`${file}: ${refusal}`);
    }
    return store;
  }

  brokers(): readonly BrokerEndpoint[] {
    return [this.self];
  }

  topics(): IterableIterator<TopicMetadata> {
    return this.byName.values();
  }

  topic(name: string): TopicMetadata | undefined {
    return this.byName.get(name);
  }

  topicById(id: Buffer): TopicMetadata | undefined {
    return this.byId.get(id.toString('hex'));
  }

  async createTopic(name: string, partitions: number, _replicationFactor: number, configs: Record<string, string>, internal = false): Promise<TopicMetadata> {
    if (this.byName.has(name)) throw topicAlreadyExists(name);
    const topic: TopicMetadata = {
      name,
      id: newTopicId(),
      internal: internal || isInternalTopic(name),
      partitions: makePartitions(0, partitions, this.self.nodeId),
      configs: { ...configs },
    };
    this.index(topic);
    this.save();
    return topic;
  }

  async deleteTopic(name: string): Promise<TopicMetadata | undefined> {
    const topic = this.byName.get(name);
    if (topic === undefined) return undefined;
    this.byName.delete(name);
    this.byId.delete(topic.id.toString('hex'));
    this.save();
    return topic;
  }

  async createPartitions(name: string, total: number): Promise<TopicMetadata> {
    const topic = this.require(name);
    const updated = { ...topic, partitions: [...topic.partitions, ...makePartitions(topic.partitions.length, total, this.self.nodeId)] };
    this.index(updated);
    this.save();
    return updated;
  }

  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<TopicMetadata> {
    const updated = { ...this.require(name), configs: { ...configs } };
    this.index(updated);
    this.save();
    return updated;
  }

  brokerConfigs(scope: string): Readonly<Record<string, string>> {
    return this.dynamicConfigs.get(scope) ?? EMPTY_CONFIGS;
  }

  async setBrokerConfigs(scope: string, configs: Record<string, string>): Promise<void> {
    if (Object.keys(configs).length === 0) this.dynamicConfigs.delete(scope);
    else this.dynamicConfigs.set(scope, { ...configs });
    this.save();
  }

  entityConfigs(type: EntityConfigType, name: string): Readonly<Record<string, string>> {
    return this.entities[type].get(name) ?? EMPTY_CONFIGS;
  }

  entityConfigNames(type: EntityConfigType): string[] {
    return [...this.entities[type].keys()];
  }

  async setEntityConfigs(type: EntityConfigType, name: string, configs: Record<string, string>): Promise<void> {
    if (Object.keys(configs).length === 0) this.entities[type].delete(name);
    else this.entities[type].set(name, { ...configs });
    this.save();
  }

  scramCredentials(user: string): UserScramCredentials | undefined {
    return this.scram.get(user);
  }

  scramUsers(): IterableIterator<string> {
    return this.scram.keys();
  }

  async alterScramCredentials(changes: readonly ScramChange[]): Promise<void> {
    for (const [user, creds] of applyScramChanges((u) => this.scram.get(u), changes)) {
      if (creds.size === 0) this.scram.delete(user);
      else this.scram.set(user, creds);
    }
    this.save();
  }

  delegationTokens(): ReadonlyMap<string, TokenInformation> {
    return this.tokens;
  }

  async putDelegationToken(token: TokenInformation, basis: TokenInformation | undefined): Promise<void> {
    if (this.tokens.get(token.tokenId) !== basis) throw new MetadataError(ErrorCode.UNKNOWN_SERVER_ERROR, `Delegation token ${token.tokenId} changed meanwhile; try again.`);
    this.tokens = new Map(this.tokens).set(token.tokenId, token);
    this.save();
  }

  async removeDelegationTokens(tokenIds: readonly string[]): Promise<void> {
    if (!tokenIds.some((id) => this.tokens.has(id))) return;
    const next = new Map(this.tokens);
    for (const id of tokenIds) next.delete(id);
    this.tokens = next;
    this.save();
  }

  acls(): AclSnapshot {
    return this.aclSnapshot;
  }

  async alterAcls(add: readonly AclBinding[], remove: readonly AclBinding[]): Promise<void> {
    this.aclSnapshot = applyAclChanges(this.aclSnapshot, add, new Set(remove.map(aclKey)));
    this.save();
  }

  clientQuotas(): ClientQuotaSnapshot {
    return this.quotaSnapshot;
  }

  async alterClientQuotas(changes: readonly QuotaChange[]): Promise<void> {
    this.quotaSnapshot = applyQuotaChanges(this.quotaSnapshot, changes);
    this.save();
  }

  finalizedFeatures(): FinalizedFeatures {
    return this.features;
  }

  setLogDirs(logDirs: readonly string[], cordoned: readonly string[]): void {
    this.self = { ...this.self, logDirs: [...logDirs], cordonedLogDirs: [...cordoned] };
  }

  async setFeatureLevels(levels: ReadonlyMap<string, number>, basis: FinalizedFeatures): Promise<void> {
    if (basis !== this.features) throw new MetadataError(ErrorCode.UNKNOWN_SERVER_ERROR, 'Finalized features changed meanwhile; try again.');
    this.features = { levels: new Map(levels), epoch: this.features.epoch + 1n };
    this.save();
  }

  async close(): Promise<void> {
    // Every change is already on disk.
  }

  private require(name: string): TopicMetadata {
    const topic = this.byName.get(name);
    if (topic === undefined) throw unknownTopic(name);
    return topic;
  }

  private index(topic: TopicMetadata): void {
    this.byName.set(topic.name, topic);
    this.byId.set(topic.id.toString('hex'), topic);
  }

  private save(): void {
    const saved: SavedMetadata = {
      version: 1,
      topics: [...this.byName.values()].map((t) => ({
        name: t.name,
        id: t.id.toString('base64url'),
        internal: t.internal,
        partitions: t.partitions.length,
        configs: t.configs,
      })),
    };
    if (this.dynamicConfigs.size > 0) saved.brokerConfigs = Object.fromEntries(this.dynamicConfigs);
    for (const type of ['groups', 'client-metrics'] as const) {
      if (this.entities[type].size > 0) (saved.entityConfigs ??= {})[type] = Object.fromEntries(this.entities[type]);
    }
    if (this.scram.size > 0) saved.scramCredentials = Object.fromEntries([...this.scram].map(([user, creds]) => [user, encodeUserScram(creds)]));
    if (this.tokens.size > 0) saved.delegationTokens = [...this.tokens.values()].map(encodeToken);
    if (this.aclSnapshot.bindings.length > 0) saved.acls = this.aclSnapshot.bindings;
    if (this.quotaSnapshot.entries.size > 0) saved.clientQuotas = Object.fromEntries([...this.quotaSnapshot.entries].map(([key, e]) => [key, e.quotas]));
    saved.features = { levels: Object.fromEntries(this.features.levels), epoch: Number(this.features.epoch) };
    atomicWrite(join(this.dir, METADATA_FILE), JSON.stringify(saved, null, 1));
  }
}

const METADATA_FILE = 'millrace-metadata.json';

interface SavedTopic {
  name: string;
  id: string;
  internal: boolean;
  partitions: number;
  configs: Record<string, string>;
}

interface SavedMetadata {
  version: 1;
  topics: SavedTopic[];
  /** Dynamic broker configs by scope ('' = cluster default); absent when there are none. */
  brokerConfigs?: Record<string, Record<string, string>>;
  /** Group and client metrics configs by resource name; absent when there are none. */
  entityConfigs?: Partial<Record<EntityConfigType, Record<string, Record<string, string>>>>;
  /** SCRAM credentials by user; absent when there are none. */
  scramCredentials?: Record<string, SavedUserScram>;
  /** Delegation tokens; absent when there are none. */
  delegationTokens?: SavedToken[];
  /** ACL bindings; absent when there are none. */
  acls?: readonly AclBinding[];
  /** Client quotas by quotaEntityKey; absent when there are none. */
  clientQuotas?: Record<string, Record<string, number>>;
  /** Finalized feature levels and their epoch; absent until the first UpdateFeatures (the defaults). */
  features?: { levels: Record<string, number>; epoch: number };
}

const EMPTY_CONFIGS: Readonly<Record<string, string>> = Object.freeze({});

function fromSaved(t: SavedTopic, nodeId: number): TopicMetadata {
  return {
    name: t.name,
    id: Buffer.from(t.id, 'base64url'),
    internal: t.internal || isInternalTopic(t.name),
    partitions: makePartitions(0, t.partitions, nodeId),
    configs: t.configs,
  };
}

function makePartitions(from: number, to: number, nodeId: number): PartitionMetadata[] {
  const out: PartitionMetadata[] = [];
  for (let p = from; p < to; p++) out.push({ partition: p, leader: nodeId, leaderEpoch: 0, replicas: [nodeId], isr: [nodeId] });
  return out;
}

/** A random topic id, never Kafka's reserved zero or metadata-topic ids. */
function newTopicId(): Buffer {
  for (;;) {
    const id = randomBytes(16);
    const hi = id.readBigUInt64BE(0);
    const lo = id.readBigUInt64BE(8);
    if (hi !== 0n || lo > 1n) return id;
  }
}

/** Reads Kafka-style meta.properties, creating it with a new cluster id when absent. */
function readOrCreateMetaProperties(dir: string, nodeId: number): string {
  const file = join(dir, 'meta.properties');
  if (existsSync(file)) {
    const m = /^cluster\.id=(.*)$/m.exec(readFileSync(file, 'utf8'));
    if (m !== null) return m[1]!.trim();
  }
  const clusterId = randomBytes(16).toString('base64url');
  atomicWrite(file, `#\n#${new Date().toString()}\nnode.id=${nodeId}\nversion=1\ncluster.id=${clusterId}\n`);
  return clusterId;
}

function atomicWrite(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dirFd = openSync(join(file, '..'), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
