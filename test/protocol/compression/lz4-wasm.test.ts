import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecompressionError, scanLz4Frame, type ChunkSink } from '../../../src/protocol/compression/index.js';
import { lz4CompressSync, lz4DecompressInto, lz4DecompressSync } from '../../../src/protocol/compression/lz4.js';
import { LZ4_WASM_MAX_BOUND, loadLz4Wasm, lz4WasmDecodeInto, lz4WasmFits, lz4WasmReady } from '../../../src/protocol/compression/lz4-wasm.js';
import { xxh32 } from '../../../src/protocol/compression/xxhash32.js';
import { eventually } from '../../helpers/eventually.js';

function collector(): ChunkSink & { out(): Buffer; pushes: number } {
  const chunks: Buffer[] = [];
  return {
    pushes: 0,
    push(c, s, e) {
      this.pushes++;
      chunks.push(Buffer.from(c.subarray(s, e)));
      return true;
    },
    out: () => Buffer.concat(chunks),
  };
}

const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => `{"seq":${i},"sku":"SKU-${(i * 7919) % 10007}"}`).join(','));

test('lz4 wasm: loads and decodes a Java-framed multi-block frame in one push', async () => {
  assert.equal(await loadLz4Wasm(), true);
  assert.equal(lz4WasmReady(), true);
  const frame = lz4CompressSync(data);
  const scan = scanLz4Frame(frame);
  assert.ok(scan.maxOutput > 64 * 1024, 'several 64 KiB blocks');
  assert.equal(lz4WasmFits(scan), true);
  const sink = collector();
  assert.equal(lz4WasmDecodeInto(frame, scan, sink), true);
  assert.equal(sink.pushes, 1);
  assert.ok(sink.out().equals(data));
});

test('lz4 wasm: bytes after the end mark are not decoded (as the Java reader)', async () => {
  await loadLz4Wasm();
  const frame = Buffer.concat([lz4CompressSync(data), Buffer.from('trailing junk')]);
  const sink = collector();
  lz4DecompressInto(frame, sink);
  assert.ok(sink.out().equals(data));
});

test('lz4 wasm: a frame liblz4 refuses falls back to the exact path, which decides', async () => {
  await loadLz4Wasm();
  // A content checksum that does not match: liblz4 refuses it, Kafka's Java reader does not
  // check it, so the batch is accepted as Kafka accepts it.
  const plain = lz4CompressSync(data);
  const withChecksum = Buffer.from(plain);
  withChecksum[4] = 0x64; // FLG: version 01, independent blocks, content checksum
  withChecksum[6] = (xxh32(withChecksum, 4, 6) >>> 8) & 0xff;
  const bad = Buffer.concat([withChecksum, Buffer.from([1, 2, 3, 4])]);
  const sink = collector();
  lz4DecompressInto(bad, sink);
  assert.ok(sink.out().equals(data));
  // A corrupt block is still refused, by the exact path.
  const corrupt = Buffer.from(plain);
  corrupt.fill(0xff, 11, 40);
  assert.throws(() => lz4DecompressSync(corrupt, 1 << 20), (e) => e instanceof DecompressionError && e.reason === 'corrupt');
  // A failed frame retires the module; a fresh one is loaded (a second later) and decodes again.
  assert.equal(lz4WasmReady(), false);
  await eventually('a fresh lz4 module', () => lz4WasmReady());
  const again = collector();
  assert.equal(lz4WasmDecodeInto(plain, scanLz4Frame(plain), again), true);
  assert.ok(again.out().equals(data));
});

test('lz4 wasm: only frames whose bound fits are taken', async () => {
  await loadLz4Wasm();
  assert.equal(lz4WasmFits({ end: 100, maxOutput: LZ4_WASM_MAX_BOUND, maxBlockSize: 65536 }), true);
  assert.equal(lz4WasmFits({ end: 100, maxOutput: LZ4_WASM_MAX_BOUND + 1, maxBlockSize: 65536 }), false);
});
