/** How `millrace` tools print: aligned tables for people, JSON on request. */

export interface Out {
  write(chunk: string): unknown;
}

/**
 * Columns padded to their widest cell and separated by two spaces, headers first (as
 * kafka-consumer-groups.sh prints its tables); the last column is not padded.
 */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers.map(String), ...rows.map((r) => r.map(cell))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n') + '\n';
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.join(',');
  return String(v);
}

/** JSON with bigints as numbers while exact, strings beyond 2^53, and Buffers as base64. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
    if (v instanceof Map) return Object.fromEntries(v);
    return v;
  }, 2) + '\n';
}

/** Writes `value` as JSON or, for people, what `human` makes of it. */
export function print<T>(out: Out, json: boolean | undefined, value: T, human: (v: T) => string): void {
  out.write(json === true ? toJson(value) : human(value));
}
