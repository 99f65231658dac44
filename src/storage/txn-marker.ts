/**
 * End-transaction markers as the storage layer writes and reads them. A marker is a control
 * batch (magic 2, attributes transactional | control, no sequence) of the producer's id and
 * epoch holding one control record: key {version 0, type: 0 ABORT, 1 COMMIT}, value
 * {version 0, coordinatorEpoch int32} (Kafka's EndTransactionMarker; the codec is
 * src/protocol/records/control.ts).
 */
import { ControlRecordType, encodeEndTxnMarkerBatch, parseControlRecordKey, parseEndTxnMarker } from '../protocol/records/control.js';
import { decodeBatchSync } from '../protocol/records/decode.js';
import { BATCH_LENGTH_OFFSET, LOG_OVERHEAD, RECORD_COUNT_OFFSET } from './batch.js';

/** What a transaction coordinator asks a partition leader to write (one WriteTxnMarkers entry). */
export interface TxnMarker {
  readonly producerId: number;
  /** The marker's epoch: the transaction's, bumped by one under transaction version 2. */
  readonly producerEpoch: number;
  /** true: COMMIT, false: ABORT. */
  readonly commit: boolean;
  /** The coordinator's epoch for the transaction's `__transaction_state` partition. */
  readonly coordinatorEpoch: number;
  /**
   * The transaction version the transaction ran with (the `transaction.version` feature
   * level): 2 (KIP-890) makes the partition require an epoch strictly above the producer's.
   */
  readonly transactionVersion: number;
}

/** The marker a control batch holds. */
export interface EndTxnMarkerRecord {
  commit: boolean;
  coordinatorEpoch: number;
  /** The control record's timestamp. */
  timestamp: number;
}

/** The control batch for `marker`, offsets to be assigned by the append. */
export function markerBatch(marker: TxnMarker, timestamp: number): Buffer {
  return encodeEndTxnMarkerBatch({
    type: marker.commit ? ControlRecordType.Commit : ControlRecordType.Abort,
    coordinatorEpoch: marker.coordinatorEpoch,
    producerId: marker.producerId,
    producerEpoch: marker.producerEpoch,
    timestamp,
  });
}

/**
 * The end-transaction marker of the control batch at `pos` of `buf` (the whole batch must be
 * there), or null when the batch holds no record (the cleaner emptied it), a control record
 * of another type, or one that does not decode.
 */
export function readEndTxnMarker(buf: Buffer, pos: number): EndTxnMarkerRecord | null {
  if (buf.readInt32BE(pos + RECORD_COUNT_OFFSET) === 0) return null;
  const end = pos + LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
  try {
    const batch = decodeBatchSync(buf, pos, end, { verifyCrc: false, maxRecordsBytes: 1 << 20 });
    const record = batch.records[0];
    if (record === undefined) return null;
    const type = parseControlRecordKey(record.key).type;
    if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) return null;
    return { commit: type === ControlRecordType.Commit, coordinatorEpoch: parseEndTxnMarker(record.value).coordinatorEpoch, timestamp: record.timestamp };
  } catch {
    return null;
  }
}
