/**
 * ACL host patterns in CIDR notation (Kafka 4.4, metadata.version 4.4-IV1): `10.0.0.0/8`,
 * `2001:db8::/32`. Validated and matched as Kafka's CidrUtils does with the commons-net
 * SubnetUtils (IPv4: four decimal octets and a prefix of one or two digits, network and
 * broadcast addresses included) and SubnetUtils6 (IPv6: any address but an IPv4-mapped one,
 * brackets and a zone allowed, a prefix Integer.parseInt reads between 0 and 128). A pattern
 * with a colon is IPv6. Addresses of the other family never match. Matching is Node's
 * net.BlockList, one per pattern.
 */
import { BlockList, isIP } from 'node:net';

interface Cidr {
  /** 4 bytes (IPv4) or 16 (IPv6). */
  network: Uint8Array;
  prefix: number;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IPV4_ADDRESS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const JAVA_INT = /^[+-]?\d+$/;

class CidrError extends Error {}

function rangeCheck(value: number, max: number): number {
  if (value > max) throw new CidrError(`Value [${value}] not in range [0,${max}]`);
  return value;
}

function parseIpv4Cidr(cidr: string): Cidr {
  const m = IPV4_CIDR.exec(cidr);
  if (m === null) throw new CidrError(`Could not parse [${cidr}]`);
  const network = new Uint8Array(4);
  for (let i = 0; i < 4; i++) network[i] = rangeCheck(Number(m[i + 1]), 255);
  return { network, prefix: rangeCheck(Number(m[5]), 32) };
}

/** IPv6 text (with `::`, a trailing dotted IPv4 part, brackets, a zone) to 16 bytes; null when it is none. */
function parseIpv6(text: string): Uint8Array | null {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups: number[] = [];
  const parsePart = (part: string, last: boolean): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (last && i === pieces.length - 1 && p.includes('.')) {
        const v4 = IPV4_ADDRESS.exec(p);
        if (v4 === null) return null;
        const b = [1, 2, 3, 4].map((k) => Number(v4[k]));
        if (b.some((x) => x > 255)) return null;
        out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
        continue;
      }
      // Leading zeros beyond four digits are taken (`00000`), as SubnetUtils6 takes them.
      if (!/^[0-9a-fA-F]+$/.test(p) || parseInt(p, 16) > 0xffff) return null;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  const head = parsePart(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? parsePart(halves[1]!, true) : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) {
    if (head.length !== 8) return null;
    groups.push(...head);
  } else {
    if (head.length + tail.length > 7) return null;
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = groups[i]! >> 8;
    bytes[2 * i + 1] = groups[i]! & 0xff;
  }
  return bytes;
}

/** Java turns ::ffff:a.b.c.d into an IPv4 address. */
function isIpv4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function parseIpv6Cidr(cidr: string): Cidr {
  const slash = cidr.indexOf('/');
  const address = cidr.slice(0, slash);
  const prefixText = cidr.slice(slash + 1);
  const prefix = JAVA_INT.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isFinite(prefix) || prefix > 2147483647 || prefix < -2147483648) throw new CidrError(`Could not parse [${cidr}] - invalid prefix length`);
  if (prefix < 0 || prefix > 128) throw new CidrError(`Could not parse [${cidr}] - prefix length must be between 0 and 128`);
  const network = parseIpv6(address);
  if (network === null) throw new CidrError(`Could not parse [${address}]`);
  if (isIpv4Mapped(network)) throw new CidrError(`Could not parse [${address}] - not an IPv6 address`);
  // `-0` is a prefix of 0.
  return { network, prefix: Math.abs(prefix) };
}

function parseCidr(cidr: string): Cidr {
  return cidr.includes(':') ? parseIpv6Cidr(cidr) : parseIpv4Cidr(cidr);
}

/** CidrUtils.validate: null for a valid CIDR host pattern, else the reason Kafka gives. */
export function cidrProblem(cidr: string): string | null {
  try {
    parseCidr(cidr);
    return null;
  } catch (e) {
    if (e instanceof CidrError) return e.message;
    throw e;
  }
}

/** A valid pattern as a one-subnet BlockList, with the family its addresses must be. */
interface CidrMatcher {
  list: BlockList;
  family: 4 | 6;
}

/** Patterns by text, parsed once; ACLs are few, and the cache is dropped when it grows past them. */
const matchers = new Map<string, CidrMatcher | null>();
const MAX_CACHED = 10_000;

function matcher(pattern: string): CidrMatcher | null {
  let m = matchers.get(pattern);
  if (m === undefined) {
    m = null;
    try {
      const { network, prefix } = parseCidr(pattern);
      const list = new BlockList();
      if (network.length === 4) {
        list.addSubnet(network.join('.'), prefix, 'ipv4');
        m = { list, family: 4 };
      } else {
        const groups: string[] = [];
        for (let i = 0; i < 16; i += 2) groups.push(((network[i]! << 8) | network[i + 1]!).toString(16));
        list.addSubnet(groups.join(':'), prefix, 'ipv6');
        m = { list, family: 6 };
      }
    } catch (e) {
      if (!(e instanceof CidrError)) throw e;
    }
    if (matchers.size >= MAX_CACHED) matchers.clear();
    matchers.set(pattern, m);
  }
  return m;
}

/**
 * CidrUtils.isInRange: whether a client's address (as Java writes it: IPv4 dotted, IPv6 in
 * full, perhaps with a zone) lies in the range of a host pattern; false for a pattern that is
 * not CIDR notation and for an address of the other family (an IPv4-mapped one included).
 */
export function inCidrRange(address: string, pattern: string): boolean {
  if (!pattern.includes('/')) return false;
  const m = matcher(pattern);
  if (m === null) return false;
  const zone = address.indexOf('%');
  const bare = zone < 0 ? address : address.slice(0, zone);
  if (isIP(bare) !== m.family) return false;
  return m.list.check(bare, m.family === 4 ? 'ipv4' : 'ipv6');
}
