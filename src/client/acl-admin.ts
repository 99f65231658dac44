/**
 * ACL administration over the internal client (what kafka-acls.sh does through the Admin
 * client): CreateAcls, DescribeAcls, DeleteAcls, with Kafka's enum codes as numbers. Errors
 * become KafkaResponseErrors carrying Kafka's error names.
 */
import { ApiKey } from '../protocol/generated/api-keys.js';
import type { KafkaClient } from './client.js';
import { throwIfError } from './errors.js';
import type { AclBinding, AclBindingFilter } from '../common/acl-binding.js';

function filterBody(f: AclBindingFilter) {
  return {
    resourceTypeFilter: f.resourceType, resourceNameFilter: f.resourceName, patternTypeFilter: f.patternType,
    principalFilter: f.principal, hostFilter: f.host, operation: f.operation, permissionType: f.permission,
  };
}

export class AclAdmin {
  private readonly client: KafkaClient;

  constructor(client: KafkaClient) {
    this.client = client;
  }

  /** Creates the ACLs; the first one refused throws. */
  async create(bindings: readonly AclBinding[]): Promise<void> {
    const r = await this.client.request(ApiKey.CreateAcls, {
      creations: bindings.map((b) => ({
        resourceType: b.resourceType, resourceName: b.resourceName, resourcePatternType: b.patternType,
        principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission,
      })),
    });
    for (const res of r.results) throwIfError(res.errorCode, 'creating ACLs', res.errorMessage);
  }

  async describe(filter: AclBindingFilter): Promise<AclBinding[]> {
    const r = await this.client.request(ApiKey.DescribeAcls, filterBody(filter));
    throwIfError(r.errorCode, 'describing ACLs', r.errorMessage);
    return r.resources.flatMap((res) => res.acls.map((a) => ({
      resourceType: res.resourceType, resourceName: res.resourceName, patternType: res.patternType,
      principal: a.principal, host: a.host, operation: a.operation, permission: a.permissionType,
    })));
  }

  /** Deletes every ACL the filters match; returns them. */
  async delete(filters: readonly AclBindingFilter[]): Promise<AclBinding[]> {
    const r = await this.client.request(ApiKey.DeleteAcls, { filters: filters.map(filterBody) });
    const out: AclBinding[] = [];
    for (const res of r.filterResults) {
      throwIfError(res.errorCode, 'deleting ACLs', res.errorMessage);
      for (const m of res.matchingAcls) {
        throwIfError(m.errorCode, 'deleting ACLs', m.errorMessage);
        out.push({ resourceType: m.resourceType, resourceName: m.resourceName, patternType: m.patternType, principal: m.principal, host: m.host, operation: m.operation, permission: m.permissionType });
      }
    }
    return out;
  }
}
