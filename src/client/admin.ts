/**
 * Administration over the internal client: topics, configs, groups and the cluster, each
 * call one request (or one per broker or coordinator) whose errors become KafkaResponseErrors
 * carrying Kafka's error names. The `millrace` tools print what these return.
 */
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import { ZERO_UUID } from '../protocol/primitives/codec-helpers.js';
import type { KafkaClient } from './client.js';
import type { BrokerConnection } from './connection.js';
import { KafkaResponseError, throwIfError } from './errors.js';
import { decodeConsumerAssignment } from './group-member-protocol.js';

/** DescribeConfigs / IncrementalAlterConfigs resource types. */
export const ResourceType = { TOPIC: 2, BROKER: 4, GROUP: 32 } as const;

/** Where a config value comes from (DescribeConfigs `configSource`), by Kafka's names. */
export const CONFIG_SOURCES = [
  'UNKNOWN', 'DYNAMIC_TOPIC_CONFIG', 'DYNAMIC_BROKER_CONFIG', 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG', 'DEFAULT_CONFIG', 'DYNAMIC_BROKER_LOGGER_CONFIG', 'CLIENT_METRICS_CONFIG', 'GROUP_CONFIG',
] as const;

const OP_SET = 0;
const OP_DELETE = 1;
const TIMEOUT_MS = 30_000;

export interface NewTopic {
  name: string;
  /** -1: the broker's `num.partitions`. */
  partitions?: number;
  /** -1: the broker's `default.replication.factor`. */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offline: number[];
  /** A partition-level error name, or null. */
  error: string | null;
}

export interface TopicDescription {
  name: string;
  /** Kafka's form: base64url of the 16 bytes. */
  topicId: string;
  internal: boolean;
  partitions: PartitionInfo[];
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: string;
  readOnly: boolean;
  sensitive: boolean;
  isDefault: boolean;
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  /** Empty when the broker is older than ListGroups v4. */
  state: string;
  /** classic, consumer, share or streams; empty when the broker is older than ListGroups v5. */
  type: string;
  coordinator: number;
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  host: string;
  assignment: TopicPartitions[];
}

export interface GroupDescription {
  groupId: string;
  state: string;
  /** classic or consumer (KIP-848). */
  type: string;
  protocolType: string;
  /** The assignor (classic: the chosen protocol; consumer: the server assignor). */
  assignor: string;
  coordinator: number;
  members: GroupMemberDescription[];
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: { id: number; host: string; port: number; rack: string | null }[];
}

export interface BrokerVersions {
  apis: { apiKey: number; min: number; max: number }[];
  supportedFeatures: { name: string; min: number; max: number }[];
  finalizedFeatures: { name: string; level: number }[];
}

/** Administration requests over one KafkaClient. */
export class Admin {
  readonly client: KafkaClient;

  constructor(client: KafkaClient) {
    this.client = client;
  }

  // ---- topics ----

  async createTopic(topic: NewTopic): Promise<{ topicId: string; partitions: number; replicationFactor: number }> {
    const r = await this.client.request(ApiKey.CreateTopics, {
      topics: [{
        name: topic.name,
        numPartitions: topic.partitions ?? -1,
        replicationFactor: topic.replicationFactor ?? -1,
        assignments: [],
        configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
      }],
      timeoutMs: TIMEOUT_MS,
      validateOnly: false,
    });
    const t = r.topics[0];
    if (t === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `creating topic ${topic.name}`, 'empty answer');
    throwIfError(t.errorCode, `creating topic ${topic.name}`, t.errorMessage);
    return { topicId: t.topicId.toString('base64url'), partitions: t.numPartitions, replicationFactor: t.replicationFactor };
  }

  async deleteTopic(name: string): Promise<void> {
    const r = await this.client.request(ApiKey.DeleteTopics, {
      topics: [{ name, topicId: ZERO_UUID }], topicNames: [name], timeoutMs: TIMEOUT_MS,
    });
    const t = r.responses[0];
    if (t === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `deleting topic ${name}`, 'empty answer');
    throwIfError(t.errorCode, `deleting topic ${name}`, t.errorMessage);
  }

  /** Raises the partition count of a topic to `count`. */
  async createPartitions(name: string, count: number): Promise<void> {
    const r = await this.client.request(ApiKey.CreatePartitions, {
      topics: [{ name, count, assignments: null }], timeoutMs: TIMEOUT_MS, validateOnly: false,
    });
    const t = r.results[0];
    if (t === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `altering topic ${name}`, 'empty answer');
    throwIfError(t.errorCode, `altering topic ${name}`, t.errorMessage);
  }

  /** Every topic name, sorted; internal topics (`__consumer_offsets`) only when asked. */
  async listTopics(includeInternal = true): Promise<string[]> {
    const md = await this.client.metadata(null);
    return md.topics
      .filter((t) => t.errorCode === ErrorCode.NONE && t.name !== null && (includeInternal || !t.isInternal))
      .map((t) => t.name!)
      .sort();
  }

  /** Partitions, leaders and replicas of topics; an unknown topic is an error. */
  async describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    const md = await this.client.metadata(names);
    return md.topics.map((t) => {
      const name = t.name ?? '';
      throwIfError(t.errorCode, `topic ${name}`);
      return {
        name,
        topicId: t.topicId.toString('base64url'),
        internal: t.isInternal,
        partitions: t.partitions
          .map((p) => ({
            partition: p.partitionIndex, leader: p.leaderId, leaderEpoch: p.leaderEpoch,
            replicas: p.replicaNodes, isr: p.isrNodes, offline: p.offlineReplicas,
            error: p.errorCode === ErrorCode.NONE ? null : new KafkaResponseError(p.errorCode, '').errorName,
          }))
          .sort((a, b) => a.partition - b.partition),
      };
    });
  }

  // ---- configs ----

  /** The configs of a topic (`resourceType` TOPIC) or broker (BROKER, name = broker id). */
  async describeConfigs(resourceType: number, resourceName: string, keys: string[] | null = null): Promise<ConfigEntry[]> {
    const conn = await this.configConnection(resourceType, resourceName);
    const r = await conn.request(ApiKey.DescribeConfigs, {
      resources: [{ resourceType, resourceName, configurationKeys: keys }],
      includeSynonyms: false, includeDocumentation: false,
    });
    const res = r.results[0];
    if (res === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `describing configs of ${resourceName}`, 'empty answer');
    throwIfError(res.errorCode, `describing configs of ${resourceLabel(resourceType, resourceName)}`, res.errorMessage);
    return res.configs
      .map((c) => ({
        name: c.name, value: c.isSensitive ? null : c.value,
        source: CONFIG_SOURCES[c.configSource] ?? String(c.configSource),
        readOnly: c.readOnly, sensitive: c.isSensitive,
        isDefault: c.configSource === 5,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Sets and removes dynamic configs (IncrementalAlterConfigs: other settings stay). */
  async alterConfigs(resourceType: number, resourceName: string, set: Record<string, string>, remove: readonly string[]): Promise<void> {
    const conn = await this.configConnection(resourceType, resourceName);
    const configs = [
      ...Object.entries(set).map(([name, value]) => ({ name, configOperation: OP_SET, value })),
      ...remove.map((name) => ({ name, configOperation: OP_DELETE, value: null })),
    ];
    const r = await conn.request(ApiKey.IncrementalAlterConfigs, {
      resources: [{ resourceType, resourceName, configs }], validateOnly: false,
    });
    const res = r.responses[0];
    if (res === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `altering configs of ${resourceName}`, 'empty answer');
    throwIfError(res.errorCode, `altering configs of ${resourceLabel(resourceType, resourceName)}`, res.errorMessage);
  }

  // Broker configs are answered by that broker; topic configs by any.
  private async configConnection(resourceType: number, resourceName: string): Promise<BrokerConnection> {
    if (resourceType === ResourceType.BROKER && resourceName !== '') {
      const id = Number(resourceName);
      if (!Number.isInteger(id)) throw new Error(`invalid broker id "${resourceName}"`);
      return this.client.node(id);
    }
    return this.client.any();
  }

  // ---- groups ----

  /**
   * Groups of every broker, sorted by id; only those in one of `filters.states` and of one of
   * `filters.types` (classic, consumer, share, streams) when given, matched by the broker
   * (ListGroups v4 filters states, v5 types) without regard to case, as Kafka matches them.
   */
  async listGroups(filters: { states?: readonly string[]; types?: readonly string[] } = {}): Promise<ListedGroup[]> {
    await this.client.metadata([]);
    const statesFilter = [...(filters.states ?? [])];
    const typesFilter = [...(filters.types ?? [])];
    const out: ListedGroup[] = [];
    for (const b of this.client.brokers()) {
      const conn = await this.client.node(b.nodeId);
      const v = conn.version(ApiKey.ListGroups);
      if ((statesFilter.length > 0 && v < 4) || (typesFilter.length > 0 && v < 5)) {
        throw new KafkaResponseError(ErrorCode.UNSUPPORTED_VERSION, `broker ${b.nodeId} cannot filter groups by ${typesFilter.length > 0 && v < 5 ? 'type (ListGroups v5)' : 'state (ListGroups v4)'}`);
      }
      const r = await conn.request(ApiKey.ListGroups, { statesFilter, typesFilter }, v);
      throwIfError(r.errorCode, `listing groups on broker ${b.nodeId}`);
      for (const g of r.groups) {
        out.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType, coordinator: b.nodeId });
      }
    }
    return out.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  /**
   * A group's state and members. Consumer-protocol groups (KIP-848) are described with
   * ConsumerGroupDescribe where the broker serves it; classic groups, and brokers without
   * it, with DescribeGroups (as Kafka's admin client falls back).
   */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    if (this.client.brokers().length === 0) await this.client.metadata([]);
    return this.client.retrying(async () => {
      const conn = await this.client.coordinator(groupId);
      const coordinator = this.nodeIdOf(conn);
      if (conn.brokerRange(ApiKey.ConsumerGroupDescribe) !== undefined) {
        const r = await conn.request(ApiKey.ConsumerGroupDescribe, { groupIds: [groupId], includeAuthorizedOperations: false });
        const g = r.groups[0];
        if (g !== undefined && g.errorCode === ErrorCode.NONE) {
          return {
            groupId, state: g.groupState, type: 'consumer', protocolType: 'consumer', assignor: g.assignorName, coordinator,
            members: g.members.map((m) => ({
              memberId: m.memberId, groupInstanceId: m.instanceId, clientId: m.clientId, host: m.clientHost,
              assignment: m.assignment.topicPartitions
                .map((tp) => ({ topic: tp.topicName, partitions: [...tp.partitions].sort((a, b) => a - b) })),
            })),
          };
        }
        // GROUP_ID_NOT_FOUND here means "not a consumer group": a classic one may exist.
        if (g !== undefined && g.errorCode !== ErrorCode.GROUP_ID_NOT_FOUND && g.errorCode !== ErrorCode.UNSUPPORTED_VERSION) {
          throwIfError(g.errorCode, `describing group ${groupId}`, g.errorMessage);
        }
      }
      const r = await conn.request(ApiKey.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false });
      const g = r.groups[0];
      if (g === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `describing group ${groupId}`, 'empty answer');
      throwIfError(g.errorCode, `describing group ${groupId}`, g.errorMessage);
      return {
        groupId, state: g.groupState, type: 'classic', protocolType: g.protocolType, assignor: g.protocolData, coordinator,
        members: g.members.map((m) => ({
          memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, host: m.clientHost,
          assignment: g.protocolType === 'consumer' ? decodeAssignmentSafely(m.memberAssignment) : [],
        })),
      };
    });
  }

  /** Deletes groups (they must be empty); resolves with each group's error name or null. */
  async deleteGroups(groupIds: readonly string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    for (const groupId of groupIds) {
      const code = await this.client.retrying(async () => {
        const conn = await this.client.coordinator(groupId);
        const r = await conn.request(ApiKey.DeleteGroups, { groupsNames: [groupId] });
        const res = r.results[0];
        const c = res?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
        const err = new KafkaResponseError(c, `deleting group ${groupId}`);
        if (c !== ErrorCode.NONE && err.retriable) throw err;
        return c;
      });
      out.set(groupId, code === ErrorCode.NONE ? null : new KafkaResponseError(code, '').errorName);
    }
    return out;
  }

  /**
   * The committed offsets of a group: topic → partition → offset (only committed ones); their
   * leader epochs (-1: none recorded) go into `epochs` when given.
   */
  async fetchOffsets(groupId: string, topics: readonly string[] | null = null,
    epochs?: Map<string, Map<number, number>>): Promise<Map<string, Map<number, bigint>>> {
    return this.client.retrying(async () => {
      const conn = await this.client.coordinator(groupId);
      const v = conn.version(ApiKey.OffsetFetch);
      const out = new Map<string, Map<number, bigint>>();
      if (topics !== null && topics.length > 0) {
        // Partition lists are needed per topic: ask for every partition the metadata knows.
        const md = await this.client.metadata(topics);
        const wanted = md.topics.map((t) => ({ name: t.name ?? '', partitionIndexes: t.partitions.map((p) => p.partitionIndex) }));
        return this.fetchOffsetsFrom(conn, v, groupId, wanted, out, epochs);
      }
      if (v < 2) throw new KafkaResponseError(ErrorCode.UNSUPPORTED_VERSION, 'fetching all offsets of a group needs OffsetFetch v2');
      return this.fetchOffsetsFrom(conn, v, groupId, null, out, epochs);
    });
  }

  private async fetchOffsetsFrom(
    conn: BrokerConnection, v: number, groupId: string,
    topics: { name: string; partitionIndexes: number[] }[] | null, out: Map<string, Map<number, bigint>>,
    epochs: Map<string, Map<number, number>> | undefined,
  ): Promise<Map<string, Map<number, bigint>>> {
    const r = await conn.request(ApiKey.OffsetFetch, v >= 8
      ? { groupId: '', topics: [], groups: [{ groupId, memberId: null, memberEpoch: -1, topics: topics?.map((t) => ({ ...t, topicId: ZERO_UUID })) ?? null }], requireStable: false }
      : { groupId, topics, groups: [], requireStable: false }, v);
    const parts = v >= 8 ? r.groups[0] : { errorCode: r.errorCode, topics: r.topics };
    if (parts === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `fetching offsets of ${groupId}`, 'empty answer');
    throwIfError(parts.errorCode, `fetching offsets of group ${groupId}`);
    for (const t of parts.topics) {
      for (const p of t.partitions) {
        throwIfError(p.errorCode, `fetching offsets of group ${groupId} for ${t.name}-${p.partitionIndex}`);
        if (p.committedOffset < 0n) continue;
        let m = out.get(t.name);
        if (m === undefined) out.set(t.name, (m = new Map()));
        m.set(p.partitionIndex, p.committedOffset);
        if (epochs !== undefined) {
          let e = epochs.get(t.name);
          if (e === undefined) epochs.set(t.name, (e = new Map()));
          e.set(p.partitionIndex, p.committedLeaderEpoch);
        }
      }
    }
    return out;
  }

  /**
   * Commits offsets for a group from outside it (generation -1, no member id): Kafka accepts
   * this only while the group has no active members, as kafka-consumer-groups.sh relies on.
   */
  async commitOffsets(groupId: string, offsets: ReadonlyMap<string, ReadonlyMap<number, bigint>>): Promise<void> {
    await this.client.retrying(async () => {
      const conn = await this.client.coordinator(groupId);
      const r = await conn.request(ApiKey.OffsetCommit, {
        groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
        topics: [...offsets].map(([name, parts]) => ({
          name,
          topicId: ZERO_UUID,
          partitions: [...parts].map(([partitionIndex, committedOffset]) => ({
            partitionIndex, committedOffset, committedLeaderEpoch: -1, committedMetadata: '',
          })),
        })),
      });
      for (const t of r.topics) {
        for (const p of t.partitions) throwIfError(p.errorCode, `committing offsets of group ${groupId} for ${t.name}-${p.partitionIndex}`);
      }
    });
  }

  // ---- cluster ----

  /** Cluster id, controller and brokers (DescribeCluster where served, else Metadata). */
  async describeCluster(): Promise<ClusterDescription> {
    const conn = await this.client.any();
    if (conn.brokerRange(ApiKey.DescribeCluster) !== undefined) {
      const r = await conn.request(ApiKey.DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: false });
      throwIfError(r.errorCode, 'describing the cluster', r.errorMessage);
      return {
        clusterId: r.clusterId, controllerId: r.controllerId,
        brokers: r.brokers.map((b) => ({ id: b.brokerId, host: b.host, port: b.port, rack: b.rack })).sort((a, b) => a.id - b.id),
      };
    }
    const md = await this.client.metadata([]);
    return {
      clusterId: md.clusterId, controllerId: md.controllerId,
      brokers: md.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port, rack: b.rack })).sort((a, b) => a.id - b.id),
    };
  }

  /** The API version ranges and features (`metadata.version`, `kraft.version`, ...) a broker reports. */
  async brokerVersions(conn?: BrokerConnection): Promise<BrokerVersions> {
    const c = conn ?? await this.client.any();
    const v = c.version(ApiKey.ApiVersions, 4);
    const r = await c.request(ApiKey.ApiVersions, { clientSoftwareName: 'millrace', clientSoftwareVersion: '0', clusterId: null, nodeId: -1 }, v);
    throwIfError(r.errorCode, 'ApiVersions');
    return {
      apis: r.apiKeys.map((k) => ({ apiKey: k.apiKey, min: k.minVersion, max: k.maxVersion })).sort((a, b) => a.apiKey - b.apiKey),
      supportedFeatures: r.supportedFeatures.map((f) => ({ name: f.name, min: f.minVersion, max: f.maxVersion })),
      finalizedFeatures: r.finalizedFeatures.map((f) => ({ name: f.name, level: f.maxVersionLevel })),
    };
  }

  private nodeIdOf(conn: BrokerConnection): number {
    const b = this.client.brokers().find((n) => n.host === conn.host && n.port === conn.port);
    return b?.nodeId ?? -1;
  }
}

function resourceLabel(resourceType: number, name: string): string {
  if (resourceType === ResourceType.TOPIC) return `topic ${name}`;
  if (resourceType === ResourceType.BROKER) return name === '' ? 'the default broker config' : `broker ${name}`;
  return name;
}

/** The partitions in a consumer-protocol assignment (versions all start with the v0 layout). */
export function decodeAssignmentSafely(bytes: Buffer): TopicPartitions[] {
  if (bytes.length < 2) return [];
  try {
    return decodeConsumerAssignment(bytes).map((tp) => ({ topic: tp.topic, partitions: [...tp.partitions].sort((a, b) => a - b) }));
  } catch {
    return [];
  }
}
