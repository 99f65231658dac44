// ElectLeaders (key 43), versions 0-2. v0 has no election type (PREFERRED) and no top-level
// error code, v2 is flexible. A null topic list elects every partition and leaves out those
// needing no election (Kafka's KIP-460 behaviour); each partition gets Kafka's error code.
// A cluster's store writes the elections (src/cluster/elect-leaders.ts); a single node's one
// broker leads every partition already, which the same election logic reports.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { ReplicaElectionResult } from '../../protocol/generated/elect-leaders-response.js';
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import { decideElection, electionErrorMessage, ElectionType } from '../../cluster/leader-election.js';
import { partitionOf, type MetadataStore } from '../../cluster/metadata.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeCluster } from '../authorize.js';
import { defineHandler } from './handler.js';

type Ref = { topic: string; partition: number };
type Outcome = Ref & { errorCode: number };

export const electLeadersHandler = defineHandler({
  apiKey: ApiKey.ElectLeaders,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, info, broker) {
    if (!authorizeCluster(broker, info, AclOperation.Alter)) {
      // ALTER on the cluster (KafkaApis): the request and each partition named are refused.
      const replicaElectionResults = (request.topicPartitions ?? []).map((t) => ({
        topic: t.topic,
        partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: errorMessage(ErrorCode.CLUSTER_AUTHORIZATION_FAILED) })),
      }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, replicaElectionResults };
    }
    const type = info.apiVersion === 0 ? ElectionType.PREFERRED : request.electionType;
    if (type !== ElectionType.PREFERRED && type !== ElectionType.UNCLEAN) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [] };
    }
    let refs: Ref[] | null = null;
    if (request.topicPartitions !== null) {
      refs = [];
      for (const t of request.topicPartitions) for (const partition of t.partitions) refs.push({ topic: t.topic, partition });
    }
    const store = broker.metadata;
    const outcomes = store.electLeaders !== undefined ? await store.electLeaders(type, refs) : singleNodeOutcomes(store, type, refs);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults: group(outcomes) };
  },
});

/** Results grouped by topic, topics and partitions in the order they came. */
function group(outcomes: readonly Outcome[]): ReplicaElectionResult[] {
  const byTopic = new Map<string, ReplicaElectionResult>();
  for (const o of outcomes) {
    let t = byTopic.get(o.topic);
    if (t === undefined) byTopic.set(o.topic, (t = { topic: o.topic, partitionResult: [] }));
    t.partitionResult.push({ partitionId: o.partition, errorCode: o.errorCode, errorMessage: electionErrorMessage(o.errorCode, o.topic, o.partition) });
  }
  return [...byTopic.values()];
}

/**
 * A store whose leaders never move: the elections decided over its partitions. Its broker
 * leads every partition, so each is ELECTION_NOT_NEEDED (or unknown); an election that would
 * move a leader cannot be carried out here and gets the election's not-available error.
 */
function singleNodeOutcomes(store: MetadataStore, type: number, refs: readonly Ref[] | null): Outcome[] {
  const live = new Set(store.brokers().map((b) => b.nodeId));
  const acceptable = (id: number): boolean => live.has(id);
  const notAvailable = type === ElectionType.PREFERRED ? ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE : ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE;
  const decide = (topic: string, partition: number): Outcome => {
    const p = partitionOf(store.topic(topic), partition);
    if (p === undefined) return { topic, partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    const outcome = decideElection(p, type, acceptable);
    return { topic, partition, errorCode: outcome.change === null ? outcome.errorCode : notAvailable };
  };
  if (refs !== null) return refs.map((r) => decide(r.topic, r.partition));
  const out: Outcome[] = [];
  for (const t of store.topics()) {
    for (const p of t.partitions) {
      const o = decide(t.name, p.partition);
      if (o.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) out.push(o);
    }
  }
  return out;
}
