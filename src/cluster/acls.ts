/**
 * ACL bindings as Kafka's AclBinding: a resource pattern (type, name, pattern type) and an
 * access control entry (principal, host, operation, permission), with Kafka's byte codes for
 * the enums. The metadata stores keep them; the authorizer (src/security/authorizer) indexes
 * them; the ACL handlers match them against filters (AclBindingFilter.matches).
 */
import type { AclBinding, AclBindingFilter } from '../common/acl-binding.js';

/** Kafka's ResourceType codes. */
export const enum ResourceType {
  Unknown = 0,
  Any = 1,
  Topic = 2,
  Group = 3,
  Cluster = 4,
  TransactionalId = 5,
  DelegationToken = 6,
  User = 7,
}

/** Kafka's PatternType codes. MATCH and ANY appear in filters only. */
export const enum PatternType {
  Unknown = 0,
  Any = 1,
  Match = 2,
  Literal = 3,
  Prefixed = 4,
}

/** Kafka's AclOperation codes. */
export const enum AclOperation {
  Unknown = 0,
  Any = 1,
  All = 2,
  Read = 3,
  Write = 4,
  Create = 5,
  Delete = 6,
  Alter = 7,
  Describe = 8,
  ClusterAction = 9,
  DescribeConfigs = 10,
  AlterConfigs = 11,
  IdempotentWrite = 12,
  CreateTokens = 13,
  DescribeTokens = 14,
}

/** Kafka's AclPermissionType codes. */
export const enum AclPermission {
  Unknown = 0,
  Any = 1,
  Deny = 2,
  Allow = 3,
}

/** The one name of the CLUSTER resource. */
export const CLUSTER_NAME = 'kafka-cluster';
/** The literal resource name that matches every name (ResourcePattern.WILDCARD_RESOURCE). */
export const WILDCARD_RESOURCE = '*';
/** The principal that matches every user (AclEntry.WILDCARD_PRINCIPAL_STRING). */
export const WILDCARD_PRINCIPAL = 'User:*';
/** The host that matches every host (AclEntry.WILDCARD_HOST). */
export const WILDCARD_HOST = '*';

// The binding and filter shapes are shared with the client (src/client/acl-admin.ts).
export type { AclBinding, AclBindingFilter };

/**
 * The stores' view of the ACLs: an immutable snapshot replaced on every change, so a reader
 * (the authorizer) can tell by identity that it has to rebuild its index.
 */
export interface AclSnapshot {
  readonly bindings: readonly AclBinding[];
}

export const EMPTY_ACLS: AclSnapshot = Object.freeze({ bindings: Object.freeze([]) as readonly AclBinding[] });

/** One string per binding: equal bindings have equal keys (ACLs are a set, as in Kafka). */
export function aclKey(b: AclBinding): string {
  return JSON.stringify([b.resourceType, b.patternType, b.resourceName, b.principal, b.host, b.operation, b.permission]);
}

/** The binding a key stands for; throws on a key not made by aclKey. */
export function aclFromKey(key: string): AclBinding {
  const v = JSON.parse(key) as unknown;
  if (!Array.isArray(v) || v.length !== 7) throw new Error(`not an ACL key: ${key}`);
  const [resourceType, patternType, resourceName, principal, host, operation, permission] = v as [number, number, string, string, string, number, number];
  return { resourceType, patternType, resourceName, principal, host, operation, permission };
}

/**
 * True when the filter matches the binding (AclBindingFilter.matches): each field equal or
 * left open; a MATCH pattern filter with a name matches the literal name, the wildcard and
 * the prefixes of that name (what would apply to that resource).
 */
export function filterMatches(f: AclBindingFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.Any && f.resourceType !== b.resourceType) return false;
  if (!patternFilterMatches(f, b)) return false;
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== AclOperation.Any && f.operation !== b.operation) return false;
  if (f.permission !== AclPermission.Any && f.permission !== b.permission) return false;
  return true;
}

function patternFilterMatches(f: AclBindingFilter, b: AclBinding): boolean {
  if (f.patternType === PatternType.Match) {
    if (f.resourceName === null) return true;
    if (b.patternType === PatternType.Literal) return b.resourceName === f.resourceName || b.resourceName === WILDCARD_RESOURCE;
    if (b.patternType === PatternType.Prefixed) return f.resourceName.startsWith(b.resourceName);
    return false;
  }
  if (f.patternType !== PatternType.Any && f.patternType !== b.patternType) return false;
  return f.resourceName === null || f.resourceName === b.resourceName;
}

/**
 * Kafka's ACL validation (AclControlManager.validateNewAcl and the CLUSTER name check of
 * AclApis): null when the binding may be stored, else the INVALID_REQUEST message.
 */
export function invalidAclReason(b: AclBinding): string | null {
  if (b.resourceType < ResourceType.Topic || b.resourceType > ResourceType.User) return `Invalid resourceType ${resourceTypeName(b.resourceType)}`;
  if (b.patternType !== PatternType.Literal && b.patternType !== PatternType.Prefixed) return `Invalid patternType ${patternTypeName(b.patternType)}`;
  if (b.operation < AclOperation.All || b.operation > AclOperation.DescribeTokens) return `Invalid operation ${operationName(b.operation)}`;
  if (b.permission !== AclPermission.Allow && b.permission !== AclPermission.Deny) return `Invalid permissionType ${permissionName(b.permission)}`;
  if (b.resourceName.length === 0) return 'Resource name should not be empty';
  if (b.resourceType === ResourceType.Cluster && b.resourceName !== CLUSTER_NAME) return 'The only valid name for the CLUSTER resource is kafka-cluster';
  if (b.principal.indexOf(':') < 0) {
    return `Could not parse principal from \`${b.principal}\` (no colon is present separating the principal type from the principal name)`;
  }
  return null;
}

/**
 * Kafka's message for a filter with UNKNOWN parts (AclControlManager.validateFilter): the
 * resource pattern part, then the entry part; null when the filter is usable.
 */
export function invalidFilterReason(f: AclBindingFilter): string | null {
  if (f.resourceType === ResourceType.Unknown || f.resourceType > ResourceType.User) return 'Unknown patternFilter.';
  if (f.patternType === PatternType.Unknown || f.patternType > PatternType.Prefixed) return 'Unknown patternFilter.';
  if (f.operation === AclOperation.Unknown || f.operation > AclOperation.DescribeTokens) return 'Unknown entryFilter.';
  if (f.permission === AclPermission.Unknown || f.permission > AclPermission.Allow) return 'Unknown entryFilter.';
  return null;
}

const RESOURCE_TYPE_NAMES = ['UNKNOWN', 'ANY', 'TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'];
const PATTERN_TYPE_NAMES = ['UNKNOWN', 'ANY', 'MATCH', 'LITERAL', 'PREFIXED'];
const OPERATION_NAMES = [
  'UNKNOWN', 'ANY', 'ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'CREATE_TOKENS', 'DESCRIBE_TOKENS',
];
const PERMISSION_NAMES = ['UNKNOWN', 'ANY', 'DENY', 'ALLOW'];

export const resourceTypeName = (code: number): string => RESOURCE_TYPE_NAMES[code] ?? 'UNKNOWN';
export const patternTypeName = (code: number): string => PATTERN_TYPE_NAMES[code] ?? 'UNKNOWN';
export const operationName = (code: number): string => OPERATION_NAMES[code] ?? 'UNKNOWN';
export const permissionName = (code: number): string => PERMISSION_NAMES[code] ?? 'UNKNOWN';

/** The code of a Kafka enum name (case-insensitive), or undefined: for the CLI and config. */
export function codeOf(names: 'resourceType' | 'patternType' | 'operation' | 'permission', name: string): number | undefined {
  const table = names === 'resourceType' ? RESOURCE_TYPE_NAMES : names === 'patternType' ? PATTERN_TYPE_NAMES : names === 'operation' ? OPERATION_NAMES : PERMISSION_NAMES;
  const i = table.indexOf(name.toUpperCase().replace(/-/g, '_'));
  return i < 0 ? undefined : i;
}

/** The bindings after creating `add` and removing `remove` (keys), as one new snapshot. */
export function applyAclChanges(current: AclSnapshot, add: readonly AclBinding[], remove: ReadonlySet<string>): AclSnapshot {
  const byKey = new Map<string, AclBinding>();
  for (const b of current.bindings) byKey.set(aclKey(b), b);
  for (const k of remove) byKey.delete(k);
  for (const b of add) byKey.set(aclKey(b), b);
  return { bindings: [...byKey.values()] };
}
