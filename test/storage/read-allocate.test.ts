import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleBatch, testEnv } from './helpers.js';

test('read() fills a caller-allocated buffer and returns only the whole batches in it', () => {
  const env = testEnv();
  const log = env.open();
  for (let i = 0; i < 5; i++) log.append(simpleBatch(3, `b${i}`, 100), { leaderEpoch: 0 });
  const plain = log.read(0, 1 << 20, { isolation: 'logEnd' }).records;
  const asked: number[] = [];
  const big = Buffer.alloc(1 << 16, 0xee);
  const r = log.read(0, 1 << 20, {
    isolation: 'logEnd',
    allocate: (size) => {
      asked.push(size);
      return big;
    },
  });
  assert.deepEqual(asked, [plain.length]);
  assert.equal(r.records.buffer, big.buffer, 'a view of the given buffer');
  assert.deepEqual(r.records, plain, 'no bytes past the batches');
  // A byte limit mid-batch: whole batches only, from the larger buffer.
  const part = log.read(0, plain.length - 10, { isolation: 'logEnd', allocate: () => big }).records;
  assert.ok(part.length < plain.length && part.length > 0);
  assert.deepEqual(part, plain.subarray(0, part.length));
  log.close();
});
