/**
 * A peer's IP address as Java's InetAddress.getHostAddress() writes it, which is what Kafka's
 * ACL host filters compare against: IPv4 dotted (an IPv4-mapped IPv6 address as its IPv4
 * address, as Java sees an IPv4 peer), IPv6 as eight groups of lower-case hex without
 * leading zeros and without `::` compression (`::1` is `0:0:0:0:0:0:0:1`), a scope kept.
 */
export function javaHostAddress(ip: string): string {
  if (!ip.includes(':')) return ip;
  const lower = ip.toLowerCase();
  if (lower.startsWith('::ffff:') && lower.includes('.')) return lower.slice(7);
  const scope = lower.indexOf('%');
  const addr = scope < 0 ? lower : lower.slice(0, scope);
  const halves = addr.split('::');
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length > 1 && halves[1] !== '' ? halves[1]!.split(':') : [];
  const groups = halves.length > 1 ? [...head, ...new Array<string>(Math.max(8 - head.length - tail.length, 0)).fill('0'), ...tail] : head;
  const text = groups.map((g) => parseInt(g, 16).toString(16)).join(':');
  // Java keeps a scope (`%eth0`) after the address.
  return scope < 0 ? text : text + ip.slice(scope);
}
