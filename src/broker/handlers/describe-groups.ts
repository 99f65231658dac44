// DescribeGroups (key 15), versions 0-6. v1 adds the throttle time; v3 authorized operations
// (on request); v4 each member's group.instance.id; v5 is the first flexible version; v6
// answers a group that does not exist with GROUP_ID_NOT_FOUND and a message (KIP-1043),
// where earlier versions describe it as Dead. Member metadata and assignments are given only
// for a Stable group.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { DescribedGroup } from '../../protocol/generated/describe-groups-response.js';
import { UNKNOWN_AUTHORIZED_OPERATIONS } from './common.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup, groupAuthorizedOperations } from '../authorize.js';
import { defineHandler } from './handler.js';

export const describeGroupsHandler = defineHandler({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 6,
  handle(request, info, broker) {
    const v = info.apiVersion;
    const groups = broker.groups;
    const status = groups.statusError();
    const includeOps = v >= 3 && request.includeAuthorizedOperations;
    const described: DescribedGroup[] = request.groups.map((groupId) => {
      const error = !authorizeGroup(broker, info, AclOperation.Describe, groupId)
        ? ErrorCode.GROUP_AUTHORIZATION_FAILED
        : status !== ErrorCode.NONE ? status : groups.groupError(groupId);
      if (error !== ErrorCode.NONE) {
        return { errorCode: error, errorMessage: null, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: UNKNOWN_AUTHORIZED_OPERATIONS };
      }
      const d = groups.describeGroup(groupId, v);
      if (includeOps && d.errorCode === ErrorCode.NONE) d.authorizedOperations = groupAuthorizedOperations(broker, info, groupId);
      return d;
    });
    return { throttleTimeMs: 0, groups: described };
  },
});
