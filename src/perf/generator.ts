import { randomBytes } from 'node:crypto';

/**
 * Record values for load runs. Like Kafka's ProducerPerformance, one random payload of
 * uppercase letters is made up front and every record carries it (no per-record cost), unless
 * a payload carries a send time for end-to-end latency: then each value starts with a marker
 * and the time (a float64 of `performance.timeOrigin + performance.now()`, ms).
 */
export const E2E_MARKER = 0x4d52_5045; // "MRPE"
export const E2E_HEADER_BYTES = 12;

export function randomPayload(size: number): Buffer {
  const buf = randomBytes(size);
  for (let i = 0; i < size; i++) buf[i] = 65 + (buf[i]! % 26);
  return buf;
}

/** A fresh value: the payload with the marker and `sentAtMs` written over its first 12 bytes. */
export function timestampedValue(payload: Buffer, sentAtMs: number): Buffer {
  const size = Math.max(payload.length, E2E_HEADER_BYTES);
  const value = Buffer.allocUnsafe(size);
  payload.copy(value, 0, 0, Math.min(payload.length, size));
  value.writeUInt32BE(E2E_MARKER, 0);
  value.writeDoubleBE(sentAtMs, 4);
  return value;
}

/** The send time written by timestampedValue, or undefined for other values. */
export function sentTime(value: Buffer | null): number | undefined {
  if (value === null || value.length < E2E_HEADER_BYTES || value.readUInt32BE(0) !== E2E_MARKER) return undefined;
  return value.readDoubleBE(4);
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one host. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
