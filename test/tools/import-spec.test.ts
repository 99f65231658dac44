// tools/import-spec.ts keeps the facts of Kafka's specs and drops the prose, deterministically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatErrors, importErrors, importSpecs, reduceSpec } from '../../tools/import-spec.js';
import { parseJsonc, stripJsonComments } from '../../tools/codegen/jsonc.js';
import { findRepoRoot } from '../../tools/codegen/paths.js';

const KAFKA_STYLE = `// Licensed to the Apache Software Foundation (ASF) under one or more
// contributor license agreements.

{
  "apiKey": 3,
  "type": "request",
  "name": "ThingRequest",
  // Version 1 adds a "quoted // thing" in a comment.
  /* a block
     comment */
  "validVersions": "0-1",
  "flexibleVersions": "1+",
  "fields": [
    { "name": "Url", "type": "string", "versions": "0+", "default": "http://example.com/a//b",
      "about": "A URL with \\"quotes\\" and // slashes." },
    { "name": "Items", "type": "[]Item", "versions": "0+", "about": "Items.", "fields": [
      { "name": "Id", "type": "int32", "versions": "0+", "mapKey": true, "about": "The id." }
    ]}
  ]
}
`;

test('comments are stripped outside strings only', () => {
  const parsed = parseJsonc(KAFKA_STYLE, 'x.json') as { fields: Array<{ default?: string; about?: string }> };
  assert.equal(parsed.fields[0]!.default, 'http://example.com/a//b');
  assert.equal(parsed.fields[0]!.about, 'A URL with "quotes" and // slashes.');
  assert.equal(stripJsonComments('{"a": 1} // x\n').trim(), '{"a": 1}');
  assert.equal(stripJsonComments('/* x\ny */1').split('\n').length, 2, 'line breaks are kept');
});

test('reduceSpec keeps facts in a fixed order and drops about texts', () => {
  const reduced = reduceSpec(parseJsonc(KAFKA_STYLE, 'x.json') as never, 'x.json');
  assert.deepEqual(Object.keys(reduced), ['apiKey', 'type', 'name', 'validVersions', 'flexibleVersions', 'fields']);
  assert.equal(JSON.stringify(reduced).includes('about'), false);
  assert.throws(() => reduceSpec({ name: 'X', newFact: 1 }, 'x.json'), /unknown property "newFact"/);
});

test('importSpecs writes facts only, deterministically, and removes stale files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-import-'));
  try {
    const from = join(dir, 'from');
    const to = join(dir, 'to');
    for (const g of ['messages', 'internal']) mkdirSync(join(from, g), { recursive: true });
    writeFileSync(join(from, 'messages/ThingRequest.json'), KAFKA_STYLE);
    writeFileSync(join(from, 'internal/ThingKey.json'), '// c\n{ "type": "data", "name": "ThingKey", "validVersions": "0", "flexibleVersions": "none", "fields": [] }\n');
    mkdirSync(join(to, 'messages'), { recursive: true });
    writeFileSync(join(to, 'messages/Stale.json'), '{}');
    assert.deepEqual(importSpecs(from, to), ['messages/ThingRequest.json', 'internal/ThingKey.json']);
    assert.deepEqual(readdirSync(join(to, 'messages')), ['ThingRequest.json']);
    const first = readFileSync(join(to, 'messages/ThingRequest.json'), 'utf8');
    for (const prose of ['about', 'Licensed', 'ASF', '//', 'comment']) {
      assert.equal(first.replace('http://example.com/a//b', '').includes(prose), false, `no "${prose}"`);
    }
    const parsed = JSON.parse(first) as { fields: Array<{ fields?: unknown[] }> };
    assert.deepEqual(parsed.fields[1]!.fields, [{ name: 'Id', type: 'int32', versions: '0+', mapKey: true }]);
    importSpecs(from, to);
    assert.equal(readFileSync(join(to, 'messages/ThingRequest.json'), 'utf8'), first);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('importErrors reads codes, messages and retriability from a Kafka source tree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-errors-'));
  try {
    const base = join(dir, 'clients/src/main/java/org/apache/kafka/common');
    mkdirSync(join(base, 'protocol'), { recursive: true });
    mkdirSync(join(base, 'errors'), { recursive: true });
    const lines = ['public enum Errors {',
      '    UNKNOWN_SERVER_ERROR(-1, "The server experienced an unexpected error.",',
      '            UnknownServerException::new),',
      '    NONE(0, null, message -> null),',
      '    NOT_COORDINATOR(16, "This is not the correct coordinator " +',
      '            "(it\'s \\"elsewhere\\").", NotCoordinatorException::new),',
      '    DEEP(17, "Deep.", DeepException::new);'];
    const filler = Array.from({ length: 100 }, (_, i) => `    FILLER_${i}(${200 + i}, "Filler ${i}.", ApiException::new),`);
    lines.splice(4, 0, ...filler);
    lines.push('    private static final Logger log = null;', '}');
    writeFileSync(join(base, 'protocol/Errors.java'), lines.join('\n'));
    const cls = (name: string, parent: string): void =>
      writeFileSync(join(base, `errors/${name}.java`), `package x;\npublic class ${name} extends ${parent} {}\n`);
    cls('RetriableException', 'ApiException');
    cls('InvalidMetadataException', 'RetriableException');
    cls('NotCoordinatorException', 'RetriableException');
    cls('DeepException', 'InvalidMetadataException');
    cls('UnknownServerException', 'ApiException');
    const errors = importErrors(dir);
    const by = new Map(errors.map((e) => [e.name, e]));
    assert.equal(by.get('NONE')!.message, null);
    assert.equal(by.get('NOT_COORDINATOR')!.message, 'This is not the correct coordinator (it\'s "elsewhere").');
    assert.equal(by.get('NOT_COORDINATOR')!.retriable, true);
    assert.equal(by.get('DEEP')!.retriable, true, 'retriable through a chain of superclasses');
    assert.equal(by.get('UNKNOWN_SERVER_ERROR')!.retriable, false);
    assert.equal(by.get('REBOOTSTRAP_REQUIRED')!.code, 129, 'Kafka 4.0 additions are merged in');
    const codes = errors.map((e) => e.code);
    assert.deepEqual(codes, [...codes].sort((a, b) => a - b));
    assert.deepEqual(JSON.parse(formatErrors(errors)).errors, JSON.parse(JSON.stringify(errors)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('committed spec files have no prose', () => {
  const spec = join(findRepoRoot(), 'spec');
  let n = 0;
  for (const g of ['messages', 'internal']) {
    for (const name of readdirSync(join(spec, g))) {
      const text = readFileSync(join(spec, g, name), 'utf8');
      assert.equal(/"about"|\/\/ |Licensed|Apache Software Foundation/.test(text), false, `${g}/${name}`);
      JSON.parse(text);
      n++;
    }
  }
  assert.ok(n >= 200);
});

// Only where the reference specs are checked out next to the project (not in a fresh clone).
const shared = join(findRepoRoot(), '../shared/kafka-protocol');
if (existsSync(join(shared, 'messages'))) {
  test('committed spec/ is what importing ../shared/kafka-protocol gives', () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-reimport-'));
    try {
      const files = importSpecs(shared, dir);
      const spec = join(findRepoRoot(), 'spec');
      for (const f of files) {
        assert.equal(readFileSync(join(dir, f), 'utf8'), readFileSync(join(spec, f), 'utf8'), f);
      }
      for (const g of ['messages', 'internal']) {
        assert.deepEqual(readdirSync(join(spec, g)).sort(), readdirSync(join(dir, g)).sort());
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
