import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import {
  compress,
  compressSync,
  decompress,
  decompressSync,
  DecompressionError,
  hasSyncCodec,
  isXerialFramed,
  scanLz4Frame,
  scanZstdFrames,
  snappyCompressFramed,
  snappyCompressRaw,
  SyncCodecUnavailableError,
  XERIAL_BLOCK_SIZE,
} from '../../../src/protocol/compression/index.js';
import { RECORDS_OFFSET } from '../../../src/protocol/records/batch-header.js';
import { CompressionType } from '../../../src/protocol/compression/compression-type.js';
import { ProtocolDecodeError } from '../../../src/protocol/primitives/errors.js';
import { xxh32 } from '../../../src/protocol/compression/xxhash32.js';
import { zstdPrefix } from '../../../src/protocol/compression/zstd.js';
import { CODECS, fixture } from '../records/java-fixtures.js';

const CODEC_IDS = [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];
const MiB = 1024 * 1024;

/** ~1 MiB of JSON-ish text with some entropy. */
function sample(size: number): Buffer {
  const parts: string[] = [];
  let total = 0;
  for (let i = 0; total < size; i++) {
    const s = `{"id":${i},"user":"u${(i * 7919) % 1013}","score":${((i * 2654435761) >>> 0) % 100000},"ok":${i % 3 === 0}}\n`;
    parts.push(s);
    total += s.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

function assertDecompressionError(err: unknown, reason: string): true {
  assert.ok(err instanceof DecompressionError, `expected DecompressionError, got ${String(err)}`);
  assert.ok(err instanceof ProtocolDecodeError);
  assert.equal(err.reason, reason);
  return true;
}

test('every codec round trips, async and (where available) sync, including empty input', async () => {
  for (const data of [Buffer.alloc(0), Buffer.from('x'), sample(200_000), sample(3 * MiB)]) {
    for (const codec of CODEC_IDS) {
      const packed = await compress(codec, data);
      assert.deepEqual(await decompress(codec, packed, data.length), data, `codec ${codec} size ${data.length}`);
      if (hasSyncCodec(codec)) {
        const packedSync = compressSync(codec, data);
        assert.deepEqual(decompressSync(codec, packedSync, data.length), data);
        assert.deepEqual(decompressSync(codec, packed, data.length), data);
      }
    }
  }
});

test('None passes bytes through and still honours the cap', async () => {
  const data = Buffer.from('plain');
  assert.equal(await compress(CompressionType.None, data), data);
  assert.equal(decompressSync(CompressionType.None, data, 5), data);
  await assert.rejects(decompress(CompressionType.None, data, 4), (e) => assertDecompressionError(e, 'too-large'));
});

test('zstd has no synchronous path and says so', () => {
  assert.equal(hasSyncCodec(CompressionType.Zstd), false);
  assert.throws(() => compressSync(CompressionType.Zstd, Buffer.from('a')), SyncCodecUnavailableError);
  assert.throws(() => decompressSync(CompressionType.Zstd, Buffer.from('a'), 10), SyncCodecUnavailableError);
});

test('unknown codec ids fail as unsupported', async () => {
  for (const id of [5, 6, 7]) {
    await assert.rejects(decompress(id as CompressionType, Buffer.from('a'), 10), (e) => assertDecompressionError(e, 'unsupported'));
    assert.throws(() => decompressSync(id as CompressionType, Buffer.from('a'), 10), (e) => assertDecompressionError(e, 'unsupported'));
  }
});

test('the cap stops every codec at exactly maxOutputBytes', async () => {
  const data = sample(1 * MiB);
  for (const codec of CODEC_IDS) {
    const packed = await compress(codec, data);
    assert.equal((await decompress(codec, packed, data.length)).length, data.length);
    await assert.rejects(decompress(codec, packed, data.length - 1), (e) => assertDecompressionError(e, 'too-large'));
    if (hasSyncCodec(codec)) {
      assert.throws(() => decompressSync(codec, packed, data.length - 1), (e) => assertDecompressionError(e, 'too-large'));
      assert.throws(() => decompressSync(codec, packed, 0), (e) => assertDecompressionError(e, 'too-large'));
    }
  }
});

test('bombs: a small payload claiming gigabytes is refused before inflating', async () => {
  // 64 MiB of zeros compresses to a few KiB with every codec; the cap is 1 MiB.
  const zeros = Buffer.alloc(64 * MiB);
  for (const codec of CODEC_IDS) {
    const packed = await compress(codec, zeros);
    assert.ok(packed.length < 4 * MiB, `codec ${codec} packed to ${packed.length}`);
    await assert.rejects(decompress(codec, packed, MiB), (e) => assertDecompressionError(e, 'too-large'));
  }
  // A raw snappy preamble stating 4 GiB - 1 is refused from the preamble alone.
  const claim = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
  assert.throws(() => decompressSync(CompressionType.Snappy, claim, MiB), (e) => assertDecompressionError(e, 'too-large'));
  // A zstd frame of RLE blocks: 4 bytes per 128 KiB block, refused by the block walk.
  const blocks = 8192; // 1 GiB
  const frame = Buffer.alloc(6 + blocks * 4);
  frame.writeUInt32LE(0xfd2fb528, 0);
  frame[4] = 0x00; // no content size, not single segment
  frame[5] = 0x58; // window descriptor
  for (let i = 0; i < blocks; i++) {
    const header = ((128 * 1024) << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0);
    frame.writeUIntLE(header, 6 + i * 4, 3);
    frame[6 + i * 4 + 3] = 0x41;
  }
  assert.deepEqual(scanZstdFrames(frame), { bound: blocks * 128 * 1024, frames: 1, window: 2 * MiB });
  await assert.rejects(decompress(CompressionType.Zstd, frame, MiB), (e) => assertDecompressionError(e, 'too-large'));
  const small = frame.subarray(0, 6 + 4);
  small.writeUIntLE(((128 * 1024) << 3) | (1 << 1) | 1, 6, 3);
  assert.deepEqual(await decompress(CompressionType.Zstd, small, MiB), Buffer.alloc(128 * 1024, 0x41));
});

test('corrupt input fails as corrupt for every codec', async () => {
  const data = sample(100_000);
  for (const codec of CODEC_IDS) {
    const packed = await compress(codec, data);
    const cases = [Buffer.alloc(0), Buffer.from('definitely not compressed data'), packed.subarray(0, packed.length >> 1)];
    for (const input of cases) {
      await assert.rejects(decompress(codec, input, MiB), (e) => assertDecompressionError(e, 'corrupt'), `codec ${codec}`);
    }
  }
});

test('snappy: xerial framing matches snappy-java and both framed and raw decode', async () => {
  const data = sample(100_000);
  const framed = snappyCompressFramed(data);
  assert.ok(isXerialFramed(framed));
  assert.deepEqual(framed.subarray(0, 16), Buffer.from('82534e415050590000000001' + '00000001', 'hex'));
  // 100 000 bytes in 32 KiB blocks: four chunks, each [int32 length][raw block].
  let pos = 16;
  let chunks = 0;
  while (pos < framed.length) {
    pos += 4 + framed.readInt32BE(pos);
    chunks++;
  }
  assert.equal(pos, framed.length);
  assert.equal(chunks, Math.ceil(data.length / XERIAL_BLOCK_SIZE));
  const raw = snappyCompressRaw(data);
  assert.equal(isXerialFramed(raw), false);
  assert.deepEqual(decompressSync(CompressionType.Snappy, framed, data.length), data);
  assert.deepEqual(decompressSync(CompressionType.Snappy, raw, data.length), data);
  assert.deepEqual(await decompress(CompressionType.Snappy, raw, data.length), data);
  // snappy-java also reads streams concatenated header and all.
  const twice = Buffer.concat([framed, framed]);
  assert.deepEqual(decompressSync(CompressionType.Snappy, twice, 2 * data.length), Buffer.concat([data, data]));
  // A header-only stream is empty; a chunk length past the end is corrupt.
  assert.equal(decompressSync(CompressionType.Snappy, framed.subarray(0, 16), 0).length, 0);
  const bad = Buffer.from(framed);
  bad.writeInt32BE(framed.length, 16);
  assert.throws(() => decompressSync(CompressionType.Snappy, bad, MiB), (e) => assertDecompressionError(e, 'corrupt'));
});

test('lz4: frames follow what Kafka\'s Java reader accepts', async () => {
  const data = sample(600_000);
  const frame = compressSync(CompressionType.Lz4, data);
  assert.equal(frame.readUInt32LE(0), 0x184d2204);
  assert.equal(frame[4], 0x60, 'FLG: version 01, independent blocks, no checksums or content size');
  assert.ok(frame[5]! >= 0x40 && frame[5]! <= 0x70, 'BD: block size id 4..7');
  const scan = scanLz4Frame(frame);
  assert.equal(scan.end, frame.length);
  assert.ok(scan.maxOutput >= data.length && scan.maxOutput - scan.maxBlockSize < data.length);
  // Dependent blocks, a wrong version, reserved bits, a small block size id: refused.
  for (const [at, value] of [[4, 0x40], [4, 0xa0], [4, 0x61], [5, 0x30], [5, 0xc0]] as const) {
    const bad = Buffer.from(frame);
    bad[at] = value;
    assert.throws(() => scanLz4Frame(bad), (e) => assertDecompressionError(e, 'corrupt'));
    assert.throws(() => decompressSync(CompressionType.Lz4, bad, MiB), (e) => assertDecompressionError(e, 'corrupt'));
  }
  // A wrong header checksum is caught by the decoder.
  const badHc = Buffer.from(frame);
  badHc[6]! ^= 0xff;
  assert.throws(() => decompressSync(CompressionType.Lz4, badHc, MiB), (e) => assertDecompressionError(e, 'corrupt'));
  // Like the Java reader, decoding stops at the end mark: trailing bytes are ignored.
  const trailing = Buffer.concat([frame, Buffer.from('trailing')]);
  assert.deepEqual(decompressSync(CompressionType.Lz4, trailing, data.length), data);
});

test('lz4: frames with content size, block checksums and stored blocks decode', () => {
  // Hand-built frame: FLG 0x78 (version 01, independent, block checksum, content size),
  // BD 0x40, content size, HC, then one stored (uncompressed) block with a checksum.
  const payload = Buffer.from('stored block payload');
  const frame = Buffer.concat([
    Buffer.from('04224d187840', 'hex'),
    Buffer.from([payload.length, 0, 0, 0, 0, 0, 0, 0]),
    Buffer.from([0x00]), // header checksum, patched below
    Buffer.from([payload.length, 0, 0, 0x80]),
    payload,
    Buffer.from([0, 0, 0, 0]), // block checksum, patched below
    Buffer.from([0, 0, 0, 0]), // end mark
  ]);
  frame[14] = (xxh32(frame.subarray(4, 14)) >>> 8) & 0xff;
  frame.writeUInt32LE(xxh32(payload), 19 + payload.length);
  const scan = scanLz4Frame(frame);
  assert.equal(scan.end, frame.length);
  assert.equal(scan.maxOutput, payload.length);
  assert.deepEqual(decompressSync(CompressionType.Lz4, frame, payload.length), payload);
  frame[19]! ^= 1; // corrupt the stored block: its checksum no longer matches
  assert.throws(() => decompressSync(CompressionType.Lz4, frame, MiB), (e) => assertDecompressionError(e, 'corrupt'));
});

test('zstd: the frame walk handles skippable frames, checksums and concatenated frames', async () => {
  const data = sample(300_000);
  const frame = await compress(CompressionType.Zstd, data);
  const { bound, frames, window } = scanZstdFrames(frame);
  assert.equal(frames, 1);
  assert.ok(bound >= data.length && bound - 128 * 1024 < data.length);
  const skippable = Buffer.from('502a4d1804000000deadbeef', 'hex');
  const joined = Buffer.concat([skippable, frame, frame]);
  assert.deepEqual(scanZstdFrames(joined), { bound: 2 * bound, frames: 2, window });
  assert.deepEqual(await decompress(CompressionType.Zstd, joined, 2 * data.length), Buffer.concat([data, data]));
  const reservedBlock = Buffer.from(frame);
  const fhd = reservedBlock[4]!;
  const headerAt = 5 + ((fhd & 0x20) ? 0 : 1) + [0, 1, 2, 4][fhd & 3]! + ((fhd >>> 6) === 0 ? ((fhd & 0x20) ? 1 : 0) : [0, 2, 4, 8][fhd >>> 6]!);
  reservedBlock[headerAt] = reservedBlock[headerAt]! | 0x06; // block type 3
  assert.throws(() => scanZstdFrames(reservedBlock), (e) => assertDecompressionError(e, 'corrupt'));
  assert.throws(() => scanZstdFrames(Buffer.concat([frame, Buffer.from([1, 2])])), (e) => assertDecompressionError(e, 'corrupt'));
});

test('records sections written by Kafka\'s Java client decompress with every codec', async () => {
  for (const name of CODECS) {
    if (name === 'none') continue;
    for (const suffix of ['', '-multi']) {
      const batch = fixture(`java-${name}${suffix}.bin`);
      const codec = (batch[22]! & 7) as CompressionType;
      const body = batch.subarray(RECORDS_OFFSET);
      const out = await decompress(codec, body, 8 * MiB);
      assert.ok(out.length > body.length || suffix === '', `${name}${suffix}`);
      // The first record of every fixture is key-0 / value-0.
      assert.ok(out.includes(Buffer.from('key-0')) && out.includes(Buffer.from('value-0')));
      if (hasSyncCodec(codec)) assert.deepEqual(decompressSync(codec, body, 8 * MiB), out);
      if (name === 'snappy') assert.ok(isXerialFramed(body), 'the Java client writes xerial framing');
    }
  }
});

test('gzip: multi-member streams decode, as GZIPInputStream reads them', async () => {
  const a = Buffer.from('first member ');
  const b = Buffer.from('second member');
  const joined = Buffer.concat([gzipSync(a), gzipSync(b)]);
  assert.deepEqual(await decompress(CompressionType.Gzip, joined, 100), Buffer.concat([a, b]));
});

test('xxh32 matches the reference vectors', () => {
  assert.equal(xxh32(Buffer.alloc(0)), 0x02cc5d05);
  assert.equal(xxh32(Buffer.from('abc')), 0x32d153ff);
  assert.equal(xxh32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
  assert.equal(xxh32(Buffer.from('xxabcxx'), 2, 5), 0x32d153ff);
});

test('lz4 sync frames are laid out as KafkaLZ4BlockOutputStream writes them', () => {
  const data = sample(200_000);
  const frame = compressSync(CompressionType.Lz4, data);
  // Magic, FLG 0x60, BD 0x40 (64 KiB blocks), header checksum 0x82: the Java client's bytes.
  assert.deepEqual(frame.subarray(0, 7), Buffer.from('04224d18604082', 'hex'));
  assert.deepEqual(frame.subarray(0, 7), fixture('java-lz4-multi.bin').subarray(RECORDS_OFFSET, RECORDS_OFFSET + 7));
  let pos = 7;
  let blocks = 0;
  for (;;) {
    const word = frame.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    pos += word & 0x7fffffff;
    blocks++;
  }
  assert.equal(pos, frame.length);
  assert.equal(blocks, Math.ceil(data.length / 65536));
  // Incompressible input goes into stored blocks (high bit set), as the Java stream does.
  const noise = Buffer.alloc(100_000);
  for (let i = 0, x = 2463534242; i < noise.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    noise[i] = x & 0xff;
  }
  const stored = compressSync(CompressionType.Lz4, noise);
  assert.ok((stored.readUInt32LE(7) & 0x80000000) !== 0);
  assert.deepEqual(decompressSync(CompressionType.Lz4, stored, noise.length), noise);
});

test('zstdPrefix: the first blocks of a frame decode alone, as a frame of their own', async () => {
  const data = Buffer.alloc(3 * MiB);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 12)) & 0xff;
  const packed = await compress(CompressionType.Zstd, data);
  const prefix = zstdPrefix(packed, 512 * 1024);
  assert.ok(prefix !== null);
  const out = await decompress(CompressionType.Zstd, prefix, MiB);
  assert.ok(out.length > 0 && out.length <= 512 * 1024);
  assert.deepEqual(out, data.subarray(0, out.length));
  // A frame that ends within the bound is not cut.
  assert.equal(zstdPrefix(await compress(CompressionType.Zstd, Buffer.from('small')), 512 * 1024), null);
});
