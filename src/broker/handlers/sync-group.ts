// SyncGroup (key 14), versions 0-5. v1 adds the throttle time; v3 group.instance.id; v4 is the
// first flexible version; v5 sends the protocol type and name both ways (KIP-559): a request
// without them is refused with INCONSISTENT_GROUP_PROTOCOL, as Kafka does, and ones that
// differ from the group's likewise. Followers' responses wait for the leader's assignment.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { SyncGroupResponse } from '../../protocol/generated/sync-group-response.js';
import { syncError, type SyncRequest } from '../../coordinator/group/classic/sync.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup } from '../authorize.js';
import { defineHandler } from './handler.js';

export const syncGroupHandler = defineHandler({
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, info, broker) {
    const v = info.apiVersion;
    const groups = broker.groups;
    if (v >= 5 && (request.protocolType === null || request.protocolName === null)) return syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    if (!authorizeGroup(broker, info, AclOperation.Read, request.groupId)) return syncError(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const status = groups.statusError();
    if (status !== ErrorCode.NONE) return syncError(status);
    if (request.groupId === '') return syncError(ErrorCode.INVALID_GROUP_ID);
    const notHere = await groups.coordinatorError(request.groupId);
    if (notHere !== ErrorCode.NONE) return syncError(notHere);
    const req: SyncRequest = {
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: v >= 3 ? request.groupInstanceId : null,
      protocolType: v >= 5 ? request.protocolType : null,
      protocolName: v >= 5 ? request.protocolName : null,
      assignments: request.assignments,
    };
    return new Promise<SyncGroupResponse>((resolve) => groups.sync(req, resolve));
  },
});
