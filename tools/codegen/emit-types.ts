/** Emits the interfaces of a message's structs, their default factories and default checks. */
import { Code } from './code.js';
import { ModuleContext } from './emit-context.js';
import type { FieldModel, StructModel } from './model.js';
import { describeDefault } from './names.js';
import type { Versions } from './versions.js';

/** A one-line summary of a field's facts for its doc comment. */
function fieldDoc(f: FieldModel, messageFlexible: Versions): string {
  const parts = [f.typeString, `versions ${f.versions}`];
  if (!f.nullableVersions.empty) parts.push(`nullable ${f.nullableVersions}`);
  if (f.tag !== null) parts.push(`tag ${f.tag} in ${f.taggedVersions}`);
  if (f.defaultString !== '') parts.push(`default ${describeDefault(f.default)}`);
  if (f.ignorable) parts.push('ignorable');
  if (f.mapKey) parts.push('map key');
  if (f.entityType !== null) parts.push(`entity ${f.entityType}`);
  if (!f.flexibleVersions.equals(messageFlexible)) parts.push(`flexible ${f.flexibleVersions}`);
  return parts.join(', ');
}

export function emitInterface(ctx: ModuleContext, code: Code, s: StructModel): void {
  const what = s === ctx.m.root ? `${ctx.m.name}, versions ${ctx.m.validVersions}` : `${s.common ? 'common struct' : 'struct'} ${s.name}, versions ${s.versions}`;
  code.line(`/** ${what} */`);
  code.open(`export interface ${s.name} {`);
  for (const f of s.fields) {
    code.line(`/** ${fieldDoc(f, ctx.m.flexibleVersions)} */`);
    code.line(`${f.prop}: ${ctx.tsType(f, s)};`);
  }
  code.line('/** Tagged fields this codec does not know, kept so that they are written back. */');
  code.line(`_unknownTaggedFields?: ${ctx.h('TaggedField')}[];`);
  code.close();
}

export function emitDefaultFactory(ctx: ModuleContext, code: Code, s: StructModel): void {
  code.line(`/** A new ${s.name} with every field at its default. */`);
  code.open(`export function ${ctx.defaultFn(s)}(): ${s.name} {`);
  if (s.fields.length === 0) {
    code.line('return {};');
  } else {
    code.open('return {');
    for (const f of s.fields) code.line(`${f.prop}: ${ctx.defaultExpr(f)},`);
    code.close('};');
  }
  code.close();
}

/** `isDefaultX(x)`: true when every field is at its default (Kafka's equals(new X())). */
export function emitIsDefault(ctx: ModuleContext, code: Code, s: StructModel): void {
  code.open(`function ${ctx.isDefaultFn(s)}(_x: ${s.name}): boolean {`);
  const checks = s.fields.map((f) => ctx.isDefaultExpr(f, s, `_x.${f.prop}`));
  checks.push('(_x._unknownTaggedFields === undefined || _x._unknownTaggedFields.length === 0)');
  code.open('return (');
  checks.forEach((c, i) => code.line(`${c}${i < checks.length - 1 ? ' &&' : ''}`));
  code.close(');');
  code.close();
}
