/**
 * What the emitters of one module share: the model, the helper imports used so far, module
 * constants, function names per struct, and the TypeScript types and default values of fields.
 */
import {
  FIXED_SIZE, isNullableSomewhere, untaggedVersions,
  type ElementType, type FieldModel, type MessageModel, type StructModel,
} from './model.js';
import { floatLiteral, int64Literal } from './names.js';
import { Versions } from './versions.js';

export class ModuleContext {
  readonly m: MessageModel;
  /** Helpers imported from primitives/codec-helpers.js. */
  readonly helpers = new Set<string>();
  /** Module constants: name → initializer. */
  readonly consts = new Map<string, string>();
  private readonly minSizeMemo = new Map<string, number>();

  constructor(m: MessageModel) {
    this.m = m;
  }

  h(name: string): string {
    this.helpers.add(name);
    return name;
  }

  readFn(s: StructModel): string {
    return `read${s.name}`;
  }

  sizeFn(s: StructModel): string {
    return `size${s.name}`;
  }

  writeFn(s: StructModel): string {
    return `write${s.name}`;
  }

  defaultFn(s: StructModel): string {
    return `default${s.name}`;
  }

  isDefaultFn(s: StructModel): string {
    return `isDefault${s.name}`;
  }

  fieldsConst(s: StructModel): string {
    const name = `_F_${s.name}`;
    if (!this.consts.has(name)) {
      this.consts.set(name, `[${s.fields.map((f) => JSON.stringify(f.prop)).join(', ')}] as readonly string[]`);
    }
    return name;
  }

  uuidConst(bytes: Buffer): string {
    if (bytes.every((b) => b === 0)) return this.h('ZERO_UUID');
    const name = `_UUID_${bytes.toString('hex')}`;
    if (!this.consts.has(name)) this.consts.set(name, `Buffer.from('${bytes.toString('hex')}', 'hex')`);
    return name;
  }

  /** Module-level names that locals must not shadow. */
  moduleNames(): Set<string> {
    const names = new Set<string>(['apiKey', 'name', 'type', 'validVersions', 'flexibleVersions', 'codec',
      'read', 'decode', 'size', 'write', 'encode', 'defaults', 'Reader', 'Writer']);
    for (const s of this.m.structs) {
      for (const fn of [this.readFn(s), this.sizeFn(s), this.writeFn(s), this.defaultFn(s), this.isDefaultFn(s), s.name]) {
        names.add(fn);
      }
    }
    return names;
  }

  elementTsType(e: ElementType): string {
    switch (e.kind) {
      case 'bool': return 'boolean';
      case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'float64': return 'number';
      case 'int64': return 'bigint';
      case 'uuid': case 'bytes': case 'records': return 'Buffer';
      case 'string': return 'string';
      case 'struct': return e.struct.name;
    }
  }

  /** Whether the field's TypeScript type includes null. */
  nullable(f: FieldModel, s: StructModel): boolean {
    return isNullableSomewhere(f, s.possible);
  }

  tsType(f: FieldModel, s: StructModel): string {
    const base = f.type.kind === 'array' ? `${this.elementTsType(f.type.element)}[]` : this.elementTsType(f.type);
    return this.nullable(f, s) ? `${base} | null` : base;
  }

  defaultExpr(f: FieldModel): string {
    const d = f.default;
    switch (d.kind) {
      case 'null': return 'null';
      case 'bool': return String(d.value);
      case 'int': return f.type.kind === 'int64' ? int64Literal(d.value) : String(d.value);
      case 'float': return floatLiteral(d.value);
      case 'uuid': return this.uuidConst(d.bytes);
      case 'string': return JSON.stringify(d.value);
      case 'empty': return f.type.kind === 'array' ? '[]' : this.h('EMPTY_BUFFER');
      case 'struct': {
        if (f.type.kind !== 'struct') throw new Error(`struct default on ${f.name}`);
        return `${this.defaultFn(f.type.struct)}()`;
      }
    }
  }

  /** Expression true when `x` (the field's value) equals the field's default. */
  isDefaultExpr(f: FieldModel, s: StructModel, x: string): string {
    const d = f.default;
    const nullable = this.nullable(f, s);
    if (d.kind === 'null') return `${x} === null`;
    switch (f.type.kind) {
      case 'array':
      case 'bytes':
        return nullable ? `(${x} !== null && ${x}.length === 0)` : `${x}.length === 0`;
      case 'struct':
        return nullable
          ? `(${x} !== null && ${this.isDefaultFn(f.type.struct)}(${x}))`
          : `${this.isDefaultFn(f.type.struct)}(${x})`;
      case 'uuid':
        return `${x}.equals(${this.defaultExpr(f)})`;
      case 'float64':
        if (d.kind === 'float' && Number.isNaN(d.value)) return `Number.isNaN(${x})`;
        return `${x} === ${this.defaultExpr(f)}`;
      default:
        return `${x} === ${this.defaultExpr(f)}`;
    }
  }

  /** Smallest encoding of one element of an array field, at the given versions (at least 1). */
  minElementSize(e: ElementType, flexible: boolean, versions: Versions): number {
    switch (e.kind) {
      case 'string': return flexible ? 1 : 2;
      case 'bytes': case 'records': return flexible ? 1 : 4;
      case 'struct': return Math.max(1, this.minStructSize(e.struct, versions));
      default: return FIXED_SIZE[e.kind]!;
    }
  }

  /** Smallest encoding of a struct over a range of versions. */
  minStructSize(s: StructModel, versions: Versions): number {
    const r = versions.intersect(s.possible);
    let min = Infinity;
    for (let v = r.lowest; v <= r.highest; v++) min = Math.min(min, this.minStructSizeAt(s, v));
    return min === Infinity ? 0 : min;
  }

  private minStructSizeAt(s: StructModel, v: number): number {
    const key = `${s.name}@${v}`;
    const memo = this.minSizeMemo.get(key);
    if (memo !== undefined) return memo;
    const flexible = this.m.flexibleVersions.contains(v);
    let size = flexible ? 1 : 0;
    for (const f of s.fields) {
      if (!untaggedVersions(f).contains(v)) continue;
      const fflex = f.flexibleVersions.contains(v);
      switch (f.type.kind) {
        case 'string': size += fflex ? 1 : 2; break;
        case 'bytes': case 'records': case 'array': size += fflex ? 1 : 4; break;
        case 'struct':
          size += f.nullableVersions.contains(v) ? 1 : this.minStructSizeAt(f.type.struct, v);
          break;
        default: size += FIXED_SIZE[f.type.kind]!;
      }
    }
    this.minSizeMemo.set(key, size);
    return size;
  }
}

/** Tagged fields of a struct in tag order. */
export function taggedFields(s: StructModel): FieldModel[] {
  return s.fields.filter((f) => f.tag !== null).sort((a, b) => a.tag! - b.tag!);
}

/** Versions in which the field is present as a tagged field. */
export function taggedPresence(f: FieldModel): Versions {
  return f.taggedVersions.intersect(f.versions);
}
