import { ProtocolDecodeError } from '../primitives/errors.js';
import { encodeBatchSync } from './encode.js';

/**
 * Control records: the records of a control batch (attribute bit 5). The key is
 * `{version int16, type int16}` (Kafka's ControlRecordType, key version 0); for transaction
 * markers (ABORT, COMMIT) the value is `{version int16, coordinatorEpoch int32}` (Kafka's
 * EndTransactionMarker, value version 0). Readers accept later versions by reading the
 * version-0 fields, as Kafka does, and refuse negative versions and short buffers.
 */
export const enum ControlRecordType {
  Abort = 0,
  Commit = 1,
  /** KRaft quorum records; seen only in the metadata log. */
  LeaderChange = 2,
  SnapshotHeader = 3,
  SnapshotFooter = 4,
  KraftVersion = 5,
  KraftVoters = 6,
  /** Any type id this code does not know. */
  Unknown = -1,
}

export interface ControlRecordKey {
  version: number;
  /** The type id as written; `controlRecordType` maps unknown ids to Unknown. */
  type: number;
}

export interface EndTxnMarker {
  version: number;
  coordinatorEpoch: number;
}

export const CONTROL_RECORD_KEY_SIZE = 4;
export const END_TXN_MARKER_VALUE_SIZE = 6;

export function controlRecordType(typeId: number): ControlRecordType {
  return typeId >= 0 && typeId <= 6 ? (typeId as ControlRecordType) : ControlRecordType.Unknown;
}

/** Parses a control record's key; throws ProtocolDecodeError if it is not one. */
export function parseControlRecordKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < CONTROL_RECORD_KEY_SIZE) {
    throw new ProtocolDecodeError(`control record key must have at least ${CONTROL_RECORD_KEY_SIZE} bytes, found ${key?.length ?? 'null'}`, 0);
  }
  const version = key.readInt16BE(0);
  if (version < 0) throw new ProtocolDecodeError(`invalid control record version ${version}`, 0);
  return { version, type: key.readInt16BE(2) };
}

export function encodeControlRecordKey(type: ControlRecordType, version = 0): Buffer {
  const key = Buffer.allocUnsafe(CONTROL_RECORD_KEY_SIZE);
  key.writeInt16BE(version, 0);
  key.writeInt16BE(type, 2);
  return key;
}

/** Parses an ABORT/COMMIT marker's value; throws ProtocolDecodeError if it is not one. */
export function parseEndTxnMarker(value: Buffer | null): EndTxnMarker {
  if (value === null || value.length < END_TXN_MARKER_VALUE_SIZE) {
    throw new ProtocolDecodeError(`end transaction marker must have at least ${END_TXN_MARKER_VALUE_SIZE} bytes, found ${value?.length ?? 'null'}`, 0);
  }
  const version = value.readInt16BE(0);
  if (version < 0) throw new ProtocolDecodeError(`invalid end transaction marker version ${version}`, 0);
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}

export function encodeEndTxnMarker(coordinatorEpoch: number, version = 0): Buffer {
  const value = Buffer.allocUnsafe(END_TXN_MARKER_VALUE_SIZE);
  value.writeInt16BE(version, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

export interface EndTxnMarkerBatchOptions {
  type: ControlRecordType.Abort | ControlRecordType.Commit;
  coordinatorEpoch: number;
  producerId: number;
  producerEpoch: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  timestamp: number;
}

/**
 * The batch a transaction coordinator's WriteTxnMarkers makes a leader append (Kafka's
 * MemoryRecords.withEndTransactionMarker): uncompressed, transactional and control, no
 * sequence, one record whose key is the control key and value the marker.
 */
export function encodeEndTxnMarkerBatch(options: EndTxnMarkerBatchOptions): Buffer {
  return encodeBatchSync([{
    key: encodeControlRecordKey(options.type),
    value: encodeEndTxnMarker(options.coordinatorEpoch),
    timestamp: options.timestamp,
  }], {
    baseOffset: options.baseOffset ?? 0,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    baseSequence: -1,
    transactional: true,
    control: true,
    defaultTimestamp: options.timestamp,
  });
}
