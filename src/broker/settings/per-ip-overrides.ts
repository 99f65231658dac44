/**
 * `max.connections.per.ip.overrides`, a broker setting: parsed here, with the settings, so that
 * loading them does not reach into the network layer that enforces them.
 */

/** Host (name or address, as written) to the most connections it may hold. */
export type PerIpOverrides = ReadonlyMap<string, number>;

/**
 * `max.connections.per.ip.overrides` (Csv.parseCsvMap then toInt): `host:count` pairs split on
 * commas, each at its last colon. Throws with Kafka's wording on a malformed value.
 */
export function parsePerIpOverrides(value: string): Map<string, number> {
  const out = new Map<string, number>();
  if (value.trim() === '') return out;
  for (const entry of value.split(/\s*,\s*/)) {
    const colon = entry.lastIndexOf(':');
    if (colon < 0) {
      throw new Error(`Error parsing configuration property 'max.connections.per.ip.overrides': ${JSON.stringify(entry)} is not host:count`);
    }
    const host = entry.slice(0, colon).trim();
    const count = entry.slice(colon + 1).trim();
    if (!/^[+-]?\d+$/.test(count) || Number(count) > 2147483647 || Number(count) < -2147483648) {
      throw new Error(`For input string: "${count}" (max.connections.per.ip.overrides)`);
    }
    if (!/^[0-9a-zA-Z\-%._:]*$/.test(host)) {
      throw new Error(`max.connections.per.ip.overrides contains invalid addresses : ${host}`);
    }
    out.set(host, Number(count));
  }
  return out;
}
