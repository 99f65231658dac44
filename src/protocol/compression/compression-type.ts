/**
 * Compression codec ids as stored in the low three bits of a record batch's attributes
 * (`COMPRESSION_MASK` in records/batch-header.ts). The codecs in this folder are chosen by it;
 * the records code reads and writes it.
 */
export const enum CompressionType {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}
