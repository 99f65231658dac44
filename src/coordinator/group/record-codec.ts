/**
 * What the two halves of the __consumer_offsets record codec share: the classic and offset
 * records (records.ts) and the KIP-848 consumer group records (consumer/consumer-records.ts).
 * Both write Kafka's framing (CoordinatorRecordSerde): a key is the int16 record type followed
 * by the key struct, a value the int16 value version followed by the value struct.
 */

/** Which half of the codec a decoded record belongs to. */
export const enum RecordKind {
  Offset = 0,
  Group = 1,
  /** KIP-848 consumer group records (consumer/consumer-records.ts). */
  Consumer = 2,
  /** KIP-1071 streams group records (../streams/streams-records.ts). */
  Streams = 3,
}

/** `body` behind its int16 version (for a key: its record type), in one allocation. */
export function withVersion(version: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}
