// The generator rejects inconsistent specs with a clear error, as Kafka's generator does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFiles } from '../../tools/codegen/generate.js';
import { buildAll, buildMessage, SpecError } from '../../tools/codegen/model.js';
import type { RawMessage, SpecFile } from '../../tools/codegen/spec.js';

type Json = Record<string, unknown>;

function base(): Json {
  return {
    apiKey: 1000,
    type: 'request',
    name: 'TestRequest',
    validVersions: '0-3',
    flexibleVersions: '2+',
    fields: [
      { name: 'Id', type: 'int32', versions: '0+' },
      { name: 'Name', type: 'string', versions: '1+', nullableVersions: '1+' },
      {
        name: 'Items', type: '[]Item', versions: '0+', fields: [
          { name: 'Key', type: 'string', versions: '0+', mapKey: true },
          { name: 'Value', type: 'int64', versions: '0+', default: '-1' },
        ],
      },
      { name: 'Extra', type: 'int16', versions: '2+', taggedVersions: '2+', tag: 0 },
    ],
  };
}

function file(spec: Json, name = 'TestRequest'): SpecFile {
  return { file: `messages/${name}.json`, group: 'messages', spec: spec as RawMessage };
}

function fields(spec: Json): Json[] {
  return spec.fields as Json[];
}

function rejects(mutate: (spec: Json) => void, pattern: RegExp): void {
  const spec = base();
  mutate(spec);
  assert.throws(() => buildMessage(file(spec)), (e: unknown) => {
    assert.ok(e instanceof SpecError, `expected a SpecError, got ${String(e)}`);
    assert.match(e.message, pattern);
    assert.match(e.message, /^messages\/TestRequest\.json: /);
    return true;
  });
}

test('the base spec is accepted', () => {
  const m = buildMessage(file(base()));
  assert.equal(m.name, 'TestRequest');
  assert.equal(m.structs.length, 2);
  assert.equal(m.structs[1]!.hasKeys, true);
});

test('nullableVersions on a type that cannot be null', () => {
  rejects((s) => { fields(s)[0]!.nullableVersions = '0+'; }, /type int32 cannot be nullable/);
});

test('versions outside the valid versions', () => {
  rejects((s) => { fields(s)[0]!.versions = '7+'; }, /versions 7\+ of field Id are outside the versions 0-3 of TestRequest/);
  rejects((s) => { (fields(s)[2]!.fields as Json[])[1]!.versions = '5+'; }, /outside the versions/);
  rejects((s) => { s.validVersions = '0+'; }, /does not specify a maximum version/);
  rejects((s) => { fields(s)[0]!.versions = 'x'; }, /invalid version range "x"/);
  rejects((s) => { fields(s)[0]!.versions = '3-1'; }, /invalid version range "3-1"/);
});

test('tagged fields: tag and taggedVersions go together, within flexible versions, open-ended', () => {
  rejects((s) => { delete fields(s)[3]!.taggedVersions; fields(s)[3]!.versions = '2+'; }, /has no tagged versions/);
  rejects((s) => { delete fields(s)[3]!.tag; }, /does not specify a tag/);
  rejects((s) => { fields(s)[3]!.taggedVersions = '1+'; fields(s)[3]!.versions = '1+'; }, /not a subset of the flexible versions 2\+/);
  rejects((s) => { fields(s)[3]!.taggedVersions = '2-3'; }, /not open-ended/);
  rejects((s) => { fields(s)[3]!.versions = '3+'; }, /taggedVersions must be a subset of versions/);
  rejects((s) => { fields(s)[3]!.tag = -1; }, /tags cannot be negative/);
  rejects((s) => { fields(s)[3]!.tag = 1; }, /tag IDs are not contiguous/);
  rejects((s) => { fields(s).push({ name: 'Other', type: 'int8', versions: '2+', taggedVersions: '2+', tag: 0 }); }, /duplicate tag ID 0/);
  rejects((s) => { fields(s).push({ name: 'R', type: 'records', versions: '2+', taggedVersions: '2+', tag: 1, nullableVersions: '2+' }); }, /records cannot be a tagged field/);
  rejects((s) => {
    fields(s).push({ name: 'S', type: 'string', versions: '2+', taggedVersions: '2+', tag: 1, nullableVersions: '3+' });
  }, /either all tagged versions must be nullable, or none/);
});

test('duplicate names', () => {
  rejects((s) => { fields(s).push({ name: 'Id', type: 'int8', versions: '0+' }); }, /duplicate name Id/);
  rejects((s) => { fields(s).push({ name: 'More', type: '[]Item', versions: '0+', fields: [] }); }, /struct Item was specified twice/);
  rejects((s) => {
    s.commonStructs = [{ name: 'C', versions: '0+', fields: [] }, { name: 'C', versions: '0+', fields: [] }];
  }, /common struct C was specified twice/);
  rejects((s) => {
    s.commonStructs = [{ name: 'Item', versions: '0+', fields: [] }];
  }, /can't re-specify the common struct Item as an inline struct/);
});

test('unknown types', () => {
  rejects((s) => { fields(s)[0]!.type = 'int33'; }, /unknown type int33/);
  rejects((s) => { fields(s)[0]!.type = 'Thing'; }, /unknown type Thing: no common struct of that name and no inline fields/);
  rejects((s) => { fields(s)[0]!.type = '[]'; }, /no element type found/);
  rejects((s) => { fields(s)[0]!.type = '[][]int32'; }, /can't have an array of arrays/);
  rejects((s) => { fields(s)[0]!.fields = [{ name: 'X', type: 'int8', versions: '0+' }]; }, /cannot have fields/);
  rejects((s) => { s.type = 'rquest'; }, /unknown message type/);
});

test('mapKey misuse', () => {
  rejects((s) => { fields(s)[0]!.mapKey = true; }, /cannot set mapKey on top level fields/);
  rejects((s) => { fields(s)[3]!.mapKey = true; }, /tagged fields cannot be used as keys/);
  rejects((s) => {
    (fields(s)[2]!.fields as Json[]).push({ name: 'Blob', type: 'bytes', versions: '0+', mapKey: true });
  }, /cannot be a map key/);
  rejects((s) => {
    fields(s).push({ name: 'One', type: 'Keyed', versions: '0+', fields: [{ name: 'K', type: 'int32', versions: '0+', mapKey: true }] });
  }, /struct Keyed has mapKey fields, but is not used as the element of an array/);
  rejects((s) => { fields(s)[0]!.mapKey = 'yes'; }, /mapKey must be true or false/);
});

test('defaults that do not parse for their type', () => {
  rejects((s) => { fields(s).push({ name: 'B', type: 'int8', versions: '0+', default: '300' }); }, /invalid default for int8 field B/);
  rejects((s) => { fields(s).push({ name: 'B', type: 'int32', versions: '0+', default: 'abc' }); }, /invalid default for int32/);
  rejects((s) => { fields(s).push({ name: 'B', type: 'uint16', versions: '0+', default: '-1' }); }, /invalid default for uint16/);
  rejects((s) => { fields(s).push({ name: 'B', type: 'bool', versions: '0+', default: 'yes' }); }, /invalid default for boolean/);
  rejects((s) => { fields(s).push({ name: 'B', type: 'uuid', versions: '0+', default: 'not-a-uuid' }); }, /invalid default for uuid/);
  rejects((s) => { fields(s).push({ name: 'B', type: 'float64', versions: '0+', default: 'pi' }); }, /invalid default for float64/);
  rejects((s) => { fields(s).push({ name: 'B', type: 'bytes', versions: '0+', default: 'abc' }); }, /only valid default for a bytes field is empty or null/);
  rejects((s) => { fields(s).push({ name: 'B', type: '[]int32', versions: '0+', default: '[]' }); }, /only valid default for an array field/);
  rejects((s) => { fields(s).push({ name: 'B', type: 'string', versions: '0+', default: 'null' }); }, /null cannot be the default for field B/);
  rejects((s) => {
    fields(s).push({ name: 'B', type: 'string', versions: '0+', nullableVersions: '1+', default: 'null' });
  }, /not all versions of this field are nullable/);
  // Kafka's accepted forms: hexadecimal, negative, case-insensitive booleans.
  const ok = base();
  fields(ok).push(
    { name: 'H', type: 'int32', versions: '0+', default: '0x7fffffff' },
    { name: 'N', type: 'int64', versions: '0+', default: -1 },
    { name: 'T', type: 'bool', versions: '0+', default: 'TRUE' },
    { name: 'U', type: 'uuid', versions: '0+', default: 'AAAAAAAAAAAAAAAAAAAAAQ' },
  );
  const m = buildMessage(file(ok));
  assert.deepEqual(m.root.fields.slice(-4).map((f) => f.default), [
    { kind: 'int', value: 2147483647n }, { kind: 'int', value: -1n }, { kind: 'bool', value: true },
    { kind: 'uuid', bytes: Buffer.from('00000000000000000000000000000001', 'hex') },
  ]);
});

test('flexibleVersions: required, open-ended, overrides only on strings and bytes within the message', () => {
  rejects((s) => { delete s.flexibleVersions; }, /must specify a value for flexibleVersions/);
  rejects((s) => { s.flexibleVersions = '1-2'; }, /flexibleVersions 1-2 is not open-ended/);
  rejects((s) => { fields(s)[0]!.flexibleVersions = 'none'; }, /only fields of type string or bytes can specify a flexibleVersions override/);
  rejects((s) => { fields(s)[1]!.flexibleVersions = '1+'; }, /not a subset of the flexible versions for the message/);
});

test('other consistency rules', () => {
  rejects((s) => { fields(s)[0]!.entityType = 'topicName'; }, /entity type topicName, but field type int32/);
  rejects((s) => { fields(s)[0]!.entityType = 'planet'; }, /unknown entityType/);
  rejects((s) => { fields(s)[0]!.abuot = 'typo'; }, /unknown property "abuot"/);
  rejects((s) => { delete fields(s)[0]!.versions; }, /must specify the versions of field Id/);
  rejects((s) => { fields(s)[0]!.name = 'bad-name'; }, /invalid field name/);
  rejects((s) => { fields(s)[0]!.zeroCopy = true; }, /only fields of type bytes can use zeroCopy/);
  rejects((s) => { s.type = 'response'; s.listeners = ['broker']; }, /listeners are only valid for messages of type request/);
  rejects((s) => { s.type = 'data'; s.latestVersionUnstable = true; }, /latestVersionUnstable is only valid for messages of type request/);
  rejects((s) => { delete s.apiKey; }, /a request must have an apiKey/);
  rejects((s) => {
    s.commonStructs = [{ name: 'Shared', versions: '1+', fields: [] }];
    fields(s).push({ name: 'UsesShared', type: 'Shared', versions: '0+' });
  }, /only has versions 1\+/);
});

test('rules across files: a response for every request, one message per API key and type', () => {
  const req = file(base());
  assert.throws(() => buildAll([req]), /API key 1000 has a request but no response/);
  const res = file({ ...base(), type: 'response', name: 'TestResponse' }, 'TestResponse');
  assert.equal(buildAll([req, res]).length, 2);
  const twice = file({ ...base(), name: 'OtherRequest' }, 'OtherRequest');
  assert.throws(() => buildAll([req, res, twice]), /found more than one request with API key 1000/);
  const skew = file({ ...base(), type: 'response', name: 'TestResponse', validVersions: '0-4' }, 'TestResponse');
  assert.throws(() => buildAll([req, skew]), /request validVersions 0-3 differ from response validVersions 0-4/);
});

test('Kafka 4.x leftovers: removed APIs, fields of dropped versions, per-coordinator record types', () => {
  // An API Kafka removed keeps its spec with no valid versions; nothing is generated for it.
  const removed = file({ apiKey: 1001, type: 'request', name: 'GoneRequest', validVersions: 'none' }, 'GoneRequest');
  assert.deepEqual(buildAll([removed]), []);
  // A field only of versions below the lowest valid one is in no codec.
  const spec = base();
  spec.validVersions = '2-3';
  fields(spec).push({ name: 'OldOnly', type: 'int32', versions: '0-1' });
  assert.deepEqual(buildMessage(file(spec)).root.fields.map((f) => f.name), ['Id', 'Name', 'Items', 'Extra']);
  // Above the highest is still an error.
  rejects((s) => { fields(s).push({ name: 'Future', type: 'int32', versions: '4+' }); }, /versions 4\+ of field Future are outside/);
  // Record types are numbered per coordinator: two coordinators may both have a type 0.
  const record = (name: string): SpecFile => ({ file: `internal/${name}.json`, group: 'internal', spec: { apiKey: 0, type: 'coordinator-key', name, validVersions: '0', flexibleVersions: 'none', fields: [] } as RawMessage });
  assert.equal(buildAll([record('GroupThingKey'), record('ShareThingKey')]).length, 2);
});

test('the generator refuses a bad spec on disk and names the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-badspec-'));
  try {
    mkdirSync(join(dir, 'messages'));
    mkdirSync(join(dir, 'internal'));
    writeFileSync(join(dir, 'errors.json'), '{ "errors": [] }');
    const good: Json = { ...base(), type: 'data', name: 'Thing' };
    delete good.apiKey;
    writeFileSync(join(dir, 'internal/Thing.json'), JSON.stringify(good));
    const files = generateFiles(dir);
    assert.ok(files.some((f) => f.path === 'internal/thing.ts'));
    const bad = structuredClone(good);
    (bad.fields as Json[])[0]!.nullableVersions = '0+';
    writeFileSync(join(dir, 'internal/Thing.json'), JSON.stringify(bad));
    assert.throws(() => generateFiles(dir), /internal\/Thing\.json: Thing\.Id: type int32 cannot be nullable/);
    writeFileSync(join(dir, 'errors.json'), '{ "errors": [{ "code": 1, "name": "A", "retriable": false, "message": "x" }, { "code": 1, "name": "B", "retriable": false, "message": "y" }] }');
    writeFileSync(join(dir, 'internal/Thing.json'), JSON.stringify(good));
    assert.throws(() => generateFiles(dir), /duplicate error code 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
