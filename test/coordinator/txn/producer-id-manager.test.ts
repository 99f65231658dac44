import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileProducerIdBlockStore,
  ProducerIdManager,
  ProducerIdsUnavailableError,
  type ProducerIdBlock,
  type ProducerIdBlockStore,
} from '../../../src/coordinator/txn/producer-id-manager.js';
import { initProducerId } from '../../../src/coordinator/txn/init-producer-id.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'millrace-pid-'));
}

test('ids come from durably reserved blocks and never repeat across restarts', async () => {
  const dir = tempDir();
  try {
    const first = new ProducerIdManager(new FileProducerIdBlockStore(dir, 1), 10);
    const ids: number[] = [];
    for (let i = 0; i < 25; i++) ids.push(await first.generateProducerId());
    assert.deepEqual(ids, Array.from({ length: 25 }, (_, i) => i));
    const onDisk = JSON.parse(readFileSync(join(dir, FileProducerIdBlockStore.FILE), 'utf8'));
    assert.equal(onDisk.version, 1);
    assert.equal(onDisk.broker, 1);
    assert.ok(Number(onDisk.block_end) >= 24, 'the block in use is reserved before its ids are handed out');
    // A restart (or crash) skips the rest of the reserved blocks.
    const second = new ProducerIdManager(new FileProducerIdBlockStore(dir, 1), 10);
    const next = await second.generateProducerId();
    assert.equal(next, Number(onDisk.block_end) + 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('concurrent callers share one block allocation and get distinct ids', async () => {
  let allocations = 0;
  let last = -1;
  const store: ProducerIdBlockStore = {
    async allocate(size: number): Promise<ProducerIdBlock> {
      allocations++;
      await new Promise((r) => setImmediate(r));
      const block = { first: last + 1, last: last + size };
      last = block.last;
      return block;
    },
  };
  const m = new ProducerIdManager(store, 1000);
  const ids = await Promise.all(Array.from({ length: 50 }, () => m.generateProducerId()));
  assert.equal(new Set(ids).size, 50);
  assert.equal(allocations, 1);
});

test('the next block is fetched before the current one runs out', async () => {
  const allocated: number[] = [];
  let last = -1;
  const store: ProducerIdBlockStore = {
    async allocate(size) {
      const block = { first: last + 1, last: last + size };
      last = block.last;
      allocated.push(block.first);
      return block;
    },
  };
  const m = new ProducerIdManager(store, 10);
  for (let i = 0; i < 9; i++) await m.generateProducerId();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(allocated, [0, 10], 'prefetched at 90%');
  assert.equal(await m.generateProducerId(), 9);
  assert.equal(await m.generateProducerId(), 10);
});

test('a store that fails makes generateProducerId fail (retriable), and a later call recovers', async () => {
  let fail = true;
  const store: ProducerIdBlockStore = {
    async allocate(size) {
      if (fail) throw new Error('disk full');
      return { first: 0, last: size - 1 };
    },
  };
  const m = new ProducerIdManager(store, 5);
  await assert.rejects(m.generateProducerId(), ProducerIdsUnavailableError);
  const r = await initProducerId({ transactionalId: null, transactionTimeoutMs: 1, producerId: -1, producerEpoch: -1 }, m, 900_000, null);
  assert.equal(r.errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  fail = false;
  assert.equal(await m.generateProducerId(), 0);
});

test('a block file that cannot be read is an error, never a restart from 0', () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, FileProducerIdBlockStore.FILE), '{"version":1,"block_start":"x"');
    assert.throws(() => new FileProducerIdBlockStore(dir, 1), /not valid JSON/);
    writeFileSync(join(dir, FileProducerIdBlockStore.FILE), '{"version":2,"block_start":"0","block_end":"9"}');
    assert.throws(() => new FileProducerIdBlockStore(dir, 1), /does not hold a producer id block/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('InitProducerId decisions: idempotent, bad id/epoch pairs, transactional ids without a coordinator', async () => {
  let next = 100;
  const m = new ProducerIdManager({ async allocate(size) { const b = { first: next, last: next + size - 1 }; next += size; return b; } }, 1000);
  const max = 900_000;
  const idem = await initProducerId({ transactionalId: null, transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 }, m, max, null);
  assert.deepEqual(idem, { errorCode: ErrorCode.NONE, producerId: 100, producerEpoch: 0 });
  // KIP-360 bump of an idempotent producer: Kafka hands out a fresh id with epoch 0.
  const bumped = await initProducerId({ transactionalId: null, transactionTimeoutMs: 0, producerId: 100, producerEpoch: 0 }, m, max, null);
  assert.deepEqual(bumped, { errorCode: ErrorCode.NONE, producerId: 101, producerEpoch: 0 });
  const half = await initProducerId({ transactionalId: null, transactionTimeoutMs: 0, producerId: 5, producerEpoch: -1 }, m, max, null);
  assert.equal(half.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(half.producerId, -1);
  const empty = await initProducerId({ transactionalId: '', transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 }, m, max, null);
  assert.equal(empty.errorCode, ErrorCode.INVALID_REQUEST);
  const tooLong = await initProducerId({ transactionalId: 'tx', transactionTimeoutMs: max + 1, producerId: -1, producerEpoch: -1 }, m, max, null);
  assert.equal(tooLong.errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  const txn = await initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 }, m, max, null);
  assert.deepEqual(txn, { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1, producerEpoch: -1 });
});
