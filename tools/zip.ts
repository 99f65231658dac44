/**
 * Reads entries out of a zip file (a jar) with adm-zip. Used by tools/import-spec.ts to take
 * Kafka's message specs straight from its Maven Central jars.
 */
import AdmZip from 'adm-zip';

/** Entries of `file` whose name `want` accepts, by name, in the order the zip lists them. */
export function readZipEntries(file: string, want: (name: string) => boolean): Map<string, Buffer> {
  let zip: AdmZip;
  try {
    zip = new AdmZip(file);
  } catch (err) {
    throw new Error(`${file}: not a zip file (${(err as Error).message})`);
  }
  const out = new Map<string, Buffer>();
  for (const entry of zip.getEntries()) {
    if (entry.isDirectory || !want(entry.entryName)) continue;
    out.set(entry.entryName, entry.getData());
  }
  return out;
}
