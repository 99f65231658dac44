import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readMetaProperties, writeMetaProperties } from './meta-properties.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import { isInternalTopic, MetadataError, topicAlreadyExists, unknownTopic, type BrokerEndpoint, type EntityConfigType, type MetadataStore, type TopicMetadata } from './metadata.js';
import { ClusterKeys, encodeRecord, type BrokerRecord, type TopicRecord } from './cluster-keys.js';
import { MetadataImage, type ImageChange } from './metadata-image.js';
import { ImageWaiters } from './image-waiters.js';
import { Controller, uncleanFor } from './controller.js';
import { absent, createRevisionIs, modRevisionIs, type Kv, type KvWatch, type Op } from './kv/kv.js';
import { LeaseSession } from './kv/session.js';
import { systemClock, type Clock, type ClockTimer } from './kv/clock.js';
import { SILENT_LOGGER, type ClusterLogger } from './cluster-logger.js';
import { planAlterPartition, type AlterPartitionRequest } from './replication/alter-partition.js';
import { DEFAULT_LEADER_REBALANCE, LeaderRebalance, type LeaderRebalanceConfig } from './leader-rebalance.js';
import { electLeaders, type ElectionResult, type PartitionRef } from './elect-leaders.js';
import { listReassignments, planReassignments, type ReassignmentRequest } from './reassignment.js';
import type { OngoingReassignment } from '../common/partition-reassignment.js';
import { writePartitionChanges } from './partition-writes.js';
import type { AclBinding, AclSnapshot } from './acls.js';
import type { ClientQuotaSnapshot, QuotaChange } from './client-quotas.js';
import type { ScramChange, UserScramCredentials } from './scram-credentials.js';
import { writeAclChanges, writeQuotaChanges, writeScramChanges } from './security-writes.js';
import { allocateProducerIdBlock } from './producer-id-blocks.js';
import type { TokenInformation } from './delegation-tokens.js';
import { deleteDelegationTokens, writeDelegationToken } from './delegation-token-writes.js';
import { clearElrsAfterMinIsrChange, minIsrChanged } from './elr-config.js';
import { recordBrokerEpoch, rewriteRegistrationDirs, shutDownUncleanly } from './broker-registration.js';
import { DEFAULT_FEATURE_LEVELS, registrationRefusal, supportedRanges, type FinalizedFeatures, type RegisteredFeatures } from './features.js';

export interface KvMetadataStoreOptions {
  kv: Kv;
  /** Close `kv` with the store (true when the store was given its own client). */
  ownsKv?: boolean;
  /** Key prefix of this cluster (default `/millrace/`). */
  root?: string;
  self: BrokerEndpoint;
  /** The broker's first log dir: `meta.properties` there ties it to one cluster. */
  logDir: string;
  clock?: Clock;
  /** Session lease TTL: a broker silent this long is dropped (Kafka's broker.session.timeout.ms is 9 s). */
  sessionTtlSeconds?: number;
  /** How long a change waits for the controller to act on it (default 30 s). */
  requestTimeoutMs?: number;
  /** `unclean.leader.election.enable`, the broker default. */
  uncleanLeaderElection?: boolean;
  /** The static `min.insync.replicas` (default 1), the eligible leader replicas' min ISR where no dynamic config sets one. */
  minInsyncReplicas?: number;
  logger?: ClusterLogger;
  random?: (n: number) => number;
  /** `auto.leader.rebalance.enable` and `leader.imbalance.check.interval.seconds` (default on, 300 s). */
  leaderRebalance?: LeaderRebalanceConfig;
}

/** What the store tells listeners (replication, partition lifecycle) after each change. */
export interface MetadataListener {
  (change: ImageChange): void;
}

/**
 * Cluster metadata in a key-value store (etcd, or MemoryKv in one process): the broker
 * registers under a session lease, watches everything under the root into a
 * `MetadataImage` and serves reads from it synchronously; changes are transactions guarded
 * by the versions they were computed from. Topic and partition creation are completed by the
 * controller (controller.ts), which runs in whichever broker holds the election key; a change
 * resolves once the watch shows its outcome.
 */
export class KvMetadataStore implements MetadataStore {
  readonly keys: ClusterKeys;
  readonly image: MetadataImage;
  readonly controller: Controller;
  private readonly rebalance: LeaderRebalance;
  private readonly o: Required<Omit<KvMetadataStoreOptions, 'random'>> & { random?: (n: number) => number };
  private readonly dirId: string;
  private session: LeaseSession | null = null;
  /** This broker's log directories and the cordoned ones, as its registration carries them. */
  private logDirs: string[] = [];
  private cordonedLogDirs: string[] = [];
  private watch: KvWatch | null = null;
  private readonly waiters: ImageWaiters;
  private listeners = new Set<MetadataListener>();
  private closed = false;
  private resyncTimer: ClockTimer | null = null;
  private reregistering = false;
  /** KIP-966: this run follows an unclean shutdown and the controller has not cleared the mark yet. */
  private uncleanShutdown = false;

  private constructor(options: KvMetadataStoreOptions, dirId: string) {
    this.o = {
      ownsKv: false,
      root: undefined as unknown as string,
      clock: systemClock,
      sessionTtlSeconds: 9,
      requestTimeoutMs: 30_000,
      uncleanLeaderElection: false,
      minInsyncReplicas: 1,
      logger: SILENT_LOGGER,
      leaderRebalance: DEFAULT_LEADER_REBALANCE,
      ...options,
    };
    this.keys = new ClusterKeys(options.root);
    this.image = new MetadataImage(this.keys);
    this.waiters = new ImageWaiters(this.image, this.o.clock, this.o.requestTimeoutMs);
    this.dirId = dirId;
    this.logDirs = [...(options.self.logDirs ?? [])];
    this.cordonedLogDirs = [...(options.self.cordonedLogDirs ?? [])];
    this.controller = new Controller({
      kv: options.kv,
      image: this.image,
      keys: this.keys,
      nodeId: options.self.nodeId,
      clock: this.o.clock,
      logger: this.o.logger,
      uncleanLeaderElection: this.o.uncleanLeaderElection,
      minInsyncReplicas: this.o.minInsyncReplicas,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    this.rebalance = new LeaderRebalance({
      ...this.o.leaderRebalance,
      kv: options.kv,
      image: this.image,
      clock: this.o.clock,
      logger: this.o.logger,
      isActive: () => this.controller.active,
    });
  }

  /**
   * Joins the cluster: the cluster id (created by the first broker), the image, the broker's
   * registration (refused when a live broker holds the node id), then the controller election.
   */
  static async open(options: KvMetadataStoreOptions): Promise<KvMetadataStore> {
    const meta = readMetaProperties(options.logDir);
    const store = new KvMetadataStore(options, meta.dirId ?? randomBytes(16).toString('base64url'));
    try {
      await store.start(meta.clusterId);
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  get clusterId(): string {
    return this.image.clusterId ?? '';
  }

  get controllerId(): number {
    return this.image.controller?.record.nodeId ?? -1;
  }

  /** The broker epoch: its registration's create revision (-1 while not registered). */
  get brokerEpoch(): number {
    return this.image.brokers.get(this.o.self.nodeId)?.createRevision ?? -1;
  }

  /** True while this broker's session is live and its registration is in the image. */
  get registered(): boolean {
    const r = this.image.brokers.get(this.o.self.nodeId);
    return this.session !== null && this.session.live && r !== undefined && r.lease === this.session.id;
  }

  /** The session lease (for tests that cut a broker off); null while none is live. */
  get sessionLease(): string | null {
    return this.session?.live === true ? this.session.id : null;
  }

  brokers(): readonly BrokerEndpoint[] {
    return this.image.brokerList();
  }

  topics(): IterableIterator<TopicMetadata> {
    return this.image.topics();
  }

  topic(name: string): TopicMetadata | undefined {
    return this.image.topic(name);
  }

  topicById(id: Buffer): TopicMetadata | undefined {
    return this.image.topicById(id);
  }

  /** Calls `listener` after every change of the image. */
  subscribe(listener: MetadataListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async createTopic(name: string, partitions: number, replicationFactor: number, configs: Record<string, string>, internal = false): Promise<TopicMetadata> {
    if (this.image.topic(name) !== undefined || this.image.topicRecords.has(name)) throw topicAlreadyExists(name);
    const record: TopicRecord = {
      id: newTopicId().toString('base64url'),
      internal: internal || isInternalTopic(name),
      partitions,
      initialPartitions: partitions,
      replicationFactor,
    };
    const ops: Op[] = [{ type: 'put', key: this.keys.topic(name), value: encodeRecord(record) }];
    if (Object.keys(configs).length > 0) ops.push({ type: 'put', key: this.keys.topicConfigs(name), value: encodeRecord(configs) });
    const r = await this.o.kv.txn({ compares: [absent(this.keys.topic(name))], success: ops });
    if (!r.succeeded) throw topicAlreadyExists(name);
    return this.waiters.topic(name, record.id, partitions, r.revision, `creating topic ${name}`);
  }

  async deleteTopic(name: string): Promise<TopicMetadata | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = this.image.topic(name);
      const entry = await this.o.kv.get(this.keys.topic(name));
      if (entry === undefined) return undefined;
      const r = await this.o.kv.txn({
        compares: [createRevisionIs(entry.key, entry.createRevision)],
        success: [
          { type: 'delete', key: entry.key },
          { type: 'deletePrefix', prefix: this.keys.topicPartitions(name) },
          { type: 'delete', key: this.keys.topicConfigs(name) },
        ],
      });
      if (r.succeeded) {
        await this.waiters.revision(r.revision);
        return before ?? { name, id: Buffer.from((JSON.parse(entry.value) as TopicRecord).id, 'base64url'), internal: isInternalTopic(name), partitions: [], configs: {} };
      }
    }
    throw new MetadataError(ErrorCode.UNKNOWN_SERVER_ERROR, `topic ${name} kept changing while it was being deleted`);
  }

  async createPartitions(name: string, total: number): Promise<TopicMetadata> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.o.kv.get(this.keys.topic(name));
      if (entry === undefined) throw unknownTopic(name);
      const current = JSON.parse(entry.value) as TopicRecord;
      const { error: _dropped, ...rest } = current;
      const next: TopicRecord = { ...rest, partitions: Math.max(total, current.partitions) };
      const r = await this.o.kv.txn({ compares: [modRevisionIs(entry.key, entry.modRevision)], success: [{ type: 'put', key: entry.key, value: encodeRecord(next) }] });
      if (r.succeeded) return this.waiters.topic(name, current.id, total, r.revision, `adding partitions to ${name}`);
    }
    throw new MetadataError(ErrorCode.UNKNOWN_SERVER_ERROR, `topic ${name} kept changing while partitions were being added`);
  }

  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<TopicMetadata> {
    const t = this.image.topicRecords.get(name);
    if (t === undefined) throw unknownTopic(name);
    const key = this.keys.topicConfigs(name);
    const minIsrChange = minIsrChanged(this.image.topicConfigs.get(name), configs);
    // Nothing to delete writes nothing, and a write that makes no event leaves no revision to wait for.
    if (Object.keys(configs).length > 0 || this.image.topicConfigs.has(name)) {
      const op: Op = Object.keys(configs).length === 0 ? { type: 'delete', key } : { type: 'put', key, value: encodeRecord(configs) };
      // The same incarnation of the topic: a topic deleted and created again is another topic.
      const r = await this.o.kv.txn({ compares: [createRevisionIs(this.keys.topic(name), t.createRevision)], success: [op] });
      if (!r.succeeded) throw unknownTopic(name);
      await this.waiters.revision(r.revision);
      if (minIsrChange) await clearElrsAfterMinIsrChange(this.o.kv, this.image, name, (revision) => this.waiters.revision(revision));
    }
    const topic = this.image.topic(name);
    if (topic === undefined) throw unknownTopic(name);
    return topic;
  }

  /**
   * AlterPartition (replication/alter-partition.ts): a leader's ISR change, written as a
   * transaction guarded by the partition state and broker epoch it was computed from.
   * Resolves with NONE once the image holds the change, or with the error code that refused it.
   */
  async alterPartition(req: AlterPartitionRequest): Promise<number> {
    const plan = planAlterPartition(this.image, req, this.o.minInsyncReplicas);
    if (plan.errorCode !== ErrorCode.NONE) return plan.errorCode;
    const r = await this.o.kv.txn({ compares: plan.compares, success: plan.ops });
    // The compare failed: the partition or the registration changed since the image was read.
    if (!r.succeeded) return ErrorCode.INVALID_UPDATE_VERSION;
    await this.waiters.revision(r.revision);
    return ErrorCode.NONE;
  }

  /**
   * ElectLeaders (elect-leaders.ts): PREFERRED or UNCLEAN elections of the given partitions
   * (null: all), each written as a compare-and-swap of the partition record; resolves once the
   * image holds them, with Kafka's error code per partition.
   */
  electLeaders(type: number, partitions: readonly PartitionRef[] | null): Promise<ElectionResult[]> {
    return electLeaders(this.o.kv, this.image, type, partitions, (revision) => this.waiters.revision(revision));
  }

  /**
   * AlterPartitionReassignments (reassignment.ts): starts or cancels reassignments, each a
   * compare-and-swap of the partition record; the controller completes them. Resolves once the
   * image holds the changes, with Kafka's error code and message per partition.
   */
  async alterPartitionReassignments(requests: readonly ReassignmentRequest[]): Promise<Array<{ topic: string; partition: number; errorCode: number; message: string | null }>> {
    const unclean = (topic: string): boolean => uncleanFor(this.image, topic, this.o.uncleanLeaderElection);
    const planned = await writePartitionChanges(
      this.o.kv,
      requests,
      (refs) => planReassignments(this.image, refs ?? [], unclean),
      (e) => e.request,
      (revision) => this.waiters.revision(revision),
    );
    return planned.map((e) => ({ topic: e.topic, partition: e.partition, errorCode: e.errorCode, message: e.message }));
  }

  /** ListPartitionReassignments: the ongoing reassignments of the given partitions (null: all). */
  listPartitionReassignments(partitions: ReadonlyArray<{ topic: string; partition: number }> | null): OngoingReassignment[] {
    return listReassignments(this.image, partitions);
  }

  /**
   * Controlled shutdown: marks this broker's registration shutting down (same lease, so the
   * broker epoch stays), so that the controller moves leadership away from it and takes it
   * out of the ISRs while it still serves; resolves once the image shows no partition led
   * here, or after the request timeout (no controller acting), so shutdown always goes on.
   */
  async controlledShutdown(): Promise<void> {
    const nodeId = this.o.self.nodeId;
    const key = this.keys.broker(nodeId);
    const mine = this.image.brokers.get(nodeId);
    const session = this.session;
    if (!this.registered || mine === undefined || session === null) return;
    const record: BrokerRecord = { ...mine.record, shuttingDown: true };
    const r = await this.o.kv.txn({ compares: [createRevisionIs(key, mine.createRevision)], success: [{ type: 'put', key, value: encodeRecord(record), lease: session.id }] });
    if (!r.succeeded) return;
    const ledHere = (): boolean => {
      for (const parts of this.image.partitionRecords.values()) for (const p of parts.values()) if (p.record.leader === nodeId) return true;
      return false;
    };
    await this.waiters.wait<void>('leadership to move away for a controlled shutdown', (_change, resolve) => {
      if (this.image.revision < r.revision || ledHere()) return false;
      resolve();
      return true;
    }).catch((err: Error) => this.o.logger.warn({ err: err.message }, 'controlled shutdown: leadership did not move in time; stopping anyway'));
  }

  /**
   * KIP-1066: the registration says which log directories are cordoned (Kafka's broker sends
   * them in its heartbeats, the controller records a BrokerRegistrationChangeRecord); the same
   * lease, so the broker epoch stays. A registration made later carries them from the start.
   */
  setLogDirs(logDirs: readonly string[], cordoned: readonly string[]): void {
    this.logDirs = [...logDirs];
    this.cordonedLogDirs = [...cordoned];
    void this.updateRegistration().catch((err: Error) => this.o.logger.warn({ err: err.message }, 'could not record the cordoned log directories in the registration'));
  }

  private async updateRegistration(): Promise<void> {
    const mine = this.image.brokers.get(this.o.self.nodeId);
    const session = this.session;
    if (!this.registered || mine === undefined || session === null) return;
    await rewriteRegistrationDirs(this.o.kv, this.keys.broker(this.o.self.nodeId), mine, session.id, this.logDirs, this.cordonedLogDirs);
  }

  brokerConfigs(scope: string): Readonly<Record<string, string>> {
    return this.image.brokerConfigs.get(scope) ?? EMPTY_CONFIGS;
  }

  async setBrokerConfigs(scope: string, configs: Record<string, string>): Promise<void> {
    const key = this.keys.brokerConfigs(scope);
    if (Object.keys(configs).length === 0 && !this.image.brokerConfigs.has(scope)) return;
    const op: Op = Object.keys(configs).length === 0 ? { type: 'delete', key } : { type: 'put', key, value: encodeRecord(configs) };
    const minIsrChange = minIsrChanged(this.image.brokerConfigs.get(scope), configs);
    // The new configs were computed from the image: refused when the store moved on since.
    const r = await this.o.kv.txn({ compares: [modRevisionIs(key, this.image.brokerConfigRevisions.get(scope) ?? 0)], success: [op] });
    if (!r.succeeded) {
      throw new MetadataError(ErrorCode.INVALID_UPDATE_VERSION, `The dynamic broker configs of ${scope === '' ? 'the cluster' : `broker ${scope}`} changed meanwhile; try again.`);
    }
    await this.waiters.revision(r.revision);
    if (minIsrChange) await clearElrsAfterMinIsrChange(this.o.kv, this.image, null, (revision) => this.waiters.revision(revision));
  }

  entityConfigs(type: EntityConfigType, name: string): Readonly<Record<string, string>> {
    return this.image.entityConfigs[type].get(name)?.record ?? EMPTY_CONFIGS;
  }

  entityConfigNames(type: EntityConfigType): string[] {
    return [...this.image.entityConfigs[type].keys()];
  }

  async setEntityConfigs(type: EntityConfigType, name: string, configs: Record<string, string>): Promise<void> {
    const key = this.keys.entityConfigs(type, name);
    const current = this.image.entityConfigs[type].get(name);
    if (Object.keys(configs).length === 0 && current === undefined) return;
    const op: Op = Object.keys(configs).length === 0 ? { type: 'delete', key } : { type: 'put', key, value: encodeRecord(configs) };
    // The new configs were computed from the image: refused when the store moved on since.
    const r = await this.o.kv.txn({ compares: [modRevisionIs(key, current?.modRevision ?? 0)], success: [op] });
    if (!r.succeeded) throw new MetadataError(ErrorCode.INVALID_UPDATE_VERSION, `The configs of ${type} ${name} changed meanwhile; try again.`);
    await this.waiters.revision(r.revision);
  }

  scramCredentials(user: string): UserScramCredentials | undefined {
    return this.image.scram.get(user)?.record;
  }

  scramUsers(): IterableIterator<string> {
    return this.image.scram.keys();
  }

  async alterScramCredentials(changes: readonly ScramChange[]): Promise<void> {
    const revision = await writeScramChanges(this.o.kv, this.keys, this.image, changes);
    if (revision !== null) await this.waiters.revision(revision);
  }

  delegationTokens(): ReadonlyMap<string, TokenInformation> {
    return this.image.delegationTokens();
  }

  async putDelegationToken(token: TokenInformation, basis: TokenInformation | undefined): Promise<void> {
    await this.waiters.revision(await writeDelegationToken(this.o.kv, this.keys, this.image, token, basis));
  }

  async removeDelegationTokens(tokenIds: readonly string[]): Promise<void> {
    const revision = await deleteDelegationTokens(this.o.kv, this.keys, this.image, tokenIds);
    if (revision !== null) await this.waiters.revision(revision);
  }

  acls(): AclSnapshot {
    return this.image.acls();
  }

  async alterAcls(add: readonly AclBinding[], remove: readonly AclBinding[]): Promise<void> {
    const revision = await writeAclChanges(this.o.kv, this.keys, add, remove);
    if (revision !== null) await this.waiters.revision(revision);
  }

  clientQuotas(): ClientQuotaSnapshot {
    return this.image.clientQuotas();
  }

  async alterClientQuotas(changes: readonly QuotaChange[]): Promise<void> {
    const revision = await writeQuotaChanges(this.o.kv, this.keys, this.image, changes);
    if (revision !== null) await this.waiters.revision(revision);
  }

  finalizedFeatures(): FinalizedFeatures {
    return this.image.features;
  }

  /** Brokers registered before UpdateFeatures carry no ranges and are left out. */
  registeredFeatures(): RegisteredFeatures[] {
    const out: RegisteredFeatures[] = [];
    for (const b of this.image.brokers.values()) if (b.record.features !== undefined) out.push({ nodeId: b.record.nodeId, features: b.record.features });
    return out;
  }

  /** One put of every level, guarded by the revision the levels were planned from: a concurrent change on another broker fails this one. */
  async setFeatureLevels(levels: ReadonlyMap<string, number>, basis: FinalizedFeatures): Promise<void> {
    const conflict = new MetadataError(ErrorCode.UNKNOWN_SERVER_ERROR, 'Finalized features changed meanwhile; try again.');
    if (basis !== this.image.features) throw conflict;
    const key = this.keys.features;
    const r = await this.o.kv.txn({ compares: [modRevisionIs(key, this.image.featuresRevision)], success: [{ type: 'put', key, value: encodeRecord({ levels: Object.fromEntries(levels) }) }] });
    if (!r.succeeded) throw conflict;
    await this.waiters.revision(r.revision);
  }

  /** The next block of `size` producer ids, unique in the cluster (producer-id-blocks.ts). */
  allocateProducerIds(size: number): Promise<{ first: number; last: number }> {
    return allocateProducerIdBlock(this.o.kv, this.keys.producerIds, this.o.self.nodeId, size);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.controller.close();
    this.rebalance.close();
    this.resyncTimer?.cancel();
    this.waiters.close('the metadata store is closing');
    try {
      await this.watch?.cancel();
    } catch {
      // the store may be unreachable: nothing to cancel there
    }
    try {
      await this.session?.close();
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'could not revoke the session lease; it expires by itself');
    }
    if (this.o.ownsKv) await this.o.kv.close();
  }

  /**
   * Stops as a crashed broker would: no more keep-alives, no revocation; its registration and
   * any controllership go when the lease expires. For tests.
   */
  async crash(): Promise<void> {
    this.session?.abandon();
    this.session = null;
    await this.close();
  }

  private async start(localClusterId: string | null): Promise<void> {
    const { kv } = this.o;
    const fresh = randomBytes(16).toString('base64url');
    // A new cluster: the id, and the levels it is created with (Kafka's bootstrap records).
    const bootstrap = encodeRecord({ levels: Object.fromEntries(DEFAULT_FEATURE_LEVELS) });
    await kv.txn({
      compares: [absent(this.keys.clusterId)],
      success: [{ type: 'put', key: this.keys.clusterId, value: localClusterId ?? fresh }, { type: 'put', key: this.keys.bootstrapFeatures, value: bootstrap }],
    });
    const snapshot = await kv.range(this.keys.root);
    this.image.load(snapshot.entries, snapshot.revision);
    const clusterId = this.image.clusterId!;
    if (localClusterId !== null && localClusterId !== clusterId) {
      throw new Error(
        `The cluster id ${clusterId} in the metadata store does not match the cluster id ${localClusterId} in ${join(this.o.logDir, 'meta.properties')}: ` +
          'this log directory belongs to another cluster.',
      );
    }
    writeMetaProperties(this.o.logDir, clusterId, this.o.self.nodeId, this.dirId);
    await this.startWatch(snapshot.revision + 1);
    await this.register(true);
    this.controller.kick();
    // Serve with a controller known, as a Kafka broker does; without one, serve all the same.
    await this.waiters.wait<void>('a controller to be elected', (_change, resolve) => {
      if (this.image.controller === null) return false;
      resolve();
      return true;
    }).catch((err: Error) => this.o.logger.warn({ err: err.message }, 'no controller yet'));
  }

  private async startWatch(from: number): Promise<void> {
    this.watch = await this.o.kv.watch(this.keys.root, from, {
      events: (events, revision) => this.changed(this.image.apply(events, revision)),
      error: (err) => {
        this.o.logger.warn({ err: err.message }, 'metadata watch ended; reloading');
        this.watch = null;
        this.resync();
      },
    });
  }

  /** Reloads the image from a snapshot and watches again (after the watch lost its history). */
  private resync(): void {
    if (this.closed) return;
    void (async () => {
      try {
        const snapshot = await this.o.kv.range(this.keys.root);
        if (this.closed) return;
        this.changed(this.image.load(snapshot.entries, snapshot.revision));
        await this.startWatch(snapshot.revision + 1);
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'metadata reload failed; retrying');
        this.resyncTimer = this.o.clock.schedule(1000, () => this.resync());
      }
    })();
  }

  /**
   * Registers under a new session. At start-up a live registration of the node id refuses
   * start-up, unless it is this log directory's own (a restart after a crash), which is revoked.
   */
  private async register(startup: boolean): Promise<void> {
    const { kv, self } = this.o;
    const key = this.keys.broker(self.nodeId);
    const refusal = registrationRefusal(this.image.features);
    if (refusal !== null) {
      if (startup) throw new Error(refusal);
      throw new MetadataError(ErrorCode.UNSUPPORTED_VERSION, refusal);
    }
    const session = await LeaseSession.start({ kv, clock: this.o.clock, ttlSeconds: this.o.sessionTtlSeconds, onLost: (reason) => this.sessionLost(reason) });
    const record: BrokerRecord = { nodeId: self.nodeId, host: self.host, port: self.port, rack: self.rack, dirId: this.dirId, features: supportedRanges() };
    if (startup) this.uncleanShutdown = await shutDownUncleanly(kv, this.keys, self.nodeId, self.previousBrokerEpoch);
    // Registering again after a lost session (the process ran on) keeps a mark not yet cleared.
    if (this.uncleanShutdown) record.uncleanShutdown = true;
    record.logDirs = this.logDirs;
    record.cordonedLogDirs = this.cordonedLogDirs;
    if (self.listeners !== undefined) record.listeners = [...self.listeners];
    for (let attempt = 0; ; attempt++) {
      const r = await kv.txn({ compares: [absent(key)], success: [{ type: 'put', key, value: encodeRecord(record), lease: session.id }] });
      if (r.succeeded) {
        if (this.closed) {
          // Closed while registering again: give the new registration up at once.
          await session.close();
          return;
        }
        this.session = session;
        await this.waiters.revision(r.revision);
        this.controller.setLease(session.id);
        this.o.logger.info({ nodeId: self.nodeId, epoch: this.brokerEpoch, uncleanShutdown: this.uncleanShutdown }, 'registered broker');
        await recordBrokerEpoch(kv, this.keys, self.nodeId, key, r.revision, this.o.logger);
        // Listeners saw the registration land in the image before `registered` held: tell them
        // again (replication unfences on it), as sessionLost tells them of the loss.
        if (!startup) this.changed({ revision: this.image.revision, topics: new Set(), brokers: true, controller: false, topicErrors: [] });
        return;
      }
      const held = await kv.get(key);
      if (held === undefined) continue;
      const other = JSON.parse(held.value) as BrokerRecord;
      if (other.dirId === this.dirId && attempt === 0) {
        await kv.revokeLease(held.lease);
        continue;
      }
      await session.close();
      const message = `node.id ${self.nodeId} is already registered by a live broker at ${other.host}:${other.port} (cluster ${this.clusterId}): every broker of a cluster needs its own node.id`;
      if (startup) throw new Error(message);
      throw new MetadataError(ErrorCode.UNKNOWN_SERVER_ERROR, message);
    }
  }

  /** The session expired: the broker is fenced until it registers again with a new epoch. */
  private sessionLost(reason: string): void {
    this.o.logger.warn({ reason }, 'metadata session lost: this broker is fenced until it registers again');
    this.session = null;
    this.controller.setLease(null);
    this.changed({ revision: this.image.revision, topics: new Set(), brokers: true, controller: true, topicErrors: [] });
    void this.reregister();
  }

  private async reregister(): Promise<void> {
    if (this.reregistering) return;
    this.reregistering = true;
    try {
      while (!this.closed && this.session === null) {
        try {
          await this.register(false);
        } catch (err) {
          this.o.logger.warn({ err: (err as Error).message }, 'registering again failed; retrying');
          await new Promise<void>((resolve) => this.o.clock.schedule(1000, resolve));
        }
      }
    } finally {
      this.reregistering = false;
    }
  }

  private changed(change: ImageChange): void {
    if (this.uncleanShutdown && change.brokers) {
      const mine = this.image.brokers.get(this.o.self.nodeId);
      if (mine !== undefined && mine.lease === this.session?.id && mine.record.uncleanShutdown !== true) this.uncleanShutdown = false;
    }
    this.waiters.changed(change);
    this.controller.kick();
    this.rebalance.kick();
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.o.logger.error({ err: (err as Error).message }, 'metadata listener failed');
      }
    }
  }
}

const EMPTY_CONFIGS: Readonly<Record<string, string>> = Object.freeze({});

/** A random topic id, never Kafka's reserved zero or metadata-topic ids. */
function newTopicId(): Buffer {
  for (;;) {
    const id = randomBytes(16);
    if (id.readBigUInt64BE(0) !== 0n || id.readBigUInt64BE(8) > 1n) return id;
  }
}
