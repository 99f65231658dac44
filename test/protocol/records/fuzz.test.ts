import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchCursor,
  BatchFault,
  batchFaultErrorCode,
  CompressionType,
  decodeBatch,
  decodeBatchSync,
  encodeBatch,
  recordsErrorCode,
  updateBatchCrc,
  validateBatch,
  validateClientBatch,
  validateProduceRecords,
  type RecordInput,
} from '../../../src/protocol/records/index.js';
import { ProtocolDecodeError } from '../../../src/protocol/primitives/errors.js';
import { CODECS, fixture } from './java-fixtures.js';

/** xorshift32: the same mutations on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const T0 = 1700000000000;
const sample: RecordInput[] = Array.from({ length: 40 }, (_, i) => ({
  key: i % 5 === 0 ? null : Buffer.from(`key-${i}`),
  value: Buffer.from(`{"n":${i},"text":"${'abc'.repeat(i % 9)}"}`),
  timestamp: T0 + i * 3,
  headers: i % 4 === 0 ? [{ key: `h${i}`, value: i % 8 === 0 ? null : Buffer.from([i]) }] : undefined,
}));

function mutate(base: Buffer, random: () => number): Buffer {
  const kind = Math.floor(random() * 5);
  if (kind === 0) return base.subarray(0, Math.floor(random() * base.length)); // truncate
  const copy = Buffer.from(base);
  const flips = 1 + Math.floor(random() * 4);
  for (let i = 0; i < flips; i++) {
    const at = kind === 1 ? Math.floor(random() * Math.min(61, copy.length)) : Math.floor(random() * copy.length);
    copy[at] = kind === 2 ? copy[at]! ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256);
  }
  return copy;
}

/** Every outcome must be a fault code, a decoded batch, or a ProtocolDecodeError: nothing else. */
async function exercise(bytes: Buffer, fixCrc: boolean): Promise<'ok' | 'fault' | 'error'> {
  if (fixCrc && bytes.length >= 61) {
    const length = bytes.readInt32BE(8);
    if (length >= 49 && length + 12 <= bytes.length) updateBatchCrc(bytes, 0);
  }
  const fault = validateBatch(bytes);
  assert.equal(typeof batchFaultErrorCode(fault), 'number');
  validateClientBatch(bytes, 0, bytes.length, 1 << 20);
  validateProduceRecords(bytes, 0, bytes.length, 9);
  const cursor = new BatchCursor(bytes);
  while (cursor.next()) assert.ok(cursor.offset + cursor.size <= bytes.length);
  if (bytes.length <= 21 || (bytes[22]! & 7) !== CompressionType.Zstd) {
    try {
      decodeBatchSync(bytes, 0, bytes.length, { maxRecordsBytes: 1 << 20 });
    } catch (err) {
      if (!(err instanceof ProtocolDecodeError)) throw err;
    }
  }
  try {
    const d = await decodeBatch(bytes, 0, bytes.length, { maxRecordsBytes: 1 << 20 });
    assert.equal(d.records.length, d.recordCount);
    return fault === BatchFault.Ok ? 'ok' : 'fault';
  } catch (err) {
    if (!(err instanceof ProtocolDecodeError)) throw err;
    assert.notEqual(recordsErrorCode(err), 0);
    return 'error';
  }
}

test('random mutations of batches yield only a fault, a decode, or a ProtocolDecodeError', async () => {
  const bases: Buffer[] = [];
  for (let codec = CompressionType.None; codec <= CompressionType.Zstd; codec++) {
    bases.push(await encodeBatch(sample, { compression: codec, producerId: 3, producerEpoch: 0, baseSequence: 0 }));
  }
  for (const name of CODECS) bases.push(fixture(`java-${name}.bin`));
  const random = rng(0x5eed);
  const outcomes = { ok: 0, fault: 0, error: 0 };
  for (const base of bases) {
    for (let i = 0; i < 300; i++) {
      // Half the mutants get a fresh CRC, so the record and codec parsers see them too.
      outcomes[await exercise(mutate(base, random), i % 2 === 0)]++;
    }
  }
  assert.ok(outcomes.error > 0, 'mutations reached the decoders');
  assert.ok(outcomes.ok + outcomes.fault + outcomes.error === bases.length * 300);
});

test('random bytes are never mistaken for a batch without an error', async () => {
  const random = rng(42);
  for (let i = 0; i < 500; i++) {
    const bytes = Buffer.alloc(Math.floor(random() * 200));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
    if (bytes.length > 16 && i % 2 === 0) bytes[16] = 2;
    const outcome = await exercise(bytes, i % 3 === 0);
    assert.ok(outcome === 'fault' || outcome === 'error' || outcome === 'ok');
  }
});
