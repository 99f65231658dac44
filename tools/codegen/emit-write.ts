/**
 * Emits a struct's writer: one pass over a buffer the sizer measured, no checks left to do
 * (the sizer made them). Tagged fields go out in tag order, with unknown tagged fields merged
 * in by tag, as Kafka's RawTaggedFieldWriter does.
 */
import { Code, versionCond } from './code.js';
import { ModuleContext, taggedFields, taggedPresence } from './emit-context.js';
import { emitSizeValue } from './emit-size.js';
import { untaggedVersions, type ElementType, type FieldModel, type StructModel } from './model.js';
import type { Versions } from './versions.js';

function primitiveWrite(kind: string, x: string): string {
  switch (kind) {
    case 'bool': return `_w.bool(${x})`;
    case 'int8': return `_w.int8(${x})`;
    case 'int16': return `_w.int16(${x})`;
    case 'uint16': return `_w.uint16(${x})`;
    case 'int32': return `_w.int32(${x})`;
    case 'uint32': return `_w.uint32(${x})`;
    case 'int64': return `_w.int64(${x})`;
    case 'uuid': return `_w.bytes(${x})`;
    case 'float64': return `_w.float64(${x})`;
    default: throw new Error(`not a fixed-size type: ${kind}`);
  }
}

export function emitWrite(ctx: ModuleContext, code: Code, s: StructModel): void {
  code.open(`function ${ctx.writeFn(s)}(_w: Writer, _x: ${s.name}, _v: number): void {`);
  versionCond(code, ctx.m.flexibleVersions, s.possible,
    (r) => emitBody(ctx, code, s, r, true),
    (r) => emitBody(ctx, code, s, r, false));
  code.close();
}

function emitBody(ctx: ModuleContext, code: Code, s: StructModel, range: Versions, flexible: boolean): void {
  for (const f of s.fields) {
    versionCond(code, untaggedVersions(f), range,
      (sub) => emitWriteValue(ctx, code, s, f, sub, `_x.${f.prop}`, false),
      null);
  }
  if (!flexible) return;
  const tagged = taggedFields(s).filter((f) => !taggedPresence(f).intersect(range).empty);
  code.line('const _u = _x._unknownTaggedFields;');
  if (tagged.length === 0) {
    code.open('if (_u === undefined) {');
    code.line('_w.uint8(0);');
    code.middle('} else {');
    code.line('_w.uvarint(_u.length);');
    code.line(`${ctx.h('writeTaggedFields')}(_w, _u, 0, Infinity);`);
    code.close();
    return;
  }
  code.line('let _nt = _u === undefined ? 0 : _u.length;');
  for (const f of tagged) {
    versionCond(code, taggedPresence(f), range,
      () => code.line(`if (!(${ctx.isDefaultExpr(f, s, `_x.${f.prop}`)})) _nt++;`),
      null);
  }
  code.line('_w.uvarint(_nt);');
  code.line('let _ui = 0;');
  for (const f of tagged) {
    versionCond(code, taggedPresence(f), range, (sub) => {
      const x = `_x.${f.prop}`;
      code.line(`_ui = ${ctx.h('writeTaggedFields')}(_w, _u, _ui, ${f.tag});`);
      code.open(`if (!(${ctx.isDefaultExpr(f, s, x)})) {`);
      code.line(`_w.uvarint(${f.tag});`);
      const nullableTagged = !f.nullableVersions.intersect(sub).empty;
      if (nullableTagged && f.default.kind !== 'null') {
        code.open(`if (${x} === null) {`);
        code.line('_w.uint8(1);');
        code.line('_w.uint8(0);');
        code.middle('} else {');
      }
      code.line('let _d = 0;');
      emitSizeValue(ctx, code, s, f, sub, x, '_d', true);
      code.line('_w.uvarint(_d);');
      emitWriteValue(ctx, code, s, f, sub, x, true);
      if (nullableTagged && f.default.kind !== 'null') code.close();
      code.close();
    }, null);
  }
  code.line(`${ctx.h('writeTaggedFields')}(_w, _u, _ui, Infinity);`);
}

function writer(ctx: ModuleContext, kind: 'string' | 'bytes' | 'records', flexible: boolean, nullable: boolean): string {
  const what = kind === 'string' ? 'String' : 'Bytes';
  return ctx.h(`write${flexible ? 'Compact' : ''}${nullable ? 'Nullable' : ''}${what}`);
}

function emitWriteValue(
  ctx: ModuleContext, code: Code, s: StructModel, f: FieldModel, sub: Versions, x: string, tagged: boolean,
): void {
  const t = f.type;
  const tsNullable = ctx.nullable(f, s);
  const nn = tsNullable ? `${x}!` : x;
  switch (t.kind) {
    case 'string':
    case 'bytes':
    case 'records': {
      const kind = t.kind;
      versionCond(code, f.flexibleVersions, sub,
        (a) => versionCond(code, f.nullableVersions, a,
          () => code.line(`${writer(ctx, kind, true, true)}(_w, ${x});`),
          () => code.line(`${writer(ctx, kind, true, false)}(_w, ${nn});`)),
        (a) => versionCond(code, f.nullableVersions, a,
          () => code.line(`${writer(ctx, kind, false, true)}(_w, ${x});`),
          () => code.line(`${writer(ctx, kind, false, false)}(_w, ${nn});`)));
      return;
    }
    case 'array': {
      const element = t.element;
      versionCond(code, f.flexibleVersions, sub,
        () => emitArrayWrite(ctx, code, element, x, true, tsNullable),
        () => emitArrayWrite(ctx, code, element, x, false, tsNullable));
      return;
    }
    case 'struct': {
      const write = `${ctx.writeFn(t.struct)}(_w, ${nn}, _v);`;
      if (tagged) {
        // Null was handled by the caller; a present nullable tagged struct has a varint 1 marker.
        versionCond(code, f.nullableVersions, sub, () => code.line('_w.uint8(1);'), null);
        code.line(write);
        return;
      }
      versionCond(code, f.nullableVersions, sub,
        () => {
          code.open(`if (${x} === null) {`);
          code.line('_w.int8(-1);');
          code.middle('} else {');
          code.line('_w.int8(1);');
          code.line(write);
          code.close();
        },
        () => code.line(write));
      return;
    }
    default:
      code.line(`${primitiveWrite(t.kind, x)};`);
  }
}

function elementWrite(ctx: ModuleContext, e: ElementType, x: string, flexible: boolean): string {
  switch (e.kind) {
    case 'string': case 'bytes': case 'records': return `${writer(ctx, e.kind, flexible, false)}(_w, ${x})`;
    case 'struct': return `${ctx.writeFn(e.struct)}(_w, ${x}, _v)`;
    default: return primitiveWrite(e.kind, x);
  }
}

function emitArrayWrite(ctx: ModuleContext, code: Code, e: ElementType, x: string, flexible: boolean, tsNullable: boolean): void {
  code.open('{');
  code.line(`const _a = ${x};`);
  if (tsNullable) {
    code.open('if (_a === null) {');
    code.line(flexible ? '_w.uint8(0);' : '_w.int32(-1);');
    code.middle('} else {');
  }
  code.line(flexible ? '_w.uvarint(_a.length + 1);' : '_w.int32(_a.length);');
  code.line(`for (let _i = 0; _i < _a.length; _i++) ${elementWrite(ctx, e, '_a[_i]!', flexible)};`);
  if (tsNullable) code.close();
  code.close();
}
