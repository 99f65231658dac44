import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OffsetMap } from '../../src/storage/cleaner/offset-map.js';

test('a map whose memory held another map (real hashes, offsets and stamps) answers nothing from it', () => {
  const key = Buffer.from('k7');
  const first = new OffsetMap(1 << 12);
  first.clear();
  first.put(key, 24);
  assert.equal(first.get(key), 24);
  // allocUnsafeSlow may hand a new map the freed block of an old one: copy it over to be sure.
  const second = new OffsetMap(1 << 12);
  (first as unknown as { bytes: Buffer }).bytes.copy((second as unknown as { bytes: Buffer }).bytes);
  second.clear();
  assert.equal(second.get(key), -1);
  second.put(key, 3);
  assert.equal(second.get(key), 3);
  assert.equal(second.size, 1);
});
