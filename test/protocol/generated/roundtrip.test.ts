// Every message, header and internal record, at every valid version: encode → decode gives
// the value back (fields the version lacks at their defaults), the reader stops exactly at
// the end, and encoding the decoded value gives the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CODECS } from '../../../src/protocol/generated/index.js';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import { buildModels } from '../../../tools/codegen/generate.js';
import { findRepoRoot } from '../../../tools/codegen/paths.js';
import { sampleMessage, type SampleMode } from '../../../tools/codegen/samples.js';

const models = buildModels(join(findRepoRoot(), 'spec'));
const RUNS: Array<[SampleMode, number]> = [['rich', 1], ['rich', 2], ['rich', 3], ['big', 4], ['defaults', 5]];

test('every spec file has a generated codec', () => {
  assert.equal(Object.keys(CODECS).length, models.length);
  for (const m of models) {
    const codec = CODECS[m.name];
    assert.ok(codec, m.name);
    assert.deepEqual(codec.validVersions, { lowest: m.validVersions.lowest, highest: m.validVersions.highest });
  }
});

for (const m of models) {
  test(`${m.name} round-trips at every version ${m.validVersions}`, () => {
    const codec = CODECS[m.name]!;
    for (let v = m.validVersions.lowest; v <= m.validVersions.highest; v++) {
      for (const [mode, seed] of RUNS) {
        const where = `${m.name} v${v} ${mode}/${seed}`;
        const { value, expected } = sampleMessage(m, v, mode, seed);
        const bytes = codec.encode(value, v);
        assert.equal(bytes.length, codec.size(value, v), where);
        const decoded = codec.decode(bytes, 0, v);
        assert.deepEqual(decoded, expected, where);
        const reader = new Reader(bytes);
        codec.read(reader, v);
        assert.equal(reader.pos, bytes.length, `${where}: reader stops at the end`);
        assert.ok(codec.encode(decoded, v).equals(bytes), `${where}: re-encoding gives the same bytes`);
      }
      const defaults = codec.defaults();
      assert.deepEqual(codec.decode(codec.encode(defaults, v), 0, v), defaults, `${m.name} v${v} defaults()`);
    }
  });
}
