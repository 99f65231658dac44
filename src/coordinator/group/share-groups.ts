/**
 * The group coordinator's share group operations (KIP-932), kept apart from coordinator.ts:
 * ShareGroupHeartbeat answered once its records are committed, and the writer of the records
 * the share group manager makes on its own (a member fenced by its session timeout).
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { GroupError } from './consumer/errors.js';
import { shareRecord } from './records.js';
import { answerAfter, type RecordSink } from './sink.js';
import type { ShareGroupManager, ShareHeartbeatRequest, ShareHeartbeatResult } from '../share/share-group-manager.js';
import type { ShareGroupRecord } from '../share/share-group-records.js';

/** A share group heartbeat's outcome: its error (with Kafka's message), or the member's new state. */
export type ShareHeartbeatOutcome =
  | { errorCode: 0; errorMessage: null; result: ShareHeartbeatResult }
  | { errorCode: number; errorMessage: string | null; result: null };

/** What these operations need of the coordinator. */
export interface ShareGroupsHost {
  readonly share: ShareGroupManager;
  readonly logger: Logger;
  /** __consumer_offsets: share group records are applied by the manager before they are appended. */
  readonly log: Pick<RecordSink, 'append'>;
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
