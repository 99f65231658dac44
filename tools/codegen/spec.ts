/**
 * The project's own spec files (spec/messages, spec/internal): Kafka's message definitions
 * reduced to their facts by tools/import-spec.ts. This module reads them; model.ts checks them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A field as written in a spec file. Values are kept as Kafka's JSON has them. */
export interface RawField {
  name?: unknown;
  type?: unknown;
  versions?: unknown;
  nullableVersions?: unknown;
  taggedVersions?: unknown;
  tag?: unknown;
  flexibleVersions?: unknown;
  ignorable?: unknown;
  default?: unknown;
  entityType?: unknown;
  mapKey?: unknown;
  zeroCopy?: unknown;
  fields?: unknown;
  [key: string]: unknown;
}

export interface RawStruct {
  name?: unknown;
  versions?: unknown;
  deprecatedVersions?: unknown;
  fields?: unknown;
  [key: string]: unknown;
}

export interface RawMessage {
  apiKey?: unknown;
  type?: unknown;
  listeners?: unknown;
  name?: unknown;
  validVersions?: unknown;
  deprecatedVersions?: unknown;
  flexibleVersions?: unknown;
  latestVersionUnstable?: unknown;
  fields?: unknown;
  commonStructs?: unknown;
  [key: string]: unknown;
}

/** Keys a spec may use, in the order the importer writes them. */
export const MESSAGE_KEYS = [
  'apiKey', 'type', 'listeners', 'name', 'validVersions', 'deprecatedVersions', 'flexibleVersions',
  'latestVersionUnstable', 'fields', 'commonStructs',
] as const;
export const FIELD_KEYS = [
  'name', 'type', 'versions', 'nullableVersions', 'taggedVersions', 'tag', 'flexibleVersions',
  'ignorable', 'default', 'entityType', 'mapKey', 'zeroCopy', 'fields',
] as const;
export const STRUCT_KEYS = ['name', 'versions', 'deprecatedVersions', 'fields'] as const;
/** Prose keys the importer drops. */
export const PROSE_KEYS = ['about'] as const;

export interface SpecFile {
  /** Path relative to the spec root, with forward slashes: `messages/ProduceRequest.json`. */
  file: string;
  /** `messages` or `internal`. */
  group: 'messages' | 'internal';
  spec: RawMessage;
}

export const SPEC_GROUPS = ['messages', 'internal'] as const;

/** Reads every `*.json` under `<root>/messages` and `<root>/internal`, sorted by file name. */
export function loadSpecFiles(root: string): SpecFile[] {
  const out: SpecFile[] = [];
  for (const group of SPEC_GROUPS) {
    const dir = join(root, group);
    const names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
    for (const name of names) {
      const file = `${group}/${name}`;
      let spec: unknown;
      try {
        spec = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      } catch (e) {
        throw new Error(`${file}: ${(e as Error).message}`);
      }
      if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
        throw new Error(`${file}: a spec must be a JSON object`);
      }
      out.push({ file, group, spec: spec as RawMessage });
    }
  }
  return out;
}
