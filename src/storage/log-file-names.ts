/**
 * The names of a partition directory's files (Kafka's LogFileUtils): `<base offset, 20
 * digits>` with `.log`, `.index`, `.timeindex`, `.txnindex` or `.snapshot`, and the suffixes
 * that mark a file being deleted, cleaned or swapped in.
 */
export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TXN_INDEX_SUFFIX = '.txnindex';
export const SNAPSHOT_SUFFIX = '.snapshot';
export const DELETED_SUFFIX = '.deleted';
export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';

/** `00000000000000000042` for 42: Kafka's file name prefix for a base offset. */
export function filenamePrefix(offset: number): string {
  return String(offset).padStart(20, '0');
}

/** Base offset from a segment file name such as `00000000000000000042.log`. */
export function offsetFromFilename(name: string): number {
  return Number(name.slice(0, name.indexOf('.')));
}
