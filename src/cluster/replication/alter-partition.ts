/**
 * AlterPartition: a leader changes its partition's ISR (Kafka's AlterPartition request, checked
 * as the controller's ReplicationControlManager.alterPartition checks it). Here the leader
 * writes the change itself, as one store transaction guarded by everything it was computed
 * from, so the store decides exactly as a controller would:
 *
 *   - the leader's registration is the one it holds (its broker epoch, else STALE_BROKER_EPOCH:
 *     a fenced broker changes nothing);
 *   - the partition key's mod revision is the one the leader read (the partition epoch it
 *     names; a controller write or another change in between fails the compare:
 *     INVALID_UPDATE_VERSION), so two writers can never overwrite each other;
 *   - the leader epoch is current (else FENCED_LEADER_EPOCH) and the writer leads;
 *   - the new ISR holds the leader, only replicas, and adds only live brokers that are not in
 *     controlled shutdown (INELIGIBLE_REPLICA).
 *
 * The partition epoch is bumped; the leader epoch is not (the leader stays). With ELR on
 * (elr.ts), members leaving an ISR below its min ISR join the ELR, and members coming back
 * leave it.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { encodeRecord, type PartitionRecord } from '../cluster-keys.js';
import { createRevisionIs, modRevisionIs, type Compare, type Op } from '../kv/kv.js';
import type { MetadataImage } from '../metadata-image.js';
import { elrSettingsFor, targetElr, uncleanlyShutDown, withElr } from '../elr.js';

export interface AlterPartitionRequest {
  topic: string;
  partition: number;
  brokerId: number;
  /** The registration's create revision the leader holds. */
  brokerEpoch: number;
  leaderEpoch: number;
  partitionEpoch: number;
  newIsr: readonly number[];
}

/** NONE with the guarded write, or the error code that refuses the change (and no write). */
export interface AlterPartitionPlan {
  errorCode: number;
  compares: Compare[];
  ops: Op[];
}

function refused(errorCode: number): AlterPartitionPlan {
  return { errorCode, compares: [], ops: [] };
}

/** Checks `req` against the image and, when valid, the guarded write that makes it. */
export function planAlterPartition(image: MetadataImage, req: AlterPartitionRequest, staticMinIsr = 1): AlterPartitionPlan {
  const keys = image.keys;
  const broker = image.brokers.get(req.brokerId);
  if (broker === undefined || broker.createRevision !== req.brokerEpoch) return refused(ErrorCode.STALE_BROKER_EPOCH);
  const p = image.partitionRecords.get(req.topic)?.get(req.partition);
  if (p === undefined) return refused(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const cur = p.record;
  if (req.leaderEpoch < cur.leaderEpoch) return refused(ErrorCode.FENCED_LEADER_EPOCH);
  if (req.leaderEpoch > cur.leaderEpoch) return refused(ErrorCode.UNKNOWN_LEADER_EPOCH);
  if (cur.leader !== req.brokerId) return refused(ErrorCode.INVALID_REQUEST);
  if (req.partitionEpoch !== cur.partitionEpoch) return refused(ErrorCode.INVALID_UPDATE_VERSION);
  if (!req.newIsr.includes(req.brokerId)) return refused(ErrorCode.INVALID_REQUEST);
  for (const id of req.newIsr) {
    if (!cur.replicas.includes(id)) return refused(ErrorCode.INVALID_REQUEST);
    // A member being added must be a live (registered) broker not shutting down; one staying may be behind its lease.
    if (cur.isr.includes(id)) continue;
    const b = image.brokers.get(id);
    if (b === undefined || b.record.shuttingDown === true) return refused(ErrorCode.INELIGIBLE_REPLICA);
  }
  const isr = cur.replicas.filter((id) => req.newIsr.includes(id));
  const elr = targetElr(cur, isr, elrSettingsFor(image, req.topic, staticMinIsr, cur.replicas.length), uncleanlyShutDown(image));
  const record: PartitionRecord = withElr({ ...cur, isr, partitionEpoch: cur.partitionEpoch + 1 }, elr);
  const key = keys.partition(req.topic, req.partition);
  return {
    errorCode: ErrorCode.NONE,
    compares: [modRevisionIs(key, p.modRevision), createRevisionIs(keys.broker(req.brokerId), req.brokerEpoch)],
    ops: [{ type: 'put', key, value: encodeRecord(record) }],
  };
}
