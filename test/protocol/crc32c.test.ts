import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '../../src/protocol/crc32c.js';

test('CRC32C matches the check value and the RFC 3720 (iSCSI) vectors', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
  assert.equal(crc32c(Buffer.alloc(32, 0x00)), 0x8a9136aa);
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
});

test('CRC32C continues a running checksum across buffers', () => {
  const data = Buffer.from('The quick brown fox jumps over the lazy dog, repeatedly and at length.');
  for (const cut of [0, 1, 7, 33, data.length]) {
    assert.equal(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut))), crc32c(data));
  }
});

test('CRC32C reads a view at its own offset, not its backing buffer', () => {
  const backing = Buffer.from('xxxx123456789yyyy');
  assert.equal(crc32c(backing.subarray(4, 13)), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(backing.buffer, backing.byteOffset + 4, 9)), 0xe3069283);
});
