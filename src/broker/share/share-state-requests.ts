/**
 * The share coordinator's side of the Read/Write/Initialize/DeleteShareGroupState and
 * ReadShareGroupStateSummary requests (Kafka's ShareCoordinatorService, behind KafkaApis):
 * brokers only (CLUSTER_ACTION on the cluster, else every partition CLUSTER_AUTHORIZATION_FAILED
 * with Kafka's message); an empty group id or no topics answers nothing (Kafka logs it); each
 * partition is served by this broker's ShareStateTopic, which answers NOT_COORDINATOR for a
 * share-partition whose __share_group_state partition it does not lead.
 */
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import { AclOperation } from '../../cluster/acls.js';
import type { SharePartitionKey } from '../../coordinator/share/share-state-records.js';
import { authorizeCluster } from '../authorize.js';
import type { BrokerContext } from '../context.js';
import type { RequestInfo } from '../handlers/handler.js';

interface StateRequest<P extends { partition: number }> {
  groupId: string;
  topics: ReadonlyArray<{ topicId: Buffer; partitions: readonly P[] }>;
}

/**
 * Answers every partition of `request`: with `refused` when the caller may not, else with
 * `serve` for each (one after another: they share the coordinator's partitions).
 */
export async function servePartitions<P extends { partition: number }, R>(
  broker: BrokerContext,
  info: RequestInfo,
  request: StateRequest<P>,
  refused: (partition: number, errorCode: number, message: string | null) => R,
  serve: (key: SharePartitionKey, p: P) => Promise<R>,
): Promise<Array<{ topicId: Buffer; partitions: R[] }>> {
  if (!authorizeCluster(broker, info, AclOperation.ClusterAction)) {
    const message = errorMessage(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    return request.topics.map((t) => ({ topicId: t.topicId, partitions: t.partitions.map((p) => refused(p.partition, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, message)) }));
  }
  if (request.groupId === '' || request.topics.length === 0) return [];
  const out: Array<{ topicId: Buffer; partitions: R[] }> = [];
  for (const t of request.topics) {
    const partitions: R[] = [];
    const topicId = t.topicId.toString('hex');
    for (const p of t.partitions) partitions.push(await serve({ groupId: request.groupId, topicId, partition: p.partition }, p));
    out.push({ topicId: t.topicId, partitions });
  }
  return out;
}

/** An error's message as Kafka's responses carry it (null for NONE). */
export function messageOf(errorCode: number): string | null {
  return errorCode === ErrorCode.NONE ? null : errorMessage(errorCode);
}
