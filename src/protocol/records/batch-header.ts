/**
 * Byte layout of a record batch (magic v2) header. The hot path (produce, fetch, storage)
 * works on batches as opaque bytes and touches only these fields, in place.
 *
 *   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 |
 *   crc uint32 | attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 |
 *   maxTimestamp int64 | producerId int64 | producerEpoch int16 | baseSequence int32 |
 *   recordCount int32 | records...
 *
 * The CRC (CRC32C) covers everything from `attributes` to the end of the batch, so the base
 * offset and partition leader epoch can be rewritten without recomputing it.
 */
export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORD_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;

/** Size of the v2 batch header. */
export const RECORD_BATCH_OVERHEAD = 61;
/** baseOffset + batchLength: the part of a batch not counted in batchLength. */
export const LOG_OVERHEAD = 12;
/** Offset of the first byte covered by the CRC. */
export const CRC_START = ATTRIBUTES_OFFSET;

export const CURRENT_MAGIC = 2;

/** The attribute bits that hold the CompressionType (protocol/compression/compression-type.ts). */
export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_MASK = 0x10;
export const CONTROL_MASK = 0x20;
export const DELETE_HORIZON_MASK = 0x40;

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1n;
