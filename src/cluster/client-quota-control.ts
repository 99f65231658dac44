/**
 * The rules of Describe/AlterClientQuotas, as Kafka's ClientQuotaControlManager and
 * ClientQuotasImage.describe have them: which entity combinations and quota keys an
 * alteration may name and which values it may set, and which entities a describe filter
 * matches. Handlers turn the results into responses; stores apply the validated changes.
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import { QUOTA_ENTITY_CLIENT_ID, QUOTA_ENTITY_USER, QUOTA_KEY_TYPES, type ClientQuotaEntry, type ClientQuotaSnapshot, type QuotaChange, type QuotaEntity } from './client-quotas.js';

export interface QuotaError {
  errorCode: number;
  message: string;
}

const invalid = (message: string): QuotaError => ({ errorCode: ErrorCode.INVALID_REQUEST, message });

/** Kafka's ClientQuotaEntity.IP: a valid entity type, but its quota (connection_creation_rate) is not kept here. */
const QUOTA_ENTITY_IP = 'ip';

/**
 * One AlterClientQuotas entry checked as ClientQuotaControlManager.alterClientQuotaEntity
 * does: a QuotaChange, or the INVALID_REQUEST that refuses the entry.
 */
export function validateQuotaAlteration(
  entityData: ReadonlyArray<{ entityType: string; entityName: string | null }>,
  ops: ReadonlyArray<{ key: string; value: number; remove: boolean }>,
): QuotaChange | QuotaError {
  // Kafka builds the op map first: a key named twice refuses the entity.
  const seen = new Set<string>();
  for (const op of ops) {
    if (seen.has(op.key)) return invalid(`Duplicate quota key ${op.key} not updating quota for this entity`);
    seen.add(op.key);
  }
  if (entityData.length === 0) return invalid('Invalid empty client quota entity');
  const entity: QuotaEntity = {};
  const types = new Set<string>();
  for (const { entityType, entityName } of entityData) {
    if (types.has(entityType)) return invalid(`Invalid client quota entity, duplicate entity entry ${entityType}`);
    types.add(entityType);
    if (entityType === QUOTA_ENTITY_USER) entity.user = entityName;
    else if (entityType === QUOTA_ENTITY_CLIENT_ID) entity.clientId = entityName;
    else if (entityType === QUOTA_ENTITY_IP) return invalid('Client quotas of ip entities (connection_creation_rate) are not supported by this broker');
    else return invalid(`Unhandled client quota entity type: ${entityType}`);
    if (entityName !== null && entityName.length === 0) return invalid(`Empty ${entityType} not supported`);
  }
  const out: Array<{ key: string; value: number | null }> = [];
  for (const op of ops) {
    if (op.remove) {
      out.push({ key: op.key, value: null });
      continue;
    }
    const type = QUOTA_KEY_TYPES.get(op.key);
    if (type === undefined) return invalid(`Invalid configuration key ${op.key}`);
    if (!(op.value > 0)) return invalid(`Quota ${op.key} must be greater than 0`);
    if (type === 'long') {
      if (op.value > 9223372036854775807) return invalid(`Proposed value for ${op.key} is too large for a LONG.`);
      if (Math.abs(op.value % 1) > 1e-6) return invalid(`${op.key} cannot be a fractional value.`);
    }
    out.push({ key: op.key, value: op.value });
  }
  return { entity, ops: out };
}

export function isQuotaError(r: QuotaChange | QuotaError): r is QuotaError {
  return (r as QuotaError).errorCode !== undefined;
}

/** Kafka's DescribeClientQuotas match types. */
export const MATCH_TYPE_EXACT = 0;
export const MATCH_TYPE_DEFAULT = 1;
export const MATCH_TYPE_SPECIFIED = 2;

/**
 * The entries a DescribeClientQuotas filter matches (ClientQuotasImage.describe), or the
 * error that refuses the whole request: INVALID_REQUEST for a malformed filter,
 * UNSUPPORTED_VERSION for an unknown entity type.
 */
export function describeClientQuotas(
  snapshot: ClientQuotaSnapshot,
  components: ReadonlyArray<{ entityType: string; matchType: number; match: string | null }>,
  strict: boolean,
): ClientQuotaEntry[] | QuotaError {
  const exact = new Map<string, string | null>();
  const specified = new Set<string>();
  for (const c of components) {
    if (c.entityType.length === 0) return invalid('Invalid empty entity type.');
    if (exact.has(c.entityType) || specified.has(c.entityType)) return invalid(`Entity type ${c.entityType} cannot appear more than once in the filter.`);
    if (c.entityType !== QUOTA_ENTITY_USER && c.entityType !== QUOTA_ENTITY_CLIENT_ID && c.entityType !== QUOTA_ENTITY_IP) {
      return { errorCode: ErrorCode.UNSUPPORTED_VERSION, message: `Unsupported entity type ${c.entityType}` };
    }
    if (c.matchType === MATCH_TYPE_EXACT) {
      if (c.match === null) return invalid('Request specified MATCH_TYPE_EXACT, but set match string to null.');
      exact.set(c.entityType, c.match);
    } else if (c.matchType === MATCH_TYPE_DEFAULT) {
      if (c.match !== null) return invalid('Request specified MATCH_TYPE_DEFAULT, but also specified a match string.');
      exact.set(c.entityType, null);
    } else if (c.matchType === MATCH_TYPE_SPECIFIED) {
      if (c.match !== null) return invalid('Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.');
      specified.add(c.entityType);
    } else {
      return invalid(`Unknown match type ${c.matchType}`);
    }
  }
  const hasIp = exact.has(QUOTA_ENTITY_IP) || specified.has(QUOTA_ENTITY_IP);
  const hasUserOrClient = exact.has(QUOTA_ENTITY_USER) || specified.has(QUOTA_ENTITY_USER) || exact.has(QUOTA_ENTITY_CLIENT_ID) || specified.has(QUOTA_ENTITY_CLIENT_ID);
  if (hasIp && hasUserOrClient) {
    return invalid('Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.');
  }
  const out: ClientQuotaEntry[] = [];
  for (const entry of snapshot.entries.values()) if (matches(entry.entity, exact, specified, strict)) out.push(entry);
  return out;
}

/** The entity as Kafka's entity map: type to name (null for `<default>`). */
export function quotaEntityParts(entity: QuotaEntity): Array<{ entityType: string; entityName: string | null }> {
  const out: Array<{ entityType: string; entityName: string | null }> = [];
  if (entity.user !== undefined) out.push({ entityType: QUOTA_ENTITY_USER, entityName: entity.user });
  if (entity.clientId !== undefined) out.push({ entityType: QUOTA_ENTITY_CLIENT_ID, entityName: entity.clientId });
  return out;
}

function matches(entity: QuotaEntity, exact: ReadonlyMap<string, string | null>, specified: ReadonlySet<string>, strict: boolean): boolean {
  const parts = new Map(quotaEntityParts(entity).map((p) => [p.entityType, p.entityName]));
  if (strict && parts.size !== exact.size + specified.size) return false;
  for (const [type, name] of exact) {
    if (!parts.has(type) || parts.get(type) !== name) return false;
  }
  for (const type of specified) if (!parts.has(type)) return false;
  return true;
}
