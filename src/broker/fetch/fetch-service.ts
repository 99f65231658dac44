/**
 * The broker's fetch path (Kafka's KafkaApis.handleFetchRequest with ReplicaManager.fetchMessages):
 * turns a Fetch request into partitions keyed by topic name (< v13) or topic id (v13+),
 * settles its fetch session, answers unknown topics and partitions without reading, reads
 * the rest, and either answers at once or parks the request until enough bytes arrive.
 * One per broker (`BrokerContext.fetch`), given the parts of the broker it uses (`FetchHost`).
 */
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../cluster/acls.js';
import type { StandardAuthorizer } from '../../security/authorizer/standard-authorizer.js';
import { endpointOn, partitionOf } from '../../cluster/metadata.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { FetchRequest } from '../../protocol/generated/fetch-request.js';
import type { FetchableTopicResponse, FetchResponse, NodeEndpoint } from '../../protocol/generated/fetch-response.js';
import { ZERO_UUID } from '../../protocol/primitives/codec-helpers.js';
import type { FetchHost } from './fetch-host.js';
import { DelayedFetch, FetchPurgatory, type DelayedFetchOwner } from './delayed-fetch.js';
import { errorPartitionData, readPartitions, releaseRead, type FetchParams } from './fetch-reader.js';
import { FetchContextKind, FetchSessionCache, PartitionFetch, type FetchContext, type FetchedPartition } from './fetch-session.js';
import { NO_EPOCH } from '../partition.js';

/** FetchRequest.FUTURE_LOCAL_REPLICA_ID: a log moving between directories (never over the network). */
const FUTURE_LOCAL_REPLICA_ID = -3;
const READ_COMMITTED = 1;

export class FetchService implements DelayedFetchOwner {
  readonly sessions: FetchSessionCache;
  readonly purgatory: FetchPurgatory;
  private readonly host: FetchHost;

  constructor(host: FetchHost, now: () => number = Date.now) {
    this.host = host;
    this.sessions = new FetchSessionCache(host.config.int('max.incremental.fetch.session.cache.slots'), undefined, now);
    this.purgatory = new FetchPurgatory(host, this, now);
  }

  /**
   * `listenerName`: the leader endpoints of NOT_LEADER_OR_FOLLOWER answers are on it.
   * `authorizer` null: every partition may be read. Otherwise as KafkaApis: a replica fetch
   * needs CLUSTER_ACTION on the cluster (else every partition TOPIC_AUTHORIZATION_FAILED), a
   * consumer READ on each topic.
   */
  fetch(
    request: FetchRequest, version: number, listenerName = 'PLAINTEXT', authorizer: StandardAuthorizer | null = null, principal = '', clientHost = '',
  ): FetchResponse | Promise<FetchResponse> {
    const host = this.host;
    const replicaId = version >= 15 ? request.replicaState.replicaId : request.replicaId;
    const isConsumer = replicaId < 0 && replicaId !== FUTURE_LOCAL_REPLICA_ID;
    const maxBytes = Math.min(request.maxBytes, host.config.int('fetch.max.bytes'));
    const readCommitted = isConsumer && request.isolationLevel === READ_COMMITTED;
    // Fetch v11+ carries the client's rack (Kafka's ClientMetadata); such a consumer may be
    // sent to, and served by, a follower (KIP-392, FetchParams.fetchOnlyLeader).
    const clientRack = version >= 11 ? request.rackId : null;
    const params: FetchParams = {
      version,
      replicaId,
      isFromFollower: replicaId >= 0,
      fetchOnlyLeader: replicaId >= 0 || (isConsumer && clientRack === null),
      clientRack,
      isolation: readCommitted ? 'txnCommitted' : isConsumer ? 'highWatermark' : 'logEnd',
      readCommitted,
      maxWaitMs: request.maxWaitMs,
      minBytes: Math.min(request.minBytes, maxBytes),
      maxBytes,
      listenerName,
    };
    const useIds = version >= 13;
    const fetchData = new Map<string, PartitionFetch>();
    for (const t of request.topics) {
      const idKey = useIds ? t.topicId.toString('hex') : t.topic;
      const known = useIds ? host.metadata.topicById(t.topicId) : undefined;
      const name = useIds ? (known?.name ?? null) : t.topic;
      // The request's uuid is a view of its frame; a session must not keep the frame alive.
      const topicId = !useIds ? ZERO_UUID : known !== undefined ? known.id : Buffer.from(t.topicId);
      for (const p of t.partitions) {
        const key = `${idKey}:${p.partition}`;
        // A repeated partition replaces the earlier one in its place, as in Kafka's LinkedHashMap.
        fetchData.set(
          key,
          new PartitionFetch(
            key,
            name,
            topicId,
            p.partition,
            Number(p.fetchOffset),
            Number(p.logStartOffset),
            p.partitionMaxBytes,
            p.currentLeaderEpoch < 0 ? NO_EPOCH : p.currentLeaderEpoch,
            version >= 12 && p.lastFetchedEpoch >= 0 ? p.lastFetchedEpoch : NO_EPOCH,
          ),
        );
      }
    }
    const forgotten: string[] = [];
    for (const t of request.forgottenTopicsData) {
      const idKey = useIds ? t.topicId.toString('hex') : t.topic;
      for (const p of t.partitions) forgotten.push(`${idKey}:${p}`);
    }
    const ctx = this.sessions.newContext(version, request.sessionId, request.sessionEpoch, params.isFromFollower, fetchData, forgotten);
    if (ctx.kind === FetchContextKind.SessionError) return this.respond(ctx, params, [], []);

    const interesting: PartitionFetch[] = [];
    const erroneous: FetchedPartition[] = [];
    const replicaDenied = authorizer !== null && params.isFromFollower && !authorizer.authorize(principal, clientHost, AclOperation.ClusterAction, ResourceType.Cluster, CLUSTER_NAME);
    for (const f of ctx.partitions) {
      if (f.topic === null && ctx.usesTopicIds) f.topic = host.metadata.topicById(f.topicId)?.name ?? null;
      if (replicaDenied) erroneous.push({ fetch: f, data: errorPartitionData(f.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED) });
      else if (f.topic === null) erroneous.push({ fetch: f, data: errorPartitionData(f.partition, ErrorCode.UNKNOWN_TOPIC_ID) });
      else if (authorizer !== null && !params.isFromFollower && !authorizer.authorize(principal, clientHost, AclOperation.Read, ResourceType.Topic, f.topic)) {
        erroneous.push({ fetch: f, data: errorPartitionData(f.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED) });
      } else if (partitionOf(host.metadata.topic(f.topic), f.partition) === undefined) {
        erroneous.push({ fetch: f, data: errorPartitionData(f.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) });
      } else interesting.push(f);
    }
    if (interesting.length === 0) return this.respond(ctx, params, [], erroneous);
    const read = readPartitions(host, params, interesting);
    if (params.maxWaitMs <= 0 || read.bytes >= params.minBytes || read.hasError || read.hasDivergingEpoch || read.hasPreferredReadReplica) {
      return this.respond(ctx, params, read.partitions, erroneous);
    }
    releaseRead(read); // not enough yet: the answer reads again
    const logs = interesting.map((f) => host.partitions.get(host.metadata.topic(f.topic!), f.partition)!.log!);
    const delayed = new DelayedFetch(params, ctx, interesting, logs, erroneous);
    this.purgatory.park(delayed);
    return delayed.promise;
  }

  /** DelayedFetch.onComplete: read again and answer. */
  answer(fetch: DelayedFetch): FetchResponse {
    const read = readPartitions(this.host, fetch.params, fetch.partitions);
    return this.respond(fetch.context, fetch.params, read.partitions, fetch.erroneous);
  }

  /** Answers every waiting fetch with what is there now; for shutdown. */
  completeAll(): void {
    this.purgatory.completeAll();
  }

  private respond(ctx: FetchContext, params: FetchParams, read: FetchedPartition[], erroneous: FetchedPartition[]): FetchResponse {
    const host = this.host;
    const nodeEndpoints: NodeEndpoint[] = [];
    if (params.version >= 16) {
      // KIP-951: point clients that lost the leader at the current one.
      for (const p of read) {
        const code = p.data.errorCode;
        if (code !== ErrorCode.NOT_LEADER_OR_FOLLOWER && code !== ErrorCode.FENCED_LEADER_EPOCH) continue;
        const pm = partitionOf(host.metadata.topic(p.fetch.topic!), p.fetch.partition);
        if (pm === undefined) continue;
        p.data.currentLeader = { leaderId: pm.leader, leaderEpoch: pm.leaderEpoch };
        const node = host.metadata.brokers().find((b) => b.nodeId === pm.leader);
        // At its endpoint on the request's listener; left out without one, as Kafka.
        const endpoint = node === undefined ? undefined : endpointOn(node, params.listenerName ?? 'PLAINTEXT');
        if (node !== undefined && endpoint !== undefined && !nodeEndpoints.some((n) => n.nodeId === node.nodeId)) {
          nodeEndpoints.push({ nodeId: node.nodeId, host: endpoint.host, port: endpoint.port, rack: node.rack });
        }
      }
    }
    if (params.isFromFollower) recordReplication(host, read);
    countBytesOut(host, read, params.isFromFollower);
    const outcome = this.sessions.finish(ctx, erroneous.length === 0 ? read : read.concat(erroneous));
    const useIds = params.version >= 13;
    const responses: FetchableTopicResponse[] = [];
    let current: FetchableTopicResponse | null = null;
    for (const p of outcome.partitions) {
      const f = p.fetch;
      if (params.version < 10 && f.topic !== null && p.data.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && isZstdTopic(host, f.topic)) {
        // Clients before v10 cannot read zstd (KIP-110).
        p.data = errorPartitionData(f.partition, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
      }
      // Consecutive partitions of one topic share an entry; order is kept (FetchResponse.toMessage).
      if (current === null || (useIds ? !current.topicId.equals(f.topicId) : current.topic !== f.topic)) {
        current = { topic: f.topic ?? '', topicId: f.topicId, partitions: [] };
        responses.push(current);
      }
      current.partitions.push(p.data);
    }
    return { throttleTimeMs: 0, errorCode: outcome.errorCode, sessionId: outcome.sessionId, responses, nodeEndpoints };
  }
}

function isZstdTopic(host: FetchHost, name: string): boolean {
  const topic = host.metadata.topic(name);
  return topic !== undefined && (topic.configs['compression.type'] ?? host.config.raw('compression.type')) === 'zstd';
}

/** The bytes sent to a follower count against the leader's replication throttle (KafkaApis' quotas.leader.record). */
function recordReplication(host: FetchHost, read: readonly FetchedPartition[]): void {
  const replication = host.partitions.replication;
  if (replication === null) return;
  for (let i = 0; i < read.length; i++) {
    const p = read[i]!;
    const size = p.data.records === null ? 0 : p.data.records.length;
    if (size > 0 && p.fetch.topic !== null) replication.recordLeaderReplication(p.fetch.topic, p.fetch.partition, size);
  }
}

/**
 * BrokerTopicMetrics BytesOutPerSec (consumers) or ReplicationBytesOutPerSec (followers): the
 * records of each partition answered, one stats lookup per partition read.
 */
function countBytesOut(host: FetchHost, read: readonly FetchedPartition[], follower: boolean): void {
  for (let i = 0; i < read.length; i++) {
    const p = read[i]!;
    const records = p.data.records;
    if (records === null || records.length === 0 || p.fetch.topic === null) continue;
    const stats = host.partitions.topicStats.of(p.fetch.topic);
    if (follower) stats.replicationBytesOut += records.length;
    else stats.bytesOut += records.length;
  }
}
