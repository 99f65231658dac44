import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonObjectSplitter, type SplitResult } from '../../../../src/console/api/v3/json-stream.js';

function feed(s: JsonObjectSplitter, ...chunks: string[]): SplitResult[] {
  return [...chunks.flatMap((c) => s.push(Buffer.from(c))), ...s.end()];
}

test('objects split at any byte, several per chunk, braces and escaped quotes inside strings', () => {
  const objects = ['{"a":"}{\\"x\\"}"}', '{"b":[{"c":1},[2,{}]]}', '{"u":"ünï"}'];
  const text = `${objects[0]}\n ${objects[1]}${objects[2]}\r\n`;
  for (let cut = 0; cut <= text.length; cut++) {
    const bytes = Buffer.from(text);
    const at = Math.min(cut, bytes.length);
    const s = new JsonObjectSplitter(1024);
    const out = [...s.push(bytes.subarray(0, at)), ...s.push(bytes.subarray(at)), ...s.end()];
    assert.deepEqual(out, objects.map((o) => ({ kind: 'object', text: o })), `cut at ${cut}`);
  }
});

test('a stream that is not objects, or ends inside one, is an error; nothing after it is read', () => {
  assert.deepEqual(feed(new JsonObjectSplitter(100), '{"a":1} [1]', '{"b":2}'), [
    { kind: 'object', text: '{"a":1}' }, { kind: 'error', status: 400, message: 'expected a JSON object' },
  ]);
  assert.deepEqual(feed(new JsonObjectSplitter(100), '{"a":', '"b"'), [{ kind: 'error', status: 400, message: 'the stream ended inside a JSON object' }]);
});

test('an object over the limit is 413, whether it arrives whole or in pieces', () => {
  const big = `{"v":"${'x'.repeat(50)}"}`;
  assert.equal(feed(new JsonObjectSplitter(40), big)[0]?.kind, 'error');
  const pieces = feed(new JsonObjectSplitter(40), '{"ok":1}', big.slice(0, 20), big.slice(20, 45), big.slice(45));
  assert.deepEqual(pieces.map((r) => (r.kind === 'error' ? r.status : r.text)), ['{"ok":1}', 413]);
});
