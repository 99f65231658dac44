/** Naming and literal helpers for the emitted TypeScript. */
import type { DefaultValue, FieldModel, MessageModel } from './model.js';

const RESERVED = new Set([
  'arguments', 'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete',
  'do', 'else', 'enum', 'eval', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements',
  'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null', 'package', 'private', 'protected', 'public',
  'return', 'static', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with',
  'yield', 'undefined', 'NaN', 'Infinity', 'Buffer', 'Object', 'Array', 'Error',
]);

/** `ProduceRequest` → `produce-request`; `KRaftVersionRecord` → `k-raft-version-record`. */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** Path of a message's module under src/protocol/generated/, without extension. */
export function modulePath(m: MessageModel): string {
  return m.group === 'internal' ? `internal/${kebab(m.name)}` : kebab(m.name);
}

/** A local variable name for a field that clashes with nothing in the module. */
export function localName(f: FieldModel, taken: ReadonlySet<string>): string {
  let n = f.prop;
  while (RESERVED.has(n) || taken.has(n) || n.startsWith('_')) n += '_';
  return n;
}

export function int64Literal(v: bigint): string {
  return `${v}n`;
}

export function floatLiteral(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

export function describeDefault(d: DefaultValue): string {
  switch (d.kind) {
    case 'null': return 'null';
    case 'bool': return String(d.value);
    case 'int': return String(d.value);
    case 'float': return floatLiteral(d.value);
    case 'uuid': return d.bytes.every((b) => b === 0) ? 'zero uuid' : d.bytes.toString('base64url');
    case 'string': return JSON.stringify(d.value);
    case 'empty': return 'empty';
    case 'struct': return 'all fields default';
  }
}
