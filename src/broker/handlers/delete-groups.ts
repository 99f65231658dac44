// DeleteGroups (key 42), versions 0-3. v1 changes only throttling; v2 is the first flexible
// version; v3 adds a per-group error message, which Kafka fills for GROUP_DELETION_FAILED (a
// streams group's topology plugin failing, KIP-1331; Millrace has no such plugin), so it is
// null here. Each distinct group is answered: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP (members
// remain), or deleted — a share group's share-partition state first (its persister's error if
// that fails, as in Kafka), then its offsets and metadata get tombstones in __consumer_offsets,
// and the answer waits until they are committed.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup } from '../authorize.js';
import { defineHandler } from './handler.js';

export const deleteGroupsHandler = defineHandler({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, info, broker) {
    const groups = broker.groups;
    // DELETE on each group (KafkaApis): the others are answered GROUP_AUTHORIZATION_FAILED.
    const denied = new Set<string>();
    for (const g of request.groupsNames) if (!authorizeGroup(broker, info, AclOperation.Delete, g)) denied.add(g);
    const refused = [...denied].map((groupId) => ({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null }));
    const allowed = denied.size === 0 ? request.groupsNames : request.groupsNames.filter((g) => !denied.has(g));
    const status = groups.statusError();
    if (status !== ErrorCode.NONE) {
      return { throttleTimeMs: 0, results: [...new Set(allowed)].map((groupId) => ({ groupId, errorCode: status, errorMessage: null })).concat(refused) };
    }
    const results = allowed.length === 0 ? [] : await groups.deleteGroups(allowed);
    return { throttleTimeMs: 0, results: results.concat(refused) };
  },
});
