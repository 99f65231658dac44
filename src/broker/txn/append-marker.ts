/**
 * Appends a transaction marker to a partition log as its leader (Kafka's
 * MemoryRecords.withEndTransactionMarker appended with AppendOrigin.COORDINATOR): one control
 * batch, uncompressed and transactional, carrying the producer's id and epoch and the
 * coordinator epoch. Returns null when the append is durable, or the fsync to wait for.
 */
import { ControlRecordType, encodeEndTxnMarkerBatch } from '../../protocol/records/control.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import type { MarkerToWrite } from './txn-markers.js';

export function appendTxnMarker(log: PartitionLog, marker: MarkerToWrite, leaderEpoch: number, now: number): Promise<void> | null {
  const batch = encodeEndTxnMarkerBatch({
    type: marker.commit ? ControlRecordType.Commit : ControlRecordType.Abort,
    coordinatorEpoch: marker.coordinatorEpoch,
    producerId: marker.producerId,
    producerEpoch: marker.producerEpoch,
    timestamp: now,
  });
  return log.append(batch, { leaderEpoch }).durable;
}
