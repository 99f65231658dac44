/**
 * Reads entries out of a zip file (a jar): enough of the format for the jars Maven Central
 * serves (stored or deflated entries, no zip64, no encryption). Used by tools/import-spec.ts
 * to take Kafka's message specs straight from its jars without an unzip tool.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

const END_OF_CENTRAL_DIR = 0x06054b50;
const CENTRAL_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

/** Entries of `file` whose name `want` accepts, by name, in the order the zip lists them. */
export function readZipEntries(file: string, want: (name: string) => boolean): Map<string, Buffer> {
  const zip = readFileSync(file);
  // The end-of-central-directory record sits in the last 22 + (up to 65535 comment) bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END_OF_CENTRAL_DIR) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error(`${file}: not a zip file (no end of central directory)`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL_ENTRY) throw new Error(`${file}: bad central directory entry ${n}`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localAt = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/') || !want(name)) continue;
    if (zip.readUInt32LE(localAt) !== LOCAL_HEADER) throw new Error(`${file}: bad local header for ${name}`);
    const dataAt = localAt + 30 + zip.readUInt16LE(localAt + 26) + zip.readUInt16LE(localAt + 28);
    const raw = zip.subarray(dataAt, dataAt + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = inflateRawSync(raw);
    else throw new Error(`${file}: ${name} uses compression method ${method}`);
    if (data.length !== size) throw new Error(`${file}: ${name} is ${data.length} bytes, the directory says ${size}`);
    out.set(name, data);
  }
  return out;
}
