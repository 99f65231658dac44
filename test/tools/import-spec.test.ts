// tools/import-spec.ts keeps the facts of Kafka's specs and drops the prose, deterministically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatErrors, importErrors, importSpecs, parseErrorTable, readSpecSources, reduceSpec } from '../../tools/import-spec.js';
import { readZipEntries } from '../../tools/zip.js';
import AdmZip from 'adm-zip';
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

/** A jar of `entries`, each stored or deflated as asked (adm-zip writes it). */
function zip(entries: Array<{ name: string; data: Buffer; deflate: boolean }>): Buffer {
  const z = new AdmZip();
  for (const e of entries) {
    z.addFile(e.name, e.data);
    const added = z.getEntry(e.name)!;
    added.header.method = e.deflate ? 8 : 0;
  }
  return z.toBuffer();
}

const RECORD_KEY = '// c\n{ "apiKey": 1, "type": "coordinator-key", "name": "ThingKey", "validVersions": "0", "flexibleVersions": "none", "fields": [ { "name": "Id", "type": "string", "versions": "0", "about": "x" } ] }\n';

test('readZipEntries reads stored and deflated entries and skips the rest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-zip-'));
  try {
    const file = join(dir, 'a.jar');
    const big = Buffer.from('x'.repeat(5000));
    writeFileSync(file, zip([
      { name: 'common/message/', data: Buffer.alloc(0), deflate: false },
      { name: 'common/message/A.json', data: big, deflate: true },
      { name: 'common/message/B.json', data: Buffer.from('{}'), deflate: false },
      { name: 'org/X.class', data: Buffer.from('cafe'), deflate: true },
    ]));
    const got = readZipEntries(file, (n) => n.endsWith('.json'));
    assert.deepEqual([...got.keys()], ['common/message/A.json', 'common/message/B.json']);
    assert.deepEqual(got.get('common/message/A.json'), big);
    assert.equal(got.get('common/message/B.json')!.toString(), '{}');
    writeFileSync(join(dir, 'not.jar'), 'not a zip at all, just some text that is long enough');
    assert.throws(() => readZipEntries(join(dir, 'not.jar'), () => true), /not a zip file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('importSpecs reads Kafka\'s jars: kafka-clients to messages/, the coordinators to internal/', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-import-jars-'));
  try {
    const libs = join(dir, 'libs');
    mkdirSync(libs);
    const entry = (name: string, text: string) => ({ name: `common/message/${name}`, data: Buffer.from(text), deflate: true });
    writeFileSync(join(libs, 'kafka-clients-9.9.0.jar'), zip([entry('ThingRequest.json', KAFKA_STYLE), { name: 'org/A.class', data: Buffer.from('x'), deflate: false }]));
    writeFileSync(join(libs, 'kafka-group-coordinator-9.9.0.jar'), zip([entry('ThingKey.json', RECORD_KEY)]));
    writeFileSync(join(libs, 'kafka-transaction-coordinator-9.9.0.jar'), zip([entry('TxnThingKey.json', RECORD_KEY.replace('ThingKey', 'TxnThingKey'))]));
    writeFileSync(join(libs, 'kafka-share-coordinator-9.9.0.jar'), zip([entry('ShareThingKey.json', RECORD_KEY.replace('ThingKey', 'ShareThingKey'))]));
    writeFileSync(join(libs, 'kafka-clients-9.9.0-sources.jar'), 'ignored');
    writeFileSync(join(libs, 'slf4j-api-1.7.36.jar'), 'ignored');
    const to = join(dir, 'spec');
    assert.deepEqual(importSpecs(libs, to), ['messages/ThingRequest.json', 'internal/ShareThingKey.json', 'internal/ThingKey.json', 'internal/TxnThingKey.json']);
    const key = JSON.parse(readFileSync(join(to, 'internal/ThingKey.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(key, { apiKey: 1, type: 'coordinator-key', name: 'ThingKey', validVersions: '0', flexibleVersions: 'none', fields: [{ name: 'Id', type: 'string', versions: '0' }] });
    // The same jars named one by one give the same texts; a folder as spec/ is laid out reads as it is.
    const jars = readdirSync(libs).filter((n) => !n.includes('sources') && n.startsWith('kafka-')).map((n) => join(libs, n));
    const one = readSpecSources(jars);
    const again = readSpecSources(to);
    assert.deepEqual([...one.messages.keys()], ['ThingRequest.json']);
    assert.deepEqual([...again.internal.keys()].sort(), ['ShareThingKey.json', 'ThingKey.json', 'TxnThingKey.json']);
    // Two versions of one artifact in a folder are ambiguous.
    writeFileSync(join(libs, 'kafka-clients-9.8.0.jar'), zip([entry('ThingRequest.json', KAFKA_STYLE)]));
    assert.throws(() => readSpecSources(libs), /2 kafka-clients jars/);
    assert.throws(() => readSpecSources(join(libs, 'slf4j-api-1.7.36.jar')), /not one of the jars the importer reads/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('importErrors reads a kafka-clients sources jar as it reads a source tree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-errors-jar-'));
  try {
    const base = 'org/apache/kafka/common/';
    const codes = Array.from({ length: 100 }, (_, i) => `    E_${i}(${i + 1}, "Error ${i}.", ApiException::new),`);
    const errorsJava = ['public enum Errors {', '    NONE(0, null, message -> null),', ...codes, '    LAST(101, "Last.", LastException::new);',
      '    private static final Logger log = null;', '}'].join('\n');
    const file = join(dir, 'kafka-clients-9.9.0-sources.jar');
    writeFileSync(file, zip([
      { name: `${base}protocol/Errors.java`, data: Buffer.from(errorsJava), deflate: true },
      { name: `${base}errors/RetriableException.java`, data: Buffer.from('class RetriableException extends ApiException {}'), deflate: true },
      { name: `${base}errors/LastException.java`, data: Buffer.from('class LastException extends RetriableException {}'), deflate: true },
    ]));
    const errors = importErrors(file);
    assert.equal(errors.length, 102);
    assert.deepEqual(errors.at(-1), { code: 101, name: 'LAST', retriable: true, message: 'Last.' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseErrorTable reads the lines tools/kafka-errors/ErrorTable.java prints', () => {
  const lines = ['-1\tUNKNOWN_SERVER_ERROR\tfalse\t"The server experienced an unexpected error."', '0\tNONE\tfalse\tnull',
    '7\tREQUEST_TIMED_OUT\ttrue\t"The request timed out \\"here\\"."',
    ...Array.from({ length: 100 }, (_, i) => `${200 + i}\tX_${i}\tfalse\t"x"`)];
  const errors = parseErrorTable(`${lines.join('\n')}\n`);
  assert.equal(errors[0]!.code, -1);
  assert.deepEqual(errors[1], { code: 0, name: 'NONE', retriable: false, message: null });
  assert.deepEqual(errors[2], { code: 7, name: 'REQUEST_TIMED_OUT', retriable: true, message: 'The request timed out "here".' });
  assert.throws(() => parseErrorTable('1\tX\tmaybe\t"x"\n'), /bad line/);
});
