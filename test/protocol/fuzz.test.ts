// A small, fixed sample of the decoder fuzzer (bench/fuzz/): 20,000 random and mutated
// inputs through every decoder of src/protocol. Nothing but ProtocolDecodeError (or a typed
// BatchFault result) may come out, no input may take long, the live heap may not grow, and
// the sample must actually reach every decoder. The 1M-input run is
// `node dist/bench/fuzz/fuzz-decoders.js --frames 1000000 --seed N`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, runFuzz } from '../../bench/fuzz/core.js';
import { CODECS } from '../../src/protocol/generated/index.js';

const SEED = 20251124;
const INPUTS = 20_000;

/** Decoders outside the generated message codecs, each of which must see at least MIN_CALLS. */
const DECODERS = [
  'frame:request', 'frame:response', 'message:decode', 'message:bounded-reader',
  'broker:validateProduceRecords', 'broker:validateClientBatch', 'broker:fetch-validateBatch',
  'batch:validateBatch', 'batch:checkBatch(no crc)', 'batch:validateClientBatch', 'batch:validateProduceRecords',
  'batch:BatchCursor', 'batch:decodeBatchSync', 'batch:decodeBatch', 'records:decodeRecords',
  'decompress:gzip(sync)', 'decompress:snappy(sync)', 'decompress:lz4(sync)', 'decompress:none(sync)',
  'decompress:gzip', 'decompress:snappy', 'decompress:lz4', 'decompress:zstd', 'decompress:unknown-id(sync)',
  'scan:lz4', 'scan:zstd',
];
const MIN_CALLS = 20;
/** Inputs aimed at each message codec (headers and internal records included). */
const MIN_PER_CODEC = 5;

test(`decoder fuzz sample: ${INPUTS} inputs, seed ${SEED}`, async () => {
  const report = await runFuzz({
    frames: INPUTS, seed: SEED, keepGoing: true, timeBudgetMs: 2000, heapWindow: 5000, forceGc: true,
  });
  const text = formatReport(report);
  assert.equal(report.failures.length, 0, text);
  assert.equal(report.inputs, INPUTS);

  for (const name of DECODERS) {
    const calls = report.decoders[name]?.calls ?? 0;
    assert.ok(calls >= MIN_CALLS, `${name}: ${calls} calls, expected at least ${MIN_CALLS}`);
  }
  for (const name of Object.keys(CODECS)) {
    const n = report.codecs[name] ?? 0;
    assert.ok(n >= MIN_PER_CODEC, `${name}: ${n} inputs, expected at least ${MIN_PER_CODEC}`);
  }
  assert.deepEqual(report.codecVersionsMissed, [], 'every codec at every version');
  // Both outcomes happen: the sample is neither all garbage nor all valid.
  assert.ok(report.decoders['frame:request']!.ok > 100 && report.decoders['frame:request']!.rejected > 100);
  assert.ok(report.decoders['batch:decodeBatchSync']!.ok > 100, 'some mutated batches still decode');
  assert.ok((report.errorsByType['DecompressionError(too-large)'] ?? 0) > 0, 'the decompression cap is exercised');
});
