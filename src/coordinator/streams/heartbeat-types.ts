/**
 * StreamsGroupHeartbeat as the streams group logic sees it: the request's fields (the
 * handler copies them from the decoded request) and the response it builds, with the
 * fields of Kafka 4.4's StreamsGroupHeartbeatRequest/Response under their generated names.
 */
import type { StatusEntry, InternalTopicToCreate } from './configured-topology.js';
import type { EndpointToPartitions } from './endpoints.js';
import type { StreamsGroupRecord } from './streams-records.js';
import type { StreamsGroup } from './streams-group.js';
import type { WireTaskIds } from './tasks.js';
import type { WireTopology } from './topology.js';

export interface WireTaskOffset {
  subtopologyId: string;
  partition: number;
  offset: bigint;
}

export interface StreamsHeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  endpointInformationEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  topology: WireTopology | null;
  activeTasks: WireTaskIds[] | null;
  standbyTasks: WireTaskIds[] | null;
  warmupTasks: WireTaskIds[] | null;
  processId: string | null;
  userEndpoint: { host: string; port: number } | null;
  clientTags: Array<{ key: string; value: string }> | null;
  taskOffsets: WireTaskOffset[] | null;
  taskEndOffsets: WireTaskOffset[] | null;
  shutdownApplication: boolean;
  clientId: string;
  clientHost: string;
  apiVersion: number;
}

export interface StreamsHeartbeatResponse {
  errorCode: number;
  errorMessage: string | null;
  memberId: string;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  acceptableRecoveryLag: number;
  taskOffsetIntervalMs: number;
  status: StatusEntry[] | null;
  activeTasks: WireTaskIds[] | null;
  standbyTasks: WireTaskIds[] | null;
  warmupTasks: WireTaskIds[] | null;
  endpointInformationEpoch: number;
  partitionsByUserEndpoint: EndpointToPartitions[] | null;
}

/** What a heartbeat answers, the records it writes, and the internal topics to create. */
export interface StreamsHeartbeatOutcome {
  response: StreamsHeartbeatResponse;
  records: StreamsGroupRecord[];
  topicsToCreate: InternalTopicToCreate[];
  /** Run once the records are applied: memory-only state and the response fields that read the group. */
  finish: ((group: StreamsGroup) => void) | null;
}
