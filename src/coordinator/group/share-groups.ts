/**
 * The group coordinator's share group operations (KIP-932), kept apart from coordinator.ts:
 * ShareGroupHeartbeat answered once its records are committed, the writer of the records
 * the share group manager makes on its own (a member fenced by its session timeout), and
 * DeleteGroups for a share group, which deletes its share-partitions' state first.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { GroupError } from './consumer/errors.js';
import { shareRecord } from './records.js';
import { answerAfter, writeErrorOf, type RecordSink } from './sink.js';
import type { ShareGroupManager, ShareHeartbeatRequest, ShareHeartbeatResult } from '../share/share-group-manager.js';
import type { ShareGroupRecord, ShareStateTopic } from '../share/share-group-records.js';

/** A share group heartbeat's outcome: its error (with Kafka's message), or the member's new state. */
export type ShareHeartbeatOutcome =
  | { errorCode: 0; errorMessage: null; result: ShareHeartbeatResult }
  | { errorCode: number; errorMessage: string | null; result: null };

/**
 * Deletes the state of share-partitions in __share_group_state (Kafka's
 * Persister.deleteState, DeleteShareGroupState): NONE, or the first error.
 */
export type ShareStateDeleter = (groupId: string, topics: readonly ShareStateTopic[]) => Promise<number>;

/** What these operations need of the coordinator. */
export interface ShareGroupsHost {
  readonly share: ShareGroupManager;
  readonly logger: Logger;
  /** __consumer_offsets: share group records are applied by the manager before they are appended. */
  readonly log: Pick<RecordSink, 'append'>;
  /** The broker's persister; null where there is none (the coordinator alone, in tests). */
  deleteState: ShareStateDeleter | null;
}

/** ShareGroupHeartbeat: answered once its records are committed. */
export function shareGroupHeartbeat(host: ShareGroupsHost, req: ShareHeartbeatRequest): ShareHeartbeatOutcome | Promise<ShareHeartbeatOutcome> {
  let result: ShareHeartbeatResult;
  try {
    result = host.share.heartbeat(req);
  } catch (err) {
    if (err instanceof GroupError) return { errorCode: err.errorCode, errorMessage: err.message, result: null };
    throw err;
  }
  const ok: ShareHeartbeatOutcome = { errorCode: ErrorCode.NONE, errorMessage: null, result };
  if (result.records.length === 0) return ok;
  const write = () => host.log.append(req.groupId, result.records.map(shareRecord));
  return answerAfter<ShareHeartbeatOutcome>(host.logger, req.groupId, write, ok, (errorCode) => ({ errorCode, errorMessage: null, result: null }), 'share group heartbeat records');
}

/** Appends share group records the manager applied already (a session timeout's); a failure is logged, the next load decides. */
export function writeShareRecords(host: ShareGroupsHost, groupId: string, records: ShareGroupRecord[]): void {
  try {
    host.log.append(groupId, records.map(shareRecord))?.catch((err: unknown) => host.logger.warn({ err, groupId }, 'failed to write share group records'));
  } catch (err) {
    host.logger.warn({ err, groupId }, 'failed to write share group records');
  }
}

/** One group's DeleteGroups answer. */
export interface DeletedGroupResult {
  groupId: string;
  errorCode: number;
  errorMessage: string | null;
}

/**
 * DeleteGroups for an empty share group, in Kafka's steps: the group's state partition
 * metadata moves every topic to deleting (written first, so a coordinator that fails over
 * meanwhile still knows what to delete), the persister deletes those share-partitions' state,
 * and then the group's records get tombstones. A state deletion that fails answers the
 * persister's error (as Kafka's GroupCoordinatorService does) and leaves the group, to be
 * deleted again; a member that joined meanwhile answers NON_EMPTY_GROUP.
 */
export async function deleteShareGroup(host: ShareGroupsHost, groupId: string, result: DeletedGroupResult): Promise<void> {
  const { records, topics } = host.share.beginDeleteGroup(groupId);
  try {
    if (records.length > 0) await host.log.append(groupId, records.map(shareRecord));
  } catch (err) {
    result.errorCode = writeErrorOf(err);
    return;
  }
  if (topics.length > 0) {
    const code = host.deleteState === null ? ErrorCode.COORDINATOR_NOT_AVAILABLE : await host.deleteState(groupId, topics);
    if (code !== ErrorCode.NONE) {
      host.logger.warn({ groupId, errorCode: code }, 'failed to delete the share group state');
      result.errorCode = code;
      return;
    }
  }
  let tombstones: ShareGroupRecord[];
  try {
    tombstones = host.share.deleteGroup(groupId);
  } catch (err) {
    if (!(err instanceof GroupError)) throw err;
    result.errorCode = err.errorCode;
    return;
  }
  try {
    await host.log.append(groupId, tombstones.map(shareRecord));
    host.logger.info({ groupId, sharePartitionTopics: topics.length }, 'deleted share group');
  } catch (err) {
    result.errorCode = writeErrorOf(err);
  }
}

/** Appends share group records the manager applied already, for an operation that waits on them: NONE once committed, else the response error. */
export async function appendShareRecords(host: ShareGroupsHost, groupId: string, records: readonly ShareGroupRecord[]): Promise<number> {
  if (records.length === 0) return ErrorCode.NONE;
  try {
    await host.log.append(groupId, records.map(shareRecord));
    return ErrorCode.NONE;
  } catch (err) {
    return writeErrorOf(err);
  }
}
