/**
 * The type model the emitters work from, built from the raw spec files with every rule of
 * Kafka's message generator checked on the way. A spec that breaks a rule is rejected with a
 * SpecError naming the file and the field, never half-generated.
 */
import { Versions } from './versions.js';
import { FIELD_KEYS, MESSAGE_KEYS, STRUCT_KEYS, type RawField, type RawMessage, type RawStruct, type SpecFile } from './spec.js';

export type Primitive =
  | 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uuid' | 'float64'
  | 'string' | 'bytes' | 'records';

export const PRIMITIVES: readonly Primitive[] = [
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uuid', 'float64', 'string', 'bytes', 'records',
];

/** Encoded size of fixed-length primitives. */
export const FIXED_SIZE: Partial<Record<Primitive, number>> = {
  bool: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uuid: 16, float64: 8,
};

export type ElementType = { kind: Primitive } | { kind: 'struct'; struct: StructModel };
export type FieldType = ElementType | { kind: 'array'; element: ElementType };

export type DefaultValue =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'uuid'; bytes: Buffer }
  | { kind: 'string'; value: string }
  /** The empty byte string or the empty array. */
  | { kind: 'empty' }
  /** A struct with every field at its default. */
  | { kind: 'struct' };

export interface FieldModel {
  /** Name as in the spec (`TopicData`). */
  name: string;
  /** Property name in TypeScript (`topicData`). */
  prop: string;
  type: FieldType;
  /** The type as written in the spec (`[]TopicProduceData`). */
  typeString: string;
  versions: Versions;
  nullableVersions: Versions;
  taggedVersions: Versions;
  tag: number | null;
  /** Versions in which this field uses compact encodings: its own override or the message's. */
  flexibleVersions: Versions;
  ignorable: boolean;
  mapKey: boolean;
  entityType: string | null;
  zeroCopy: boolean;
  default: DefaultValue;
  /** The default exactly as the spec gives it ('' when absent). */
  defaultString: string;
}

export interface StructModel {
  name: string;
  /** The struct's own versions (a common struct's `versions`, an inline struct's field versions). */
  versions: Versions;
  /** Versions in which the struct can be encoded: parent versions intersected with its own. */
  possible: Versions;
  fields: FieldModel[];
  hasKeys: boolean;
  common: boolean;
  /** Used as the type of a single (non-array) struct field somewhere: needs a default check. */
  usedAsField: boolean;
}

export type MessageType = 'request' | 'response' | 'header' | 'data' | 'metadata' | 'coordinator-key' | 'coordinator-value';
export const MESSAGE_TYPES: readonly MessageType[] = [
  'request', 'response', 'header', 'data', 'metadata', 'coordinator-key', 'coordinator-value',
];
export const LISTENERS = ['zkBroker', 'broker', 'controller'] as const;
export const ENTITY_TYPES: Record<string, Primitive | null> = {
  unknown: null,
  transactionalId: 'string',
  producerId: 'int64',
  groupId: 'string',
  topicName: 'string',
  brokerId: 'int32',
};

export interface MessageModel {
  /** `messages/ProduceRequest.json` */
  file: string;
  group: 'messages' | 'internal';
  name: string;
  type: MessageType;
  apiKey: number | null;
  listeners: string[];
  validVersions: Versions;
  deprecatedVersions: Versions;
  flexibleVersions: Versions;
  latestVersionUnstable: boolean;
  root: StructModel;
  /** Every struct: the root, inline structs in the order they appear, then common structs. */
  structs: StructModel[];
}

export class SpecError extends Error {
  override readonly name = 'SpecError';
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.file = file;
  }
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
/** Names the generated modules use for their own imports and helpers. */
const RESERVED_TYPE_NAMES = new Set(['Reader', 'Writer', 'Buffer', 'TaggedField', 'MessageCodec', 'VersionRange', 'Message']);

/** Builds and checks the model of one spec file. */
export function buildMessage(specFile: SpecFile): MessageModel {
  return new Builder(specFile).build();
}

/** Builds every spec, then checks rules that span files (one request and one response per API key). */
export function buildAll(files: SpecFile[]): MessageModel[] {
  // Kafka keeps the spec of a removed API with `"validVersions": "none"` and generates nothing
  // for it (the ZooKeeper-era LeaderAndIsr, StopReplica, UpdateMetadata and ControlledShutdown since 4.0); so do we.
  const models = files.filter((f) => f.spec.validVersions !== 'none').map(buildMessage);
  const byName = new Map<string, string>();
  const byKey = new Map<string, string>();
  for (const m of models) {
    const prev = byName.get(m.name);
    if (prev !== undefined) throw new SpecError(m.file, `message ${m.name} is also defined in ${prev}`);
    byName.set(m.name, m.file);
    // Record types of coordinator records are numbered per coordinator (the group and share
    // coordinators both have a type 0), which the specs do not name; so only other kinds clash.
    if (m.apiKey !== null && m.type !== 'coordinator-key' && m.type !== 'coordinator-value') {
      const k = `${m.type}:${m.apiKey}`;
      const other = byKey.get(k);
      if (other !== undefined) throw new SpecError(m.file, `found more than one ${m.type} with API key ${m.apiKey} (also ${other})`);
      byKey.set(k, m.file);
    }
  }
  for (const m of models) {
    if (m.type !== 'request' && m.type !== 'response') continue;
    const otherType = m.type === 'request' ? 'response' : 'request';
    const other = models.find((o) => o.type === otherType && o.apiKey === m.apiKey);
    if (other === undefined) throw new SpecError(m.file, `API key ${m.apiKey} has a ${m.type} but no ${otherType}`);
    if (!other.validVersions.equals(m.validVersions)) {
      throw new SpecError(m.file, `API key ${m.apiKey}: ${m.type} validVersions ${m.validVersions} differ from ${otherType} validVersions ${other.validVersions}`);
    }
  }
  return models;
}

class Builder {
  private readonly file: string;
  private readonly raw: RawMessage;
  private readonly group: 'messages' | 'internal';
  private readonly structs = new Map<string, StructModel>();
  private readonly order: StructModel[] = [];
  private flexible = Versions.NONE;

  constructor(specFile: SpecFile) {
    this.file = specFile.file;
    this.raw = specFile.spec;
    this.group = specFile.group;
  }

  private fail(where: string, message: string): never {
    throw new SpecError(this.file, where ? `${where}: ${message}` : message);
  }

  private versions(where: string, key: string, input: unknown, fallback: Versions | null): Versions | null {
    try {
      return Versions.parse(input, fallback);
    } catch (e) {
      return this.fail(where, `${key}: ${(e as Error).message}`);
    }
  }

  private checkKeys(where: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.fail(where, `unknown property "${key}"`);
    }
  }

  build(): MessageModel {
    const raw = this.raw;
    this.checkKeys('', raw, MESSAGE_KEYS);
    if (typeof raw.name !== 'string' || !FIELD_NAME.test(raw.name) || !isCapitalized(raw.name)) {
      this.fail('', `invalid message name ${JSON.stringify(raw.name)}`);
    }
    const name = raw.name;
    if (!MESSAGE_TYPES.includes(raw.type as MessageType)) this.fail(name, `unknown message type ${JSON.stringify(raw.type)}`);
    const type = raw.type as MessageType;
    let apiKey: number | null = null;
    if (raw.apiKey !== undefined) {
      if (typeof raw.apiKey !== 'number' || !Number.isInteger(raw.apiKey) || raw.apiKey < 0 || raw.apiKey > 0x7fff) {
        this.fail(name, `invalid apiKey ${JSON.stringify(raw.apiKey)}`);
      }
      apiKey = raw.apiKey;
    } else if (type === 'request' || type === 'response') {
      this.fail(name, `a ${type} must have an apiKey`);
    }
    const validVersions = this.versions(name, 'validVersions', raw.validVersions, null);
    if (validVersions === null || validVersions.empty) this.fail(name, 'you must specify the validVersions of the message');
    if (validVersions.openEnded) this.fail(name, `message ${name} does not specify a maximum version (validVersions ${validVersions})`);
    const deprecatedVersions = this.versions(name, 'deprecatedVersions', raw.deprecatedVersions, Versions.NONE)!;
    if (raw.flexibleVersions === undefined) {
      this.fail(name, 'you must specify a value for flexibleVersions; use 0+ for all new messages');
    }
    const flexibleVersions = this.versions(name, 'flexibleVersions', raw.flexibleVersions, Versions.NONE)!;
    if (!flexibleVersions.empty && !flexibleVersions.openEnded) {
      this.fail(name, `flexibleVersions ${flexibleVersions} is not open-ended: it must be "none" or end with a plus sign`);
    }
    this.flexible = flexibleVersions;
    let listeners: string[] = [];
    if (raw.listeners !== undefined) {
      if (!Array.isArray(raw.listeners) || raw.listeners.some((l) => !(LISTENERS as readonly unknown[]).includes(l))) {
        this.fail(name, `invalid listeners ${JSON.stringify(raw.listeners)}`);
      }
      if (raw.listeners.length > 0 && type !== 'request') this.fail(name, 'listeners are only valid for messages of type request');
      listeners = raw.listeners as string[];
    }
    if (raw.latestVersionUnstable !== undefined && typeof raw.latestVersionUnstable !== 'boolean') {
      this.fail(name, 'latestVersionUnstable must be a boolean');
    }
    const latestVersionUnstable = raw.latestVersionUnstable === true;
    if (latestVersionUnstable && type !== 'request') this.fail(name, 'latestVersionUnstable is only valid for messages of type request');

    // Common structs first, so fields can refer to them wherever they are declared.
    const commonRaw = raw.commonStructs === undefined ? [] : raw.commonStructs;
    if (!Array.isArray(commonRaw)) this.fail(name, 'commonStructs must be an array');
    const commons: Array<{ model: StructModel; raw: RawStruct }> = [];
    for (const c of commonRaw as RawStruct[]) {
      if (c === null || typeof c !== 'object') this.fail(name, 'a common struct must be an object');
      this.checkKeys(`common struct ${String(c.name)}`, c, STRUCT_KEYS);
      if (typeof c.name !== 'string' || !FIELD_NAME.test(c.name) || !isCapitalized(c.name)) {
        this.fail(name, `can't process common struct ${JSON.stringify(c.name)}: the first letter of struct names must be capitalized`);
      }
      if (this.structs.has(c.name) || c.name === name) this.fail(name, `common struct ${c.name} was specified twice`);
      const versions = this.versions(c.name, 'versions', c.versions, null);
      if (versions === null) this.fail(c.name, `you must specify the version of the ${c.name} structure`);
      const model: StructModel = {
        name: c.name, versions, possible: validVersions.intersect(versions), fields: [], hasKeys: false, common: true, usedAsField: false,
      };
      this.structs.set(c.name, model);
      commons.push({ model, raw: c });
    }
    const root: StructModel = {
      name, versions: validVersions, possible: validVersions, fields: [], hasKeys: false, common: false, usedAsField: false,
    };
    if (RESERVED_TYPE_NAMES.has(name)) this.fail(name, `message name ${name} is reserved by the generated code`);
    this.order.push(root);
    root.fields = this.fieldsOf(name, raw.fields, root.possible);
    if (root.fields.some((f) => f.mapKey)) this.fail(name, 'cannot set mapKey on top level fields');
    for (const c of commons) {
      c.model.fields = this.fieldsOf(c.model.name, c.raw.fields, c.model.possible);
      c.model.hasKeys = c.model.fields.some((f) => f.mapKey);
      this.order.push(c.model);
    }
    this.checkStructUses(root);
    for (const c of commons) this.checkStructUses(c.model);
    return {
      file: this.file, group: this.group, name, type, apiKey, listeners, validVersions, deprecatedVersions,
      flexibleVersions, latestVersionUnstable, root, structs: this.order,
    };
  }

  /** Checks rules that need the whole struct: tags, names, keys, uses of structs. */
  private fieldsOf(structName: string, rawFields: unknown, possible: Versions): FieldModel[] {
    if (rawFields === undefined) return [];
    if (!Array.isArray(rawFields)) this.fail(structName, 'fields must be an array');
    const fields: FieldModel[] = [];
    const names = new Set<string>();
    const props = new Set<string>();
    const tags = new Map<number, string>();
    for (const rf of rawFields as RawField[]) {
      const field = this.field(structName, rf, possible);
      if (field === null) continue;
      if (names.has(field.name)) {
        this.fail(structName, `field ${field.name} has a duplicate name ${field.name}; all field names must be unique`);
      }
      if (props.has(field.prop)) this.fail(structName, `field ${field.name} has the same property name as another field`);
      names.add(field.name);
      props.add(field.prop);
      if (field.tag !== null) {
        const other = tags.get(field.tag);
        if (other !== undefined) {
          this.fail(structName, `field ${field.name} has a duplicate tag ID ${field.tag} (also used by ${other}); all tag IDs must be unique`);
        }
        tags.set(field.tag, field.name);
      }
      fields.push(field);
    }
    for (let i = 0; i < tags.size; i++) {
      if (!tags.has(i)) {
        this.fail(structName, `the tag IDs are not contiguous: make use of tag ${i} before using any higher tag IDs`);
      }
    }
    return fields;
  }

  /** The field's model; null for a field only of versions below the message's lowest valid one. */
  private field(structName: string, rf: RawField, parentPossible: Versions): FieldModel | null {
    if (rf === null || typeof rf !== 'object' || Array.isArray(rf)) this.fail(structName, 'a field must be an object');
    const where0 = `${structName}.${typeof rf.name === 'string' ? rf.name : '?'}`;
    this.checkKeys(where0, rf, FIELD_KEYS);
    if (typeof rf.name !== 'string' || !FIELD_NAME.test(rf.name)) this.fail(structName, `invalid field name ${JSON.stringify(rf.name)}`);
    const name = rf.name;
    const where = `${structName}.${name}`;
    const taggedVersions = this.versions(where, 'taggedVersions', rf.taggedVersions, Versions.NONE)!;
    const versions = this.versions(where, 'versions', rf.versions, taggedVersions.empty ? null : taggedVersions);
    if (versions === null) this.fail(where, `you must specify the versions of field ${name}`);
    if (versions.empty) this.fail(where, `field ${name} has no versions`);
    const present = versions.intersect(parentPossible);
    if (present.empty) {
      // Kafka 4.x dropped old versions of some APIs (KIP-896, ShareFetch v0) but left the fields
      // only they had in the spec; no valid version carries them, so no codec does either.
      if (!parentPossible.empty && versions.highest < parentPossible.lowest) return null;
      this.fail(where, `versions ${versions} of field ${name} are outside the versions ${parentPossible} of ${structName}`);
    }
    if (typeof rf.type !== 'string') this.fail(where, `field ${name} has no type`);
    const typeString = rf.type.trim();
    const nullableVersions = this.versions(where, 'nullableVersions', rf.nullableVersions, Versions.NONE)!;
    for (const key of ['ignorable', 'mapKey', 'zeroCopy'] as const) {
      if (rf[key] !== undefined && typeof rf[key] !== 'boolean') this.fail(where, `${key} must be true or false`);
    }
    const ignorable = rf.ignorable === true;
    const mapKey = rf.mapKey === true;
    const zeroCopy = rf.zeroCopy === true;

    let tag: number | null = null;
    if (rf.tag !== undefined && rf.tag !== null) {
      // Kafka's JSON reader accepts a tag written as a string ("0") too.
      const t = typeof rf.tag === 'string' && /^-?\d+$/.test(rf.tag) ? Number(rf.tag) : rf.tag;
      if (typeof t !== 'number' || !Number.isInteger(t)) this.fail(where, `invalid tag ${JSON.stringify(rf.tag)}`);
      if (t < 0) this.fail(where, `field ${name} specifies a tag of ${t}; tags cannot be negative`);
      if (t > 0x7fffffff) this.fail(where, `field ${name} specifies a tag of ${t}, which is too large`);
      tag = t;
    }

    // Type: the element type is resolved after the struct (if any) is registered.
    let element: string;
    let isArray = false;
    if (typeString.startsWith('[]')) {
      element = typeString.slice(2);
      isArray = true;
      if (element === '') this.fail(where, `can't parse array type ${typeString}: no element type found`);
      if (element.startsWith('[]')) this.fail(where, "can't have an array of arrays; use an array of structs containing an array instead");
    } else {
      element = typeString;
    }
    let elemType: ElementType;
    const rawSub = rf.fields;
    if ((PRIMITIVES as readonly string[]).includes(element)) {
      elemType = { kind: element as Primitive };
      if (rawSub !== undefined && !(Array.isArray(rawSub) && rawSub.length === 0)) {
        this.fail(where, `non-array or struct field ${name} cannot have fields`);
      }
      if (isArray && element === 'records') this.fail(where, 'arrays of records are not supported');
    } else if (isCapitalized(element) && FIELD_NAME.test(element)) {
      elemType = { kind: 'struct', struct: this.structFor(where, element, rawSub, versions, present) };
    } else {
      this.fail(where, `unknown type ${typeString}`);
    }
    const type: FieldType = isArray ? { kind: 'array', element: elemType } : elemType;
    if (type.kind === 'struct') type.struct.usedAsField = true;

    const canBeNullable = type.kind === 'string' || type.kind === 'bytes' || type.kind === 'records' ||
      type.kind === 'struct' || type.kind === 'array';
    if (!nullableVersions.empty && !canBeNullable) this.fail(where, `type ${typeString} cannot be nullable`);

    let entityType: string | null = null;
    if (rf.entityType !== undefined) {
      if (typeof rf.entityType !== 'string' || !(rf.entityType in ENTITY_TYPES)) {
        this.fail(where, `unknown entityType ${JSON.stringify(rf.entityType)}`);
      }
      const base = ENTITY_TYPES[rf.entityType];
      const t = type.kind === 'array' ? type.element.kind : type.kind;
      if (base !== null && base !== undefined && t !== base) {
        this.fail(where, `field ${name} has entity type ${rf.entityType}, but field type ${typeString}, which does not match`);
      }
      entityType = rf.entityType;
    }

    let flexibleVersions = this.flexible;
    if (rf.flexibleVersions !== undefined && rf.flexibleVersions !== '') {
      const fv = this.versions(where, 'flexibleVersions', rf.flexibleVersions, null)!;
      if (type.kind !== 'string' && type.kind !== 'bytes') {
        this.fail(where, `invalid flexibleVersions override for ${name}: only fields of type string or bytes can specify a flexibleVersions override`);
      }
      if (!this.flexible.intersect(fv).equals(fv)) {
        this.fail(where, `the flexible versions for field ${name} are ${fv}, which are not a subset of the flexible versions for the message as a whole, which are ${this.flexible}`);
      }
      flexibleVersions = fv;
    }

    if (tag !== null && mapKey) this.fail(where, 'tagged fields cannot be used as keys');
    if (tag !== null) {
      if (taggedVersions.empty) {
        this.fail(where, `field ${name} specifies a tag of ${tag}, but has no tagged versions; if a tag is specified, taggedVersions must be specified as well`);
      }
      const nullableTagged = nullableVersions.intersect(taggedVersions);
      if (!(nullableTagged.empty || nullableTagged.equals(taggedVersions))) {
        this.fail(where, `field ${name} specifies nullableVersions ${nullableVersions} and taggedVersions ${taggedVersions}; either all tagged versions must be nullable, or none must be`);
      }
      if (!taggedVersions.openEnded) {
        this.fail(where, `field ${name} specifies taggedVersions ${taggedVersions}, which is not open-ended: taggedVersions must be either none, or an open-ended range (that ends with a plus sign)`);
      }
      if (!taggedVersions.intersect(versions).equals(taggedVersions)) {
        this.fail(where, `field ${name} specifies taggedVersions ${taggedVersions}, and versions ${versions}: taggedVersions must be a subset of versions`);
      }
      if (!taggedVersions.intersect(flexibleVersions).equals(taggedVersions)) {
        this.fail(where, `field ${name} specifies tagged versions ${taggedVersions} that are not a subset of the flexible versions ${flexibleVersions}`);
      }
      if (type.kind === 'records') this.fail(where, `field ${name} of type records cannot be a tagged field`);
    } else if (!taggedVersions.empty) {
      this.fail(where, `field ${name} does not specify a tag, but specifies tagged versions of ${taggedVersions}; specify a tag, or remove the taggedVersions`);
    }
    if (zeroCopy && type.kind !== 'bytes') this.fail(where, `invalid zeroCopy value for ${name}: only fields of type bytes can use zeroCopy`);
    if (mapKey) {
      const keyable = type.kind === 'bool' || type.kind === 'int8' || type.kind === 'int16' || type.kind === 'uint16' ||
        type.kind === 'int32' || type.kind === 'uint32' || type.kind === 'int64' || type.kind === 'uuid' ||
        type.kind === 'string' || type.kind === 'float64';
      if (!keyable) this.fail(where, `field ${name} of type ${typeString} cannot be a map key: keys must be scalars or strings`);
    }

    const defaultString = rf.default === undefined || rf.default === null ? '' : String(rf.default);
    if (rf.default !== undefined && rf.default !== null && typeof rf.default === 'object') {
      this.fail(where, `invalid default ${JSON.stringify(rf.default)}`);
    }
    const def = this.parseDefault(where, name, type, defaultString, versions, nullableVersions);
    return {
      name, prop: lowerFirst(name), type, typeString, versions, nullableVersions, taggedVersions, tag, flexibleVersions,
      ignorable, mapKey, entityType, zeroCopy, default: def, defaultString,
    };
  }

  /** Finds or registers the struct named by a field's type. */
  private structFor(where: string, typeName: string, rawSub: unknown, versions: Versions, present: Versions): StructModel {
    if (RESERVED_TYPE_NAMES.has(typeName)) this.fail(where, `struct name ${typeName} is reserved by the generated code`);
    const existing = this.structs.get(typeName);
    if (existing !== undefined && existing.common) {
      if (rawSub !== undefined) this.fail(where, `can't re-specify the common struct ${typeName} as an inline struct`);
      if (!existing.versions.containsAll(present)) {
        this.fail(where, `field uses common struct ${typeName} in versions ${present}, but the struct only has versions ${existing.versions}`);
      }
      return existing;
    }
    if (existing !== undefined || typeName === (this.raw.name as string)) this.fail(where, `struct ${typeName} was specified twice`);
    if (rawSub === undefined) this.fail(where, `unknown type ${typeName}: no common struct of that name and no inline fields`);
    const model: StructModel = {
      name: typeName, versions, possible: present, fields: [], hasKeys: false, common: false, usedAsField: false,
    };
    this.structs.set(typeName, model);
    this.order.push(model);
    model.fields = this.fieldsOf(typeName, rawSub, present);
    model.hasKeys = model.fields.some((f) => f.mapKey);
    return model;
  }

  /** mapKey only makes sense on the elements of an array; check every struct's uses. */
  private checkStructUses(struct: StructModel): void {
    for (const f of struct.fields) {
      if (f.type.kind === 'struct' && f.type.struct.hasKeys) {
        this.fail(`${struct.name}.${f.name}`, `struct ${f.type.struct.name} has mapKey fields, but is not used as the element of an array`);
      }
    }
  }

  private parseDefault(where: string, name: string, type: FieldType, s: string, versions: Versions, nullable: Versions): DefaultValue {
    const bad = (what: string): never => this.fail(where, `invalid default for ${what} field ${name}: ${JSON.stringify(s)}`);
    const nullDefault = (): DefaultValue => {
      if (!nullable.containsAll(versions)) {
        this.fail(where, `null cannot be the default for field ${name}, because not all versions of this field are nullable`);
      }
      return { kind: 'null' };
    };
    switch (type.kind) {
      case 'bool': {
        if (s === '') return { kind: 'bool', value: false };
        const l = s.toLowerCase();
        if (l === 'true') return { kind: 'bool', value: true };
        if (l === 'false') return { kind: 'bool', value: false };
        return bad('boolean');
      }
      case 'int8': case 'int16': case 'int32': case 'int64': case 'uint16': case 'uint32': {
        if (s === '') return { kind: 'int', value: 0n };
        const v = parseJavaInteger(s);
        const [lo, hi] = INT_RANGE[type.kind];
        if (v === null || v < lo || v > hi) return bad(type.kind);
        return { kind: 'int', value: v };
      }
      case 'float64': {
        if (s === '') return { kind: 'float', value: 0 };
        const t = s.trim();
        if (!/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?)$/.test(t)) return bad('float64');
        return { kind: 'float', value: Number(t.replace(/[dDfF]$/, '')) };
      }
      case 'uuid': {
        if (s === '') return { kind: 'uuid', bytes: Buffer.alloc(16) };
        if (!/^[A-Za-z0-9_-]{22}(==)?$/.test(s)) return bad('uuid');
        const bytes = Buffer.from(s.slice(0, 22), 'base64url');
        if (bytes.length !== 16) return bad('uuid');
        return { kind: 'uuid', bytes };
      }
      case 'string':
        if (s === 'null') return nullDefault();
        return { kind: 'string', value: s };
      case 'bytes':
        if (s === 'null') return nullDefault();
        if (s !== '') this.fail(where, `invalid default for bytes field ${name}: the only valid default for a bytes field is empty or null`);
        return { kind: 'empty' };
      case 'records':
        if (s === 'null') return nullDefault();
        if (s !== '') this.fail(where, `invalid default for records field ${name}: the only valid default for a records field is null`);
        return { kind: 'null' };
      case 'struct':
        if (s === 'null') return nullDefault();
        if (s !== '') this.fail(where, `invalid default for struct field ${name}: the only valid default for a struct field is the empty struct or null`);
        return { kind: 'struct' };
      case 'array':
        if (s === 'null') return nullDefault();
        if (s !== '') this.fail(where, `invalid default for array field ${name}: the only valid default for an array field is the empty array or null`);
        return { kind: 'empty' };
    }
  }
}

const INT_RANGE: Record<'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'uint32', [bigint, bigint]> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [-9223372036854775808n, 9223372036854775807n],
  uint16: [0n, 65535n],
  uint32: [0n, 4294967295n],
};

/** Parses an integer the way Kafka's generator does: decimal, or hexadecimal after "0x". */
export function parseJavaInteger(s: string): bigint | null {
  let base = 10;
  let t = s;
  if (t.startsWith('0x')) {
    base = 16;
    t = t.slice(2);
  }
  const m = /^([+-]?)([0-9a-fA-F]+)$/.exec(t);
  if (m === null) return null;
  const digits = m[2]!;
  if (base === 10 && !/^\d+$/.test(digits)) return null;
  const v = BigInt(base === 16 ? `0x${digits}` : digits);
  return m[1] === '-' ? -v : v;
}

export function isCapitalized(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 65 && c <= 90;
}

export function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** Versions in which a field is present and encoded inline (not as a tagged field). */
export function untaggedVersions(f: FieldModel): Versions {
  const r = f.versions.subtract(f.taggedVersions);
  if (r === null) throw new Error(`field ${f.name}: taggedVersions split versions in two`);
  return r;
}

/** Whether the field can hold null in any version the struct can be encoded in. */
export function isNullableSomewhere(f: FieldModel, possible: Versions): boolean {
  return !f.nullableVersions.intersect(f.versions).intersect(possible).empty || f.default.kind === 'null';
}
