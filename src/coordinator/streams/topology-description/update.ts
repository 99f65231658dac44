/**
 * StreamsGroupTopologyDescriptionUpdate at the coordinator (Kafka 4.4's
 * GroupCoordinatorService.streamsGroupTopologyDescriptionUpdate and the GroupMetadataManager
 * methods it calls), and the clean-up of empty groups' descriptions:
 *
 *   1. the member must be in the group and give the group's current topology epoch;
 *   2. the group's stored epoch is marked uncertain (-2) and written, so that a crash during
 *      the plugin call leaves a description the clean-up will delete;
 *   3. the plugin gets the description; then the stored epoch (success) or the failed epoch
 *      (permanent refusal) is written; a transient failure arms the heartbeat backoff.
 */
import { ErrorCode } from '../../../protocol/generated/errors.js';
import type { TopologyDescription } from '../../../protocol/generated/streams-group-topology-description-update-request.js';
import { GroupError } from '../errors.js';
import { groupMetadataRecord, metadataOf, type StreamsGroupRecord } from '../streams-records.js';
import type { StreamsGroup } from '../streams-group.js';
import type { StreamsGroupManager } from '../streams-group-manager.js';
import { descriptionFromRequest } from './converter.js';
import { currentTopologyEpoch, NO_STORED_EPOCH, PluginOutcomeKind, UNCERTAIN_EPOCH } from './manager.js';

export interface DescriptionUpdate {
  groupId: string;
  memberId: string;
  topologyEpoch: number;
  topologyDescription: TopologyDescription;
}

export interface DescriptionUpdateResult {
  errorCode: number;
  errorMessage: string | null;
}

/** GroupMetadataManager.streamsGroup: the streams group, or GROUP_ID_NOT_FOUND with Kafka's message. */
function streamsGroupOrThrow(mgr: StreamsGroupManager, groupId: string): StreamsGroup {
  const group = mgr.group(groupId);
  if (group !== undefined) return group;
  throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, mgr.otherGroupExists(groupId) ? `Group ${groupId} is not a streams group.` : `Group ${groupId} not found.`);
}

/** validateStreamsGroupTopologyDescriptionUpdate. */
export function validateDescriptionUpdate(mgr: StreamsGroupManager, groupId: string, memberId: string, topologyEpoch: number): void {
  const group = streamsGroupOrThrow(mgr, groupId);
  if (!group.members.has(memberId)) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${groupId}.`);
  const current = currentTopologyEpoch(group);
  if (current !== topologyEpoch) {
    throw new GroupError(ErrorCode.INVALID_REQUEST, `Topology epoch ${topologyEpoch} does not match the group's current topology epoch ${current}.`);
  }
}

/**
 * markStoredDescriptionTopologyEpochUncertain: the record that marks the group's stored
 * epoch uncertain, or null when none is needed; `marked` false when the group is not there,
 * or (not forced) it is not empty or holds nothing.
 */
function markUncertain(group: StreamsGroup | undefined, force: boolean): { marked: boolean; record: StreamsGroupRecord | null } {
  if (group === undefined || (!force && !group.isEmpty)) return { marked: false, record: null };
  const stored = group.storedDescriptionTopologyEpoch;
  if (stored === UNCERTAIN_EPOCH) return { marked: true, record: null };
  if (stored === NO_STORED_EPOCH && !force) return { marked: false, record: null };
  return { marked: true, record: groupMetadataRecord(group.groupId, metadataOf(group, { storedDescriptionTopologyEpoch: UNCERTAIN_EPOCH })) };
}

/** updateTopologyDescriptionEpochs: the record after a plugin call stored (failed false) or refused (failed true) the epoch's description. */
function epochsRecord(mgr: StreamsGroupManager, groupId: string, topologyEpoch: number, failed: boolean): StreamsGroupRecord {
  const group = streamsGroupOrThrow(mgr, groupId);
  const stored = group.storedDescriptionTopologyEpoch;
  const nextStored = failed ? stored : stored === NO_STORED_EPOCH ? UNCERTAIN_EPOCH : Math.max(stored, topologyEpoch);
  const nextFailed = failed ? Math.max(group.failedDescriptionTopologyEpoch, topologyEpoch) : group.failedDescriptionTopologyEpoch;
  return groupMetadataRecord(groupId, metadataOf(group, { storedDescriptionTopologyEpoch: nextStored, failedDescriptionTopologyEpoch: nextFailed }));
}

async function writeAndWait(mgr: StreamsGroupManager, groupId: string, record: StreamsGroupRecord): Promise<void> {
  const done = mgr.write(groupId, [record]);
  if (done !== null) await done;
}

/**
 * Writes the stored or failed epoch (completeEpochWrite): the backoff is cleared when it is
 * written, dropped when the group is gone, kept while the coordinator moves, else extended.
 */
async function completeEpochWrite(mgr: StreamsGroupManager, req: DescriptionUpdate, failed: boolean, errorOf: (err: unknown) => number): Promise<void> {
  const backoff = mgr.descriptions.backoff;
  try {
    await writeAndWait(mgr, req.groupId, epochsRecord(mgr, req.groupId, req.topologyEpoch, failed));
  } catch (err) {
    const code = err instanceof GroupError ? err.errorCode : errorOf(err);
    if (code === ErrorCode.GROUP_ID_NOT_FOUND) backoff.clearGroup(req.groupId);
    else if (code !== ErrorCode.NOT_COORDINATOR && code !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && code !== ErrorCode.COORDINATOR_NOT_AVAILABLE) backoff.armOrExtend(req.groupId, req.topologyEpoch);
    throw err;
  }
  backoff.clear(req.groupId, req.topologyEpoch);
}

/** The update after the handler's checks; throws GroupError or the write's error. */
export async function updateTopologyDescription(mgr: StreamsGroupManager, req: DescriptionUpdate, errorOf: (err: unknown) => number): Promise<DescriptionUpdateResult> {
  validateDescriptionUpdate(mgr, req.groupId, req.memberId, req.topologyEpoch);
  const description = descriptionFromRequest(req.topologyDescription);
  const mark = markUncertain(mgr.group(req.groupId), true);
  if (mark.record !== null) await writeAndWait(mgr, req.groupId, mark.record);
  if (!mark.marked) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} not found.`);
  const outcome = mgr.descriptions.setTopology(req.groupId, req.topologyEpoch, description);
  switch (outcome.kind) {
    case PluginOutcomeKind.Success:
      await completeEpochWrite(mgr, req, false, errorOf);
      return { errorCode: ErrorCode.NONE, errorMessage: null };
    case PluginOutcomeKind.Permanent:
      await completeEpochWrite(mgr, req, true, errorOf);
      return { errorCode: ErrorCode.STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED, errorMessage: outcome.message };
    case PluginOutcomeKind.Transient:
      mgr.descriptions.backoff.armOrExtend(req.groupId, req.topologyEpoch);
      return { errorCode: ErrorCode.STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED, errorMessage: outcome.message };
  }
}

/**
 * One clean-up cycle (runOneStreamsTopologyCleanupCycle): every empty streams group without
 * offsets whose description the plugin may hold is marked uncertain, its description
 * deleted, and then marked as holding none (or uncertain again, if a push came meanwhile),
 * so that the group can expire. `hasOffsets` tells whether a group still has committed offsets.
 */
export function cleanUpDescriptions(mgr: StreamsGroupManager, hasOffsets: (groupId: string) => boolean): Promise<number> | null {
  const descriptions = mgr.descriptions;
  // A cycle still running skips this one (Kafka's cycleInFlight).
  if (!descriptions.configured || descriptions.cycleInFlight) return null;
  descriptions.cycleInFlight = true;
  return cleanUpCycle(mgr, hasOffsets).finally(() => void (descriptions.cycleInFlight = false));
}

async function cleanUpCycle(mgr: StreamsGroupManager, hasOffsets: (groupId: string) => boolean): Promise<number> {
  let cleaned = 0;
  for (const group of [...mgr.groups.values()]) {
    if (!group.isEmpty || group.storedDescriptionTopologyEpoch === NO_STORED_EPOCH || hasOffsets(group.groupId)) continue;
    const mark = markUncertain(group, false);
    if (!mark.marked) continue;
    try {
      if (mark.record !== null) await writeAndWait(mgr, group.groupId, mark.record);
      if (!mgr.descriptions.deleteTopology(group.groupId)) {
        mgr.logger.warn({ groupId: group.groupId }, 'Topology description plugin failed to delete the topology.');
        continue;
      }
      const now = mgr.group(group.groupId);
      if (now === undefined || now.storedDescriptionTopologyEpoch === NO_STORED_EPOCH) continue;
      const next = now.storedDescriptionTopologyEpoch === UNCERTAIN_EPOCH ? NO_STORED_EPOCH : UNCERTAIN_EPOCH;
      await writeAndWait(mgr, group.groupId, groupMetadataRecord(group.groupId, metadataOf(now, { storedDescriptionTopologyEpoch: next })));
      cleaned++;
    } catch (err) {
      mgr.logger.warn({ err, groupId: group.groupId }, 'Topology-description cleanup cycle failed to complete cleanly.');
    }
  }
  return cleaned;
}

/**
 * DeleteGroups on a streams group (deleteStreamsTopologyDescriptions): the description the
 * plugin may hold goes first; false (GROUP_DELETION_FAILED with Kafka's message set on the
 * result) when the plugin fails, and the group stays.
 */
export function deleteDescriptionBeforeGroup(mgr: StreamsGroupManager, group: StreamsGroup, result: { errorCode: number; errorMessage: string | null }): boolean {
  if (group.storedDescriptionTopologyEpoch !== NO_STORED_EPOCH && !mgr.descriptions.deleteTopology(group.groupId)) {
    result.errorCode = ErrorCode.GROUP_DELETION_FAILED;
    result.errorMessage = 'Topology description plugin failed to delete the topology.';
    return false;
  }
  mgr.descriptions.backoff.clearGroup(group.groupId);
  return true;
}
