import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2, partitionForKey, StickyPartitioner } from '../../src/client/partitioner.js';

// Produced by Kafka 4.0.2's own code (kafka-clients: Utils.murmur2 and
// BuiltInPartitioner.partitionForKey with 7 and 100 partitions) for these UTF-8 keys.
const JAVA: [string, number, number, number][] = [
  ['', 275646681, 2, 81],
  ['a', -1563381124, 5, 24],
  ['ab', 316155434, 0, 34],
  ['abc', 479470107, 4, 7],
  ['21', -973932308, 3, 40],
  ['foobar', -790332482, 0, 66],
  ['a-little-bit-long-string', -985981536, 1, 12],
  ['a-little-bit-longer-string', -1486304829, 0, 19],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971, 3, 77],
  ['key-0', 29210041, 0, 41],
  ['key-1', 193331640, 5, 40],
  ['key-12345', -952703915, 0, 33],
  ['ünïcødé', 2147241326, 6, 26],
];

test('murmur2 and key partitions match Java producer', () => {
  for (const [k, hash, p7, p100] of JAVA) {
    const bytes = Buffer.from(k, 'utf8');
    assert.equal(murmur2(bytes), hash, k);
    assert.equal(partitionForKey(bytes, 7), p7, k);
    assert.equal(partitionForKey(bytes, 100), p100, k);
  }
  const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  assert.equal(murmur2(bin), -1948347274);
  assert.equal(partitionForKey(bin, 7), 3);
  assert.equal(partitionForKey(bin, 100), 74);
});

test('keyless records stick to a partition until a batch is full, then move', () => {
  const sticky = new StickyPartitioner(1000);
  const first = sticky.partition('t', 4);
  for (let i = 0; i < 9; i++) {
    assert.equal(sticky.partition('t', 4), first);
    sticky.update('t', 4, 100);
  }
  sticky.update('t', 4, 100);
  const second = sticky.partition('t', 4);
  assert.notEqual(second, first);
  assert.ok(second >= 0 && second < 4);
  // One partition: always 0.
  const one = new StickyPartitioner(10);
  for (let i = 0; i < 5; i++) {
    assert.equal(one.partition('u', 1), 0);
    one.update('u', 1, 50);
  }
});
