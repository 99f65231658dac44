/**
 * Client quota administration over the internal client (what kafka-configs.sh does for
 * `--entity-type users|clients` through the Admin client): DescribeClientQuotas and
 * AlterClientQuotas. An entity part is a name, null for `<default>`, or left out.
 */
import { ApiKey } from '../protocol/generated/api-keys.js';
import type { KafkaClient } from './client.js';
import { throwIfError } from './errors.js';

export interface QuotaEntityData {
  user?: string | null;
  clientId?: string | null;
}

export interface ClientQuotaData {
  entity: QuotaEntityData;
  quotas: Record<string, number>;
}

function parts(e: QuotaEntityData): Array<{ entityType: string; entityName: string | null }> {
  const out: Array<{ entityType: string; entityName: string | null }> = [];
  if (e.user !== undefined) out.push({ entityType: 'user', entityName: e.user });
  if (e.clientId !== undefined) out.push({ entityType: 'client-id', entityName: e.clientId });
  return out;
}

export class QuotaAdmin {
  private readonly client: KafkaClient;

  constructor(client: KafkaClient) {
    this.client = client;
  }

  /**
   * The quotas of entities matching `filter`: each part named matches exactly (null: the
   * default); `strict` leaves out entities with parts the filter does not name.
   */
  async describe(filter: QuotaEntityData, strict = false): Promise<ClientQuotaData[]> {
    const components = parts(filter).map((p) => ({ entityType: p.entityType, matchType: p.entityName === null ? 1 : 0, match: p.entityName }));
    const r = await this.client.request(ApiKey.DescribeClientQuotas, { components, strict });
    throwIfError(r.errorCode, 'describing client quotas', r.errorMessage);
    return (r.entries ?? []).map((e) => {
      const entity: QuotaEntityData = {};
      for (const p of e.entity) {
        if (p.entityType === 'user') entity.user = p.entityName;
        else if (p.entityType === 'client-id') entity.clientId = p.entityName;
      }
      return { entity, quotas: Object.fromEntries(e.values.map((v) => [v.key, v.value])) };
    });
  }

  /** Sets the keys given a number and removes those given null, on one entity. */
  async alter(entity: QuotaEntityData, changes: Record<string, number | null>): Promise<void> {
    const ops = Object.entries(changes).map(([key, value]) => ({ key, value: value ?? 0, remove: value === null }));
    const r = await this.client.request(ApiKey.AlterClientQuotas, { entries: [{ entity: parts(entity), ops }], validateOnly: false });
    for (const e of r.entries) throwIfError(e.errorCode, 'altering client quotas', e.errorMessage);
  }
}
