/**
 * The group coordinator's streams group operations (KIP-1071), kept apart from coordinator.ts:
 * a heartbeat answered once its records are committed, with the internal topics the group
 * needs (the handler creates them, as KafkaApis does), an empty classic group under the id
 * replaced first (Kafka converts it); StreamsGroupDescribe's answer for one id; and KIP-1331's
 * topology descriptions (the update, the heartbeat's request for one, describe's attachment).
 */
import type { Logger } from 'pino';
import type { GroupManager } from './classic/group-manager.js';
import { GroupState } from './classic/group-state.js';
import type { ConsumerGroupManager } from './consumer/consumer-group-manager.js';
import { GroupError } from './consumer/errors.js';
import { groupTombstone, type CoordinatorRecord } from './records.js';
import { CoordinatorWriteError } from './sink.js';
import type { InternalTopicToCreate } from '../streams/configured-topology.js';
import type { StreamsHeartbeatRequest, StreamsHeartbeatResponse } from '../streams/heartbeat-types.js';
import { describeStreamsGroup, type DescribedStreamsGroup } from '../streams/streams-group-describe.js';
import { StreamsGroupManager } from '../streams/streams-group-manager.js';
import { DescriptionStatus, type AttachedDescription } from '../streams/topology-description/manager.js';
import { updateTopologyDescription, type DescriptionUpdate, type DescriptionUpdateResult } from '../streams/topology-description/update.js';

export interface StreamsHeartbeatAnswer {
  response: StreamsHeartbeatResponse;
  topicsToCreate: InternalTopicToCreate[];
  /** v1 (KIP-1331): the member is to push its topology description. */
  topologyDescriptionRequired: boolean;
}

/** What these operations need of the coordinator. */
export interface StreamsGroupsHost {
  readonly groups: GroupManager;
  readonly consumer: ConsumerGroupManager;
  readonly streams: StreamsGroupManager;
  readonly logger: Logger;
  /** Appends records and applies them (throws CoordinatorWriteError). */
  write(groupId: string, records: CoordinatorRecord[]): Promise<void> | null;
  /** The response error of a failed write. */
  errorOf(err: unknown): number;
}

export function streamsGroupHeartbeat(host: StreamsGroupsHost, req: StreamsHeartbeatRequest): StreamsHeartbeatAnswer | Promise<StreamsHeartbeatAnswer> {
  const fail = (errorCode: number, message: string | null): StreamsHeartbeatAnswer => ({
    response: StreamsGroupManager.errorResponse(errorCode, message), topicsToCreate: [], topologyDescriptionRequired: false,
  });
  const classic = host.groups.group(req.groupId);
  if (req.memberEpoch === 0 && classic !== undefined && classic.state === GroupState.Empty && host.streams.group(req.groupId) === undefined && host.consumer.group(req.groupId) === undefined) {
    try {
      host.write(req.groupId, [groupTombstone(req.groupId)]);
      host.logger.info({ groupId: req.groupId }, 'converted the empty classic group to a streams group');
    } catch (err) {
      return fail(host.errorOf(err), null);
    }
  }
  let result;
  try {
    result = host.streams.heartbeat(req);
  } catch (err) {
    if (err instanceof GroupError) return fail(err.errorCode, err.message);
    if (err instanceof CoordinatorWriteError) return fail(host.errorOf(err), null);
    throw err;
  }
  const answer: StreamsHeartbeatAnswer = { response: result.response, topicsToCreate: result.topicsToCreate, topologyDescriptionRequired: false };
  if (result.committed === null) return withDescriptionRequired(host, req, answer);
  return result.committed.then(() => withDescriptionRequired(host, req, answer), (err: unknown) => fail(host.errorOf(err), null));
}

/** Once the heartbeat is committed: whether its member is asked for the topology description (Kafka's maybeSetTopologyDescriptionRequired). */
function withDescriptionRequired(host: StreamsGroupsHost, req: StreamsHeartbeatRequest, answer: StreamsHeartbeatAnswer): StreamsHeartbeatAnswer {
  answer.topologyDescriptionRequired = host.streams.descriptions.descriptionRequired(host.streams.group(req.groupId), answer.response, req.apiVersion, req.memberEpoch);
  return answer;
}

/**
 * StreamsGroupTopologyDescriptionUpdate once the handler's checks passed (update.ts): the
 * error code and message; errors of the writes map as a heartbeat's do.
 */
export async function streamsGroupTopologyDescriptionUpdate(host: StreamsGroupsHost, req: DescriptionUpdate): Promise<DescriptionUpdateResult> {
  try {
    return await updateTopologyDescription(host.streams, req, host.errorOf);
  } catch (err) {
    if (err instanceof GroupError) return { errorCode: err.errorCode, errorMessage: err.message };
    if (err instanceof CoordinatorWriteError) return { errorCode: host.errorOf(err), errorMessage: null };
    throw err;
  }
}

/** StreamsGroupDescribe's topology description for a described group (v1, when asked). */
export function streamsGroupDescription(host: StreamsGroupsHost, groupId: string): AttachedDescription {
  const group = host.streams.group(groupId);
  if (group === undefined) return { topologyDescription: null, topologyDescriptionStatus: DescriptionStatus.NotStored };
  return host.streams.descriptions.attach(group);
}

export function streamsGroupDescribe(host: StreamsGroupsHost, groupId: string): DescribedStreamsGroup {
  const group = host.streams.group(groupId);
  if (group !== undefined) return describeStreamsGroup(group, groupId, null);
  const other = host.groups.group(groupId) !== undefined || host.consumer.group(groupId) !== undefined;
  return describeStreamsGroup(null, groupId, other ? `Group ${groupId} is not a streams group.` : `Group ${groupId} not found.`);
}
