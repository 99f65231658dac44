// ListGroups (key 16), versions 0-5. v1 adds the throttle time; v3 is the first flexible
// version; v4 adds a states filter (KIP-518, case-insensitive) and each group's state; v5 a
// types filter and each group's type (KIP-848: "classic" or "consumer", case-insensitive).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeCluster, authorizeGroup } from '../authorize.js';
import { defineHandler } from './handler.js';

export const listGroupsHandler = defineHandler({
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(request, info, broker) {
    const v = info.apiVersion;
    const groups = broker.groups;
    const status = groups.listError();
    if (status !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: status, groups: [] };
    const listed = groups.listGroups(v >= 4 ? request.statesFilter : [], v >= 5 ? request.typesFilter : []);
    // DESCRIBE on the cluster lists every group; otherwise only those the principal may describe.
    if (authorizeCluster(broker, info, AclOperation.Describe)) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: listed };
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: listed.filter((g) => authorizeGroup(broker, info, AclOperation.Describe, g.groupId)) };
  },
});
