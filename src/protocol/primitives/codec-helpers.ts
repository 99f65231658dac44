/**
 * Helpers the generated codecs (src/protocol/generated/) call: Kafka's string, bytes and
 * array encodings in their classic (int16/int32 length) and compact (unsigned varint
 * length + 1) forms, tagged-field plumbing, and the error context that turns a failure deep
 * inside a message into one error naming the API key, version and field path.
 *
 * Strings are measured once: the size pass calls Buffer.byteLength, the write pass encodes
 * straight into the frame and learns the length from Buffer#write, so no byte length is
 * computed twice for classic strings and for compact strings shorter than 42 UTF-16 units
 * (their length prefix is one byte whatever their UTF-8 length).
 */
import { ProtocolDecodeError, ProtocolEncodeError } from './errors.js';
import type { Reader } from './reader.js';
import { sizeOfUVarint } from './varint.js';
import type { Writer } from './writer.js';

/** A tagged field this codec does not know; kept so that decode → encode loses nothing. */
export interface TaggedField {
  tag: number;
  /** The field's bytes, without tag and size; a view into the decoded frame. */
  data: Buffer;
}

/** Inclusive version range; `highest` is 32767 when open-ended. */
export interface VersionRange {
  readonly lowest: number;
  readonly highest: number;
}

/** What every generated message module exports as `codec`. */
export interface MessageCodec<T> {
  readonly name: string;
  /** API key, or -1 for headers and internal records. */
  readonly apiKey: number;
  readonly type: string;
  readonly validVersions: VersionRange;
  /** Versions using compact encodings and tagged fields (lowest > highest when none). */
  readonly flexibleVersions: VersionRange;
  read(reader: Reader, version: number): T;
  decode(buffer: Buffer, offset: number, version: number): T;
  size(message: T, version: number): number;
  write(writer: Writer, message: T, version: number): void;
  encode(message: T, version: number): Buffer;
  /** A new message with every field at its default. */
  defaults(): T;
}

/** Shared empty buffer: the default of bytes fields. Zero-length, so nothing can change it. */
export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);
/**
 * The all-zero UUID (Kafka's Uuid.ZERO_UUID), shared as the default of uuid fields.
 * Treat every decoded or default uuid as read-only.
 */
export const ZERO_UUID: Buffer = Buffer.alloc(16);

const MAX_STRING = 0x7fff;

// ---- decoding --------------------------------------------------------------------------

export function nullNotAllowed(r: Reader): never {
  return r.fail('non-nullable field was serialized as null');
}

export function readString(r: Reader): string {
  const n = r.int16();
  if (n < 0) nullNotAllowed(r);
  return r.utf8(n);
}

export function readNullableString(r: Reader): string | null {
  const n = r.int16();
  return n < 0 ? null : r.utf8(n);
}

export function readCompactString(r: Reader): string {
  const n = r.uvarint() - 1;
  if (n < 0) nullNotAllowed(r);
  if (n > MAX_STRING) r.fail(`string field had invalid length ${n}`);
  return r.utf8(n);
}

export function readCompactNullableString(r: Reader): string | null {
  const n = r.uvarint() - 1;
  if (n < 0) return null;
  if (n > MAX_STRING) r.fail(`string field had invalid length ${n}`);
  return r.utf8(n);
}

export function readBytes(r: Reader): Buffer {
  const n = r.int32();
  if (n < 0) nullNotAllowed(r);
  return r.bytes(n);
}

export function readNullableBytes(r: Reader): Buffer | null {
  const n = r.int32();
  return n < 0 ? null : r.bytes(n);
}

export function readCompactBytes(r: Reader): Buffer {
  const n = r.uvarint() - 1;
  if (n < 0) nullNotAllowed(r);
  return r.bytes(n);
}

export function readCompactNullableBytes(r: Reader): Buffer | null {
  const n = r.uvarint() - 1;
  return n < 0 ? null : r.bytes(n);
}

/**
 * Reads a classic (int32) array length: -1 (any negative) for null, otherwise a count checked
 * against the bytes left given the smallest encoding of one element.
 */
export function readArrayLength(r: Reader, minItemSize: number): number {
  const n = r.int32();
  if (n < 0) return -1;
  r.checkCount(n, minItemSize);
  return n;
}

/** Compact array length (unsigned varint, length + 1, 0 for null), checked like readArrayLength. */
export function readCompactArrayLength(r: Reader, minItemSize: number): number {
  const n = r.uvarint() - 1;
  if (n < 0) return -1;
  r.checkCount(n, minItemSize);
  return n;
}

/** Number of tagged fields; each takes at least two bytes (tag and size). */
export function readTaggedCount(r: Reader): number {
  const n = r.uvarint();
  r.checkCount(n, 2);
  return n;
}

/** Checks that a tagged field of `size` bytes fits; returns where it ends. */
export function taggedEnd(r: Reader, size: number): number {
  r.need(size);
  return r.pos + size;
}

export function checkTaggedEnd(r: Reader, end: number): void {
  if (r.pos !== end) r.fail(`tagged field ended at ${r.pos}, its size says ${end}`);
}

export function readUnknownTagged(r: Reader, list: TaggedField[] | undefined, tag: number, size: number): TaggedField[] {
  const data = r.bytes(size);
  const out = list ?? [];
  out.push({ tag, data });
  return out;
}

/**
 * Catch-side of a generated struct reader: makes sure the failure is a ProtocolDecodeError and
 * prefixes the name of the field being read to its path (readers unwind from the innermost
 * struct outwards, so the path builds up to `topics.partitions.records`).
 */
export function decodeFailure(e: unknown, fields: readonly string[], f: number): ProtocolDecodeError {
  const err = e instanceof ProtocolDecodeError
    ? e
    : new ProtocolDecodeError(`unexpected failure: ${e instanceof Error ? e.message : String(e)}`, -1);
  const name = f >= 0 ? fields[f] : undefined;
  if (name !== undefined) err.path = err.path === '' ? name : `${name}.${err.path}`;
  return err;
}

/** Catch-side of a message's `read`: adds API key and version to the message. */
export function finishDecodeError(e: unknown, apiKey: number, version: number): ProtocolDecodeError {
  return decodeFailure(e, [], -1).withContext(apiKey, version, '');
}

export function unsupportedDecodeVersion(r: Reader, name: string, apiKey: number, version: number, range: VersionRange): never {
  throw new ProtocolDecodeError(
    `can't read version ${version} of ${name} (valid versions ${range.lowest}-${range.highest})`, r.pos, apiKey, version);
}

// ---- sizing ----------------------------------------------------------------------------

function stringTooLong(n: number): never {
  throw new ProtocolEncodeError(`string of ${n} bytes is too long to be serialized (at most ${MAX_STRING})`);
}

/** Throws unless `v` is non-null: for fields that are nullable only in some versions. */
export function nonNull<T>(v: T | null): T {
  if (v === null) throw new ProtocolEncodeError('null value for a field that is not nullable in this version');
  return v;
}

/** For a null in a version where the field is not nullable. */
export function nullNotAllowedOnEncode(): never {
  throw new ProtocolEncodeError('null value for a field that is not nullable in this version');
}

export function sizeOfString(s: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  if (n > MAX_STRING) stringTooLong(n);
  return n + 2;
}

export function sizeOfNullableString(s: string | null): number {
  return s === null ? 2 : sizeOfString(s);
}

export function sizeOfCompactString(s: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  if (n > MAX_STRING) stringTooLong(n);
  return n + sizeOfUVarint(n + 1);
}

export function sizeOfCompactNullableString(s: string | null): number {
  return s === null ? 1 : sizeOfCompactString(s);
}

export function sizeOfBytes(b: Buffer): number {
  return b.length + 4;
}

export function sizeOfNullableBytes(b: Buffer | null): number {
  return b === null ? 4 : b.length + 4;
}

export function sizeOfCompactBytes(b: Buffer): number {
  return b.length + sizeOfUVarint(b.length + 1);
}

export function sizeOfCompactNullableBytes(b: Buffer | null): number {
  return b === null ? 1 : b.length + sizeOfUVarint(b.length + 1);
}

export function sizeOfUuid(u: Buffer): number {
  if (u.length !== 16) throw new ProtocolEncodeError(`a uuid must be 16 bytes, got ${u.length}`);
  return 16;
}

export function sizeOfUuids(a: readonly Buffer[]): number {
  for (let i = 0; i < a.length; i++) sizeOfUuid(a[i]!);
  return a.length * 16;
}

export function sizeOfTaggedFields(list: readonly TaggedField[]): number {
  let s = 0;
  for (let i = 0; i < list.length; i++) {
    const f = list[i]!;
    s += sizeOfUVarint(f.tag) + sizeOfUVarint(f.data.length) + f.data.length;
  }
  return s;
}

export { sizeOfUVarint };

export function notInVersion(field: string, version: number): never {
  throw new ProtocolEncodeError(`attempted to write a non-default ${field} at version ${version}`);
}

export function taggedNotSupported(version: number): never {
  throw new ProtocolEncodeError(`tagged fields were set, but version ${version} of this message does not support them`);
}

export function unsupportedEncodeVersion(name: string, apiKey: number, version: number, range: VersionRange): never {
  throw new ProtocolEncodeError(
    `can't write version ${version} of ${name} (valid versions ${range.lowest}-${range.highest})`, apiKey, version);
}

/** Catch-side of a generated struct sizer: prefixes the field being sized to the path. */
export function encodeFailure(e: unknown, fields: readonly string[], f: number): ProtocolEncodeError {
  const name = f >= 0 ? fields[f] : undefined;
  if (e instanceof ProtocolEncodeError) {
    if (name === undefined) return e;
    return new ProtocolEncodeError(e.message, e.apiKey, e.apiVersion, e.path === '' ? name : `${name}.${e.path}`);
  }
  const err = new ProtocolEncodeError(`invalid value: ${e instanceof Error ? e.message : String(e)}`, -1, -1, name ?? '');
  (err as { cause?: unknown }).cause = e;
  return err;
}

export function finishEncodeError(e: unknown, apiKey: number, version: number): ProtocolEncodeError {
  const err = encodeFailure(e, [], -1);
  const where = `api ${apiKey} v${version}${err.path ? ` field ${err.path}` : ''}`;
  return new ProtocolEncodeError(`${err.message} (${where})`, apiKey, version, err.path);
}

// ---- writing ---------------------------------------------------------------------------

export function writeString(w: Writer, s: string): void {
  const buf = w.buf;
  const pos = w.pos;
  const n = s.length === 0 ? 0 : buf.write(s, pos + 2, 'utf8');
  buf[pos] = n >>> 8;
  buf[pos + 1] = n & 0xff;
  w.pos = pos + 2 + n;
}

export function writeNullableString(w: Writer, s: string | null): void {
  if (s === null) w.int16(-1);
  else writeString(w, s);
}

export function writeCompactString(w: Writer, s: string): void {
  const buf = w.buf;
  const pos = w.pos;
  if (s.length < 42) {
    // At most 123 UTF-8 bytes: the length prefix is one byte.
    const n = s.length === 0 ? 0 : buf.write(s, pos + 1, 'utf8');
    buf[pos] = n + 1;
    w.pos = pos + 1 + n;
    return;
  }
  const n = Buffer.byteLength(s, 'utf8');
  w.uvarint(n + 1);
  w.pos += buf.write(s, w.pos, n, 'utf8');
}

export function writeCompactNullableString(w: Writer, s: string | null): void {
  if (s === null) w.uint8(0);
  else writeCompactString(w, s);
}

export function writeBytes(w: Writer, b: Buffer): void {
  w.int32(b.length);
  w.bytes(b);
}

export function writeNullableBytes(w: Writer, b: Buffer | null): void {
  if (b === null) w.int32(-1);
  else writeBytes(w, b);
}

export function writeCompactBytes(w: Writer, b: Buffer): void {
  w.uvarint(b.length + 1);
  w.bytes(b);
}

export function writeCompactNullableBytes(w: Writer, b: Buffer | null): void {
  if (b === null) w.uint8(0);
  else writeCompactBytes(w, b);
}

/**
 * Writes the unknown tagged fields from index `i` whose tag is below `belowTag` (they are
 * kept in the order they were read, which is tag order on the wire); returns the next index.
 */
export function writeTaggedFields(w: Writer, list: readonly TaggedField[] | undefined, i: number, belowTag: number): number {
  if (list === undefined) return i;
  while (i < list.length && list[i]!.tag < belowTag) {
    const f = list[i++]!;
    w.uvarint(f.tag);
    w.uvarint(f.data.length);
    w.bytes(f.data);
  }
  return i;
}
