/**
 * Emits a struct's sizer: the exact encoded size at a version, computed before anything is
 * allocated. The sizer is also where values are checked against the version: nulls in
 * versions that can't carry them, non-default values of fields a version lacks (unless the
 * field is ignorable), strings over 32767 bytes, tagged fields in non-flexible versions.
 * Fixed-size fields present in every version of a branch are summed at generation time.
 */
import { Code, versionCond, versionExpr } from './code.js';
import { ModuleContext, taggedPresence } from './emit-context.js';
import { FIXED_SIZE, untaggedVersions, type ElementType, type FieldModel, type StructModel } from './model.js';
import { sizeOfUVarint } from '../../src/protocol/primitives/varint.js';
import type { Versions } from './versions.js';

export function emitSize(ctx: ModuleContext, code: Code, s: StructModel): void {
  code.open(`function ${ctx.sizeFn(s)}(_x: ${s.name}, _v: number): number {`);
  code.line('let _f = -1;');
  code.open('try {');
  code.line('let _s = 0;');
  versionCond(code, ctx.m.flexibleVersions, s.possible,
    (r) => emitBody(ctx, code, s, r, true),
    (r) => emitBody(ctx, code, s, r, false));
  code.line('return _s;');
  code.middle('} catch (e) {');
  code.line(`throw ${ctx.h('encodeFailure')}(e, ${ctx.fieldsConst(s)}, _f);`);
  code.close();
  code.close();
}

/** Fixed-size, non-uuid fields present untagged in every version of `range`. */
function isHoisted(f: FieldModel, range: Versions): boolean {
  return FIXED_SIZE[f.type.kind as keyof typeof FIXED_SIZE] !== undefined && f.type.kind !== 'uuid' &&
    untaggedVersions(f).containsAll(range);
}

function emitBody(ctx: ModuleContext, code: Code, s: StructModel, range: Versions, flexible: boolean): void {
  let constant = 0;
  for (const f of s.fields) {
    if (isHoisted(f, range)) constant += FIXED_SIZE[f.type.kind as keyof typeof FIXED_SIZE]!;
  }
  if (constant > 0) code.line(`_s += ${constant};`);
  if (flexible) code.line('let _nt = 0;');
  s.fields.forEach((f, i) => {
    if (isHoisted(f, range)) return;
    const x = `_x.${f.prop}`;
    versionCond(code, f.versions, range,
      (present) => versionCond(code, f.taggedVersions, present,
        (sub) => emitTaggedSize(ctx, code, s, f, i, sub),
        (sub) => {
          code.line(`_f = ${i};`);
          emitSizeValue(ctx, code, s, f, sub, x, '_s', false);
        }),
      f.ignorable ? null : () => {
        code.open(`if (!(${ctx.isDefaultExpr(f, s, x)})) {`);
        code.line(`_f = ${i};`);
        code.line(`${ctx.h('notInVersion')}(${JSON.stringify(f.prop)}, _v);`);
        code.close();
      });
  });
  if (flexible) {
    code.line('const _u = _x._unknownTaggedFields;');
    code.open('if (_u !== undefined) {');
    code.line('_nt += _u.length;');
    code.line(`_s += ${ctx.h('sizeOfTaggedFields')}(_u);`);
    code.close();
    code.line(`_s += ${ctx.h('sizeOfUVarint')}(_nt);`);
  } else {
    code.line(`if (_x._unknownTaggedFields !== undefined && _x._unknownTaggedFields.length !== 0) ${ctx.h('taggedNotSupported')}(_v);`);
  }
}

function emitTaggedSize(ctx: ModuleContext, code: Code, s: StructModel, f: FieldModel, i: number, sub: Versions): void {
  const x = `_x.${f.prop}`;
  code.open(`if (!(${ctx.isDefaultExpr(f, s, x)})) {`);
  code.line(`_f = ${i};`);
  code.line('_nt++;');
  code.line('let _d = 0;');
  const nullableTagged = !f.nullableVersions.intersect(sub).empty;
  if (nullableTagged && f.default.kind !== 'null') {
    code.open(`if (${x} === null) {`);
    code.line('_d = 1;');
    code.middle('} else {');
    emitSizeValue(ctx, code, s, f, sub, x, '_d', true);
    code.close();
  } else {
    emitSizeValue(ctx, code, s, f, sub, x, '_d', true);
  }
  code.line(`_s += ${sizeOfUVarint(f.tag!)} + ${ctx.h('sizeOfUVarint')}(_d) + _d;`);
  code.close();
}

function sizer(ctx: ModuleContext, kind: 'string' | 'bytes' | 'records', flexible: boolean, nullable: boolean): string {
  const what = kind === 'string' ? 'String' : 'Bytes';
  return ctx.h(`sizeOf${flexible ? 'Compact' : ''}${nullable ? 'Nullable' : ''}${what}`);
}

/**
 * Adds the encoded size of `x` (the field's value, at versions `sub`) to `acc`. For a tagged
 * field (`tagged`), `x` is known to be non-null when the field is nullable with a non-null
 * default; the caller handled null.
 */
export function emitSizeValue(
  ctx: ModuleContext, code: Code, s: StructModel, f: FieldModel, sub: Versions, x: string, acc: string, tagged: boolean,
): void {
  const t = f.type;
  const tsNullable = ctx.nullable(f, s);
  switch (t.kind) {
    case 'string':
    case 'bytes':
    case 'records': {
      const kind = t.kind;
      const call = (flex: boolean, nullable: boolean): string => {
        const fn = sizer(ctx, kind, flex, nullable);
        return !nullable && tsNullable ? `${fn}(${ctx.h('nonNull')}(${x}))` : `${fn}(${x})`;
      };
      const expr = versionExpr(f.flexibleVersions, sub,
        (a) => versionExpr(f.nullableVersions, a, () => call(true, true), () => call(true, false)),
        (a) => versionExpr(f.nullableVersions, a, () => call(false, true), () => call(false, false)));
      code.line(`${acc} += ${expr};`);
      return;
    }
    case 'array': {
      const element = t.element;
      versionCond(code, f.flexibleVersions, sub,
        (a) => emitArraySize(ctx, code, f, element, a, x, acc, true, tsNullable),
        (a) => emitArraySize(ctx, code, f, element, a, x, acc, false, tsNullable));
      return;
    }
    case 'struct': {
      const size = `${ctx.sizeFn(t.struct)}(${x}, _v)`;
      const withMarker = versionExpr(f.nullableVersions, sub, () => `1 + ${size}`, () => size);
      if (tsNullable && !tagged) {
        code.open(`if (${x} === null) {`);
        versionCond(code, f.nullableVersions, sub,
          () => code.line(`${acc} += 1;`),
          () => code.line(`${ctx.h('nullNotAllowedOnEncode')}();`));
        code.middle('} else {');
        code.line(`${acc} += ${withMarker};`);
        code.close();
      } else if (tsNullable && f.nullableVersions.intersect(sub).empty) {
        // Tagged here and not nullable in these versions, though nullable in others.
        const checked = `${ctx.sizeFn(t.struct)}(${ctx.h('nonNull')}(${x}), _v)`;
        code.line(`${acc} += ${checked};`);
      } else {
        code.line(`${acc} += ${withMarker};`);
      }
      return;
    }
    case 'uuid':
      code.line(`${acc} += ${ctx.h('sizeOfUuid')}(${x});`);
      return;
    default:
      code.line(`${acc} += ${FIXED_SIZE[t.kind]};`);
  }
}

function emitArraySize(
  ctx: ModuleContext, code: Code, f: FieldModel, e: ElementType, a: Versions, x: string, acc: string,
  flexible: boolean, tsNullable: boolean,
): void {
  code.open('{');
  code.line(`const _a = ${x};`);
  if (tsNullable) {
    code.open('if (_a === null) {');
    versionCond(code, f.nullableVersions, a,
      () => code.line(`${acc} += ${flexible ? 1 : 4};`),
      () => code.line(`${ctx.h('nullNotAllowedOnEncode')}();`));
    code.middle('} else {');
  }
  code.line(`${acc} += ${flexible ? `${ctx.h('sizeOfUVarint')}(_a.length + 1)` : '4'};`);
  switch (e.kind) {
    case 'string': case 'bytes': case 'records':
      code.line(`for (let _i = 0; _i < _a.length; _i++) ${acc} += ${sizer(ctx, e.kind, flexible, false)}(_a[_i]!);`);
      break;
    case 'struct':
      code.line(`for (let _i = 0; _i < _a.length; _i++) ${acc} += ${ctx.sizeFn(e.struct)}(_a[_i]!, _v);`);
      break;
    case 'uuid':
      code.line(`${acc} += ${ctx.h('sizeOfUuids')}(_a);`);
      break;
    default:
      code.line(`${acc} += _a.length * ${FIXED_SIZE[e.kind]};`);
  }
  if (tsNullable) code.close();
  code.close();
}
