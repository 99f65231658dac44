/**
 * Client quotas as the cluster metadata keeps them (Kafka's ClientQuotaRecord): per entity
 * (a user, a client id, or a user and a client id, each possibly `<default>`) a map of quota
 * keys to values. The local store keeps them in its metadata file, the etcd store under
 * `<root>quotas/<entity key>`; both apply a change with `applyQuotaChanges` and publish a
 * snapshot that is replaced, never mutated, so readers can hold on to it.
 */

/** Kafka's ClientQuotaEntity types. */
export const QUOTA_ENTITY_USER = 'user';
export const QUOTA_ENTITY_CLIENT_ID = 'client-id';

/** Kafka's quota config keys for user and client-id entities (QuotaConfig.userAndClientQuotaConfigs). */
export const PRODUCER_BYTE_RATE = 'producer_byte_rate';
export const CONSUMER_BYTE_RATE = 'consumer_byte_rate';
export const REQUEST_PERCENTAGE = 'request_percentage';
export const CONTROLLER_MUTATION_RATE = 'controller_mutation_rate';

/** Each key's ConfigDef type, which decides whether a fractional value is allowed. */
export const QUOTA_KEY_TYPES: ReadonlyMap<string, 'long' | 'double'> = new Map([
  [PRODUCER_BYTE_RATE, 'long'],
  [CONSUMER_BYTE_RATE, 'long'],
  [REQUEST_PERCENTAGE, 'double'],
  [CONTROLLER_MUTATION_RATE, 'double'],
]);

/**
 * A quota entity: a part left out (undefined) is not in the entity, null is the `<default>`
 * of its type, a string names one user or client id.
 */
export interface QuotaEntity {
  user?: string | null;
  clientId?: string | null;
}

export interface ClientQuotaEntry {
  entity: QuotaEntity;
  quotas: Readonly<Record<string, number>>;
}

export interface ClientQuotaSnapshot {
  /** By `quotaEntityKey`. */
  readonly entries: ReadonlyMap<string, ClientQuotaEntry>;
}

export const EMPTY_CLIENT_QUOTAS: ClientQuotaSnapshot = { entries: new Map() };

/** One entity's part of an AlterClientQuotas request, validated: value null removes the key. */
export interface QuotaChange {
  entity: QuotaEntity;
  ops: ReadonlyArray<{ key: string; value: number | null }>;
}

function part(name: string | null | undefined): string {
  if (name === undefined) return '-';
  if (name === null) return 'd';
  return `n${Buffer.from(name, 'utf8').toString('base64url')}`;
}

function unpart(p: string): string | null | undefined {
  if (p === '-') return undefined;
  if (p === 'd') return null;
  return Buffer.from(p.slice(1), 'base64url').toString('utf8');
}

/**
 * The entity's key: unambiguous for any names and free of '/', so it is also the last part of
 * its etcd key.
 */
export function quotaEntityKey(entity: QuotaEntity): string {
  return `${part(entity.user)}.${part(entity.clientId)}`;
}

export function quotaEntityFromKey(key: string): QuotaEntity {
  const dot = key.indexOf('.');
  const user = unpart(key.slice(0, dot));
  const clientId = unpart(key.slice(dot + 1));
  const entity: QuotaEntity = {};
  if (user !== undefined) entity.user = user;
  if (clientId !== undefined) entity.clientId = clientId;
  return entity;
}

/** The snapshot after `changes`: keys set or removed, entities left without keys dropped. */
export function applyQuotaChanges(current: ClientQuotaSnapshot, changes: readonly QuotaChange[]): ClientQuotaSnapshot {
  const entries = new Map(current.entries);
  for (const change of changes) {
    const key = quotaEntityKey(change.entity);
    const quotas: Record<string, number> = { ...(entries.get(key)?.quotas ?? {}) };
    for (const op of change.ops) {
      if (op.value === null) delete quotas[op.key];
      else quotas[op.key] = op.value;
    }
    if (Object.keys(quotas).length === 0) entries.delete(key);
    else entries.set(key, { entity: quotaEntityFromKey(key), quotas });
  }
  return { entries };
}

/** The entities a set of changes touches, with their quotas after it (undefined: none left). */
export function changedQuotaEntries(next: ClientQuotaSnapshot, changes: readonly QuotaChange[]): Map<string, ClientQuotaEntry | undefined> {
  const out = new Map<string, ClientQuotaEntry | undefined>();
  for (const c of changes) {
    const key = quotaEntityKey(c.entity);
    out.set(key, next.entries.get(key));
  }
  return out;
}
