/**
 * Kafka's StandardAuthorizer decision (StandardAuthorizerData.authorize) over the ACLs of the
 * metadata store: super users are allowed everything; otherwise the ACLs on the resource
 * (literal name, the `*` literal, and every prefix that starts the name) are matched by
 * principal (exact or `User:*`), host (exact, `*`, or a CIDR range holding the client's
 * address: cidr.ts) and operation. A matching DENY wins;
 * else a matching ALLOW allows; with no ACL at all on the resource the answer is
 * `allow.everyone.if.no.acl.found`. ALLOW of READ, WRITE, DELETE or ALTER implies DESCRIBE,
 * ALLOW of ALTER_CONFIGS implies DESCRIBE_CONFIGS, and ALL matches every operation.
 *
 * The index (per resource type: literal names, wildcard, prefixes) is rebuilt when the store
 * hands out a new ACL snapshot, so a decision costs the ACLs on the resource, no allocation
 * (a CIDR host pattern is checked by its net.BlockList, which reads the client's address).
 */
import { inCidrRange } from './cidr.js';
import {
  AclOperation,
  AclPermission,
  PatternType,
  WILDCARD_HOST,
  WILDCARD_PRINCIPAL,
  WILDCARD_RESOURCE,
  type AclBinding,
  type AclSnapshot,
} from '../../cluster/acls.js';

/** The class names Kafka 4.x accepts for its ACL authorizer (AclAuthorizer went with ZooKeeper). */
export const STANDARD_AUTHORIZER_CLASS = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';

export interface AuthorizerSettings {
  /** `super.users`: principals allowed everything. */
  readonly superUsers: ReadonlySet<string>;
  /** `allow.everyone.if.no.acl.found`. */
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** `super.users` as Kafka splits it: semicolon-separated, trimmed, empty entries dropped. */
export function parseSuperUsers(value: string | null): Set<string> {
  const out = new Set<string>();
  if (value === null) return out;
  for (const p of value.split(';')) {
    const t = p.trim();
    if (t.length > 0) out.add(t);
  }
  return out;
}

interface TypeIndex {
  readonly literal: Map<string, AclBinding[]>;
  readonly wildcard: AclBinding[];
  /** [prefix, its ACLs] pairs: checked by startsWith, prefixed ACLs being few in practice. */
  readonly prefixed: Array<[string, AclBinding[]]>;
}

const EMPTY_INDEX: readonly TypeIndex[] = [];

/** Outcome of matching one ACL list: bit 0 some ACL on the resource, bit 1 allowed, bit 2 denied. */
const FOUND = 1;
const ALLOWED = 2;
const DENIED = 4;

export class StandardAuthorizer {
  private readonly settings: AuthorizerSettings;
  private readonly source: () => AclSnapshot;
  private snapshot: AclSnapshot | null = null;
  private index: readonly TypeIndex[] = EMPTY_INDEX;

  /** `source` is the store's `acls()`: read on every decision, the index rebuilt when it changes. */
  constructor(settings: AuthorizerSettings, source: () => AclSnapshot) {
    this.settings = settings;
    this.source = source;
  }

  isSuperUser(principal: string): boolean {
    return this.settings.superUsers.has(principal);
  }

  /** True when `principal` from `host` may do `operation` on the resource. */
  authorize(principal: string, host: string, operation: number, resourceType: number, name: string): boolean {
    if (this.settings.superUsers.has(principal)) return true;
    const idx = this.current()[resourceType];
    if (idx === undefined) return this.settings.allowEveryoneIfNoAclFound;
    let result = 0;
    const literal = idx.literal.get(name);
    if (literal !== undefined) result |= matchAcls(literal, principal, host, operation);
    if (idx.wildcard.length > 0) result |= matchAcls(idx.wildcard, principal, host, operation);
    for (let i = 0; i < idx.prefixed.length; i++) {
      const entry = idx.prefixed[i]!;
      if (name.startsWith(entry[0])) result |= matchAcls(entry[1], principal, host, operation);
    }
    if ((result & DENIED) !== 0) return false;
    if ((result & ALLOWED) !== 0) return true;
    if ((result & FOUND) === 0) return this.settings.allowEveryoneIfNoAclFound;
    return false;
  }

  /**
   * Whether the principal may do `operation` on some resource of the type (KIP-679,
   * Authorizer.authorizeByResourceType): super users and, with no ACLs on a resource,
   * `allow.everyone.if.no.acl.found` say yes; otherwise an ALLOW (literal or prefixed) not
   * cancelled by a DENY on the wildcard, on the same literal name, or on a prefix of it.
   */
  authorizeByResourceType(principal: string, host: string, operation: number, resourceType: number): boolean {
    // Kafka's default implementation first asks about a made-up name, which decides for super
    // users and, on a cluster without ACLs there, for allow.everyone.if.no.acl.found.
    if (this.authorize(principal, host, operation, resourceType, 'hardcode')) return true;
    const idx = this.current()[resourceType];
    if (idx === undefined) return false;
    if ((matchAcls(idx.wildcard, principal, host, operation) & DENIED) !== 0) return false;
    const deniedPrefixes: string[] = [];
    for (const [prefix, acls] of idx.prefixed) if ((matchAcls(acls, principal, host, operation) & DENIED) !== 0) deniedPrefixes.push(prefix);
    const deniedByPrefix = (name: string): boolean => deniedPrefixes.some((p) => name.startsWith(p));
    if ((matchAcls(idx.wildcard, principal, host, operation) & ALLOWED) !== 0 && deniedPrefixes.length === 0) return true;
    for (const [name, acls] of idx.literal) {
      const r = matchAcls(acls, principal, host, operation);
      if ((r & ALLOWED) !== 0 && (r & DENIED) === 0 && !deniedByPrefix(name)) return true;
    }
    for (const [prefix, acls] of idx.prefixed) {
      const r = matchAcls(acls, principal, host, operation);
      if ((r & ALLOWED) !== 0 && (r & DENIED) === 0 && !deniedByPrefix(prefix)) return true;
    }
    return false;
  }

  private current(): readonly TypeIndex[] {
    const snap = this.source();
    if (snap !== this.snapshot) {
      this.index = buildIndex(snap.bindings);
      this.snapshot = snap;
    }
    return this.index;
  }
}

function buildIndex(bindings: readonly AclBinding[]): TypeIndex[] {
  const out: TypeIndex[] = [];
  const prefixMaps: Array<Map<string, AclBinding[]>> = [];
  for (const b of bindings) {
    let idx = out[b.resourceType];
    if (idx === undefined) {
      idx = { literal: new Map(), wildcard: [], prefixed: [] };
      out[b.resourceType] = idx;
      prefixMaps[b.resourceType] = new Map();
    }
    if (b.patternType === PatternType.Prefixed) {
      const m = prefixMaps[b.resourceType]!;
      let list = m.get(b.resourceName);
      if (list === undefined) {
        list = [];
        m.set(b.resourceName, list);
        idx.prefixed.push([b.resourceName, list]);
      }
      list.push(b);
    } else if (b.resourceName === WILDCARD_RESOURCE) {
      idx.wildcard.push(b);
    } else {
      let list = idx.literal.get(b.resourceName);
      if (list === undefined) idx.literal.set(b.resourceName, (list = []));
      list.push(b);
    }
  }
  // Holes (types without ACLs) stay undefined: `current()[type]` answers "no ACLs of this type".
  return out;
}

function matchAcls(acls: readonly AclBinding[], principal: string, host: string, operation: number): number {
  let result = acls.length > 0 ? FOUND : 0;
  for (let i = 0; i < acls.length; i++) {
    const acl = acls[i]!;
    if (acl.principal !== principal && acl.principal !== WILDCARD_PRINCIPAL) continue;
    if (acl.host !== host && acl.host !== WILDCARD_HOST && !inCidrRange(host, acl.host)) continue;
    if (acl.permission === AclPermission.Deny) {
      if (acl.operation === operation || acl.operation === AclOperation.All) return result | DENIED;
    } else if (acl.permission === AclPermission.Allow && implies(acl.operation, operation)) {
      result |= ALLOWED;
    }
  }
  return result;
}

/** Whether an ALLOW of `granted` allows `wanted` (Kafka's implied operations). */
function implies(granted: number, wanted: number): boolean {
  if (granted === wanted || granted === AclOperation.All) return true;
  if (wanted === AclOperation.Describe) {
    return granted === AclOperation.Read || granted === AclOperation.Write || granted === AclOperation.Delete || granted === AclOperation.Alter;
  }
  if (wanted === AclOperation.DescribeConfigs) return granted === AclOperation.AlterConfigs;
  return false;
}
