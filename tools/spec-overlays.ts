/**
 * Applies tools/spec-overlays.json: protocol versions Millrace serves that the imported Kafka
 * specs do not define, each recorded with its KIP and reason. An overlay
 * sets `validVersions` and inserts new fields at a named position; anything it names that
 * is missing from the spec is an error, so a changed import cannot silently skip one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from './codegen/paths.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

interface AddField {
  /** Dotted path of field names to the struct holding the new field; absent for top level. */
  struct?: string;
  /** The field the new one follows; null to put it first. */
  insertAfter: string | null;
  field: JsonObject;
}

interface MessageOverlay {
  validVersions?: string;
  addFields?: AddField[];
}

interface Overlay {
  kip: string;
  note: string;
  messages: Record<string, MessageOverlay>;
}

/** Overlays as written in tools/spec-overlays.json (read from the source tree, not dist/). */
export function loadOverlays(file = join(findRepoRoot(), 'tools', 'spec-overlays.json')): Overlay[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { overlays: Overlay[] };
  return parsed.overlays;
}

/** Returns the spec with every overlay for its message name applied. */
export function applyOverlays(spec: JsonObject, overlays: readonly Overlay[]): JsonObject {
  const name = spec.name as string;
  let out = spec;
  for (const overlay of overlays) {
    const m = overlay.messages[name];
    if (m === undefined) continue;
    out = structuredClone(out);
    if (m.validVersions !== undefined) out.validVersions = m.validVersions;
    for (const add of m.addFields ?? []) insertField(out, add, `${name} (${overlay.kip})`);
  }
  return out;
}

function insertField(spec: JsonObject, add: AddField, where: string): void {
  let fields = spec.fields as JsonObject[];
  for (const part of add.struct?.split('.') ?? []) {
    const holder = fields.find((f) => f.name === part);
    if (holder === undefined || !Array.isArray(holder.fields)) {
      throw new Error(`${where}: no struct field ${part} for overlay`);
    }
    fields = holder.fields as JsonObject[];
  }
  if (fields.some((f) => f.name === add.field.name)) {
    throw new Error(`${where}: field ${String(add.field.name)} already exists`);
  }
  let at = 0;
  if (add.insertAfter !== null) {
    at = fields.findIndex((f) => f.name === add.insertAfter) + 1;
    if (at === 0) throw new Error(`${where}: no field ${add.insertAfter} to insert after`);
  }
  fields.splice(at, 0, add.field);
}
