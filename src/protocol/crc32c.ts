import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/**
 * CRC32C (Castagnoli), the checksum of record batch v2. Computed by @node-rs/crc32, which uses
 * the SSE4.2 / ARMv8 CRC instructions where the CPU has them.
 * `initial` continues a running checksum over several buffers.
 */
export function crc32c(data: Uint8Array, initial = 0): number {
  return nativeCrc32c(data as Buffer, initial) >>> 0;
}
