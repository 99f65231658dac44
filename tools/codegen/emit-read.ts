/**
 * Emits a struct's reader: a cursor walk over the frame with one branch for flexible and one
 * for classic versions, fields read into locals and one object literal built at the end (so
 * every decoded struct of a type has the same shape). Lengths and counts are checked before
 * anything is allocated; errors name the field being read.
 */
import { Code, versionCond, versionExpr } from './code.js';
import { ModuleContext, taggedFields, taggedPresence } from './emit-context.js';
import { untaggedVersions, type ElementType, type FieldModel, type StructModel } from './model.js';
import { localName } from './names.js';
import type { Versions } from './versions.js';

export function primitiveRead(kind: string): string {
  switch (kind) {
    case 'bool': return '_r.bool()';
    case 'int8': return '_r.int8()';
    case 'int16': return '_r.int16()';
    case 'uint16': return '_r.uint16()';
    case 'int32': return '_r.int32()';
    case 'uint32': return '_r.uint32()';
    case 'int64': return '_r.int64()';
    case 'uuid': return '_r.uuid()';
    case 'float64': return '_r.float64()';
    default: throw new Error(`not a fixed-size type: ${kind}`);
  }
}

export function emitRead(ctx: ModuleContext, code: Code, s: StructModel): void {
  const taken = ctx.moduleNames();
  const locals = s.fields.map((f) => localName(f, taken));
  const flexPossible = !ctx.m.flexibleVersions.intersect(s.possible).empty;
  code.open(`function ${ctx.readFn(s)}(_r: Reader, _v: number): ${s.name} {`);
  code.line('let _f = -1;');
  code.open('try {');
  s.fields.forEach((f, i) => code.line(`let ${locals[i]}: ${ctx.tsType(f, s)};`));
  if (flexPossible) code.line(`let _unknown: ${ctx.h('TaggedField')}[] | undefined;`);
  versionCond(code, ctx.m.flexibleVersions, s.possible,
    (r) => emitBody(ctx, code, s, locals, r, true),
    (r) => emitBody(ctx, code, s, locals, r, false));
  const props = s.fields.map((f, i) => (f.prop === locals[i] ? f.prop : `${f.prop}: ${locals[i]}`));
  code.line(props.length === 0 ? `const _x: ${s.name} = {};` : `const _x: ${s.name} = { ${props.join(', ')} };`);
  if (flexPossible) code.line('if (_unknown !== undefined) _x._unknownTaggedFields = _unknown;');
  code.line('return _x;');
  code.middle('} catch (e) {');
  code.line(`throw ${ctx.h('decodeFailure')}(e, ${ctx.fieldsConst(s)}, _f);`);
  code.close();
  code.close();
}

function emitBody(ctx: ModuleContext, code: Code, s: StructModel, locals: string[], range: Versions, flexible: boolean): void {
  s.fields.forEach((f, i) => {
    versionCond(code, untaggedVersions(f), range,
      (sub) => {
        code.line(`_f = ${i};`);
        emitReadValue(ctx, code, f, sub, locals[i]!, false);
      },
      () => code.line(`${locals[i]} = ${ctx.defaultExpr(f)};`));
  });
  if (!flexible) return;
  const tagged = taggedFields(s).filter((f) => !taggedPresence(f).intersect(range).empty);
  code.line(`_f = -1;`);
  code.line(`const _nt = ${ctx.h('readTaggedCount')}(_r);`);
  code.open('for (let _t = 0; _t < _nt; _t++) {');
  code.line('const _tag = _r.uvarint();');
  code.line('const _size = _r.uvarint();');
  const unknown = `_unknown = ${ctx.h('readUnknownTagged')}(_r, _unknown, _tag, _size);`;
  if (tagged.length === 0) {
    code.line(unknown);
  } else {
    code.open('switch (_tag) {');
    for (const f of tagged) {
      const i = s.fields.indexOf(f);
      code.open(`case ${f.tag}: {`);
      versionCond(code, taggedPresence(f), range,
        (sub) => {
          code.line(`_f = ${i};`);
          code.line(`const _end = ${ctx.h('taggedEnd')}(_r, _size);`);
          emitReadValue(ctx, code, f, sub, locals[i]!, true);
          code.line(`${ctx.h('checkTaggedEnd')}(_r, _end);`);
          code.line('_f = -1;');
          code.line('break;');
        },
        () => {
          code.line(unknown);
          code.line('break;');
        });
      code.close();
    }
    code.open('default:');
    code.line(unknown);
    code.dedent();
    code.close();
  }
  code.close();
}

function stringReader(ctx: ModuleContext, kind: 'string' | 'bytes' | 'records', flexible: boolean, nullable: boolean): string {
  const what = kind === 'string' ? 'String' : 'Bytes';
  return `${ctx.h(`read${flexible ? 'Compact' : ''}${nullable ? 'Nullable' : ''}${what}`)}(_r)`;
}

/** Assigns the field's value, read at versions `sub`, to `target`. */
function emitReadValue(ctx: ModuleContext, code: Code, f: FieldModel, sub: Versions, target: string, tagged: boolean): void {
  const t = f.type;
  switch (t.kind) {
    case 'string':
    case 'bytes':
    case 'records': {
      const kind = t.kind;
      const expr = versionExpr(f.flexibleVersions, sub,
        (a) => versionExpr(f.nullableVersions, a, () => stringReader(ctx, kind, true, true), () => stringReader(ctx, kind, true, false)),
        (a) => versionExpr(f.nullableVersions, a, () => stringReader(ctx, kind, false, true), () => stringReader(ctx, kind, false, false)));
      code.line(`${target} = ${expr};`);
      return;
    }
    case 'array': {
      const element = t.element;
      versionCond(code, f.flexibleVersions, sub,
        (a) => emitArray(ctx, code, f, element, a, target, true),
        (a) => emitArray(ctx, code, f, element, a, target, false));
      return;
    }
    case 'struct': {
      const read = `${ctx.readFn(t.struct)}(_r, _v)`;
      const present = tagged ? '_r.uvarint() === 0' : '_r.int8() < 0';
      const expr = versionExpr(f.nullableVersions, sub, () => `${present} ? null : ${read}`, () => read);
      code.line(`${target} = ${expr};`);
      return;
    }
    default:
      code.line(`${target} = ${primitiveRead(t.kind)};`);
  }
}

function elementRead(ctx: ModuleContext, e: ElementType, flexible: boolean): string {
  switch (e.kind) {
    case 'string': case 'bytes': case 'records': return stringReader(ctx, e.kind, flexible, false);
    case 'struct': return `${ctx.readFn(e.struct)}(_r, _v)`;
    default: return primitiveRead(e.kind);
  }
}

function emitArray(ctx: ModuleContext, code: Code, f: FieldModel, e: ElementType, a: Versions, target: string, flexible: boolean): void {
  const min = ctx.minElementSize(e, flexible, a);
  code.open('{');
  code.line(`const _n = ${ctx.h(flexible ? 'readCompactArrayLength' : 'readArrayLength')}(_r, ${min});`);
  code.open('if (_n < 0) {');
  versionCond(code, f.nullableVersions, a,
    () => code.line(`${target} = null;`),
    () => code.line(`${ctx.h('nullNotAllowed')}(_r);`));
  code.middle('} else {');
  code.line(`const _a: ${ctx.elementTsType(e)}[] = [];`);
  code.line(`for (let _i = 0; _i < _n; _i++) _a.push(${elementRead(ctx, e, flexible)});`);
  code.line(`${target} = _a;`);
  code.close();
  code.close();
}
