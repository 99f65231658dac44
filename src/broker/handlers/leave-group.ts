// LeaveGroup (key 13), versions 0-5. v0-2 name one member_id; v3 batches members with their
// group.instance.id (an administrator removes static members by instance id alone) and
// answers per member; v4 is the first flexible version; v5 adds a reason per member (KIP-800).
// Before v3 the response carries one error: the top-level one, else the member's. Classic
// members of a KIP-848 consumer group are answered once their removal is committed.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { LeaveGroupResponse } from '../../protocol/generated/leave-group-response.js';
import type { LeavingMember } from '../../coordinator/group/classic/membership.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup } from '../authorize.js';
import { defineHandler } from './handler.js';

export const leaveGroupHandler = defineHandler({
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, info, broker) {
    const v = info.apiVersion;
    const groups = broker.groups;
    const fail = (errorCode: number): LeaveGroupResponse => ({ throttleTimeMs: 0, errorCode, members: [] });
    if (!authorizeGroup(broker, info, AclOperation.Read, request.groupId)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const status = groups.statusError();
    if (status !== ErrorCode.NONE) return fail(status);
    if (request.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    const notHere = await groups.coordinatorError(request.groupId);
    if (notHere !== ErrorCode.NONE) return fail(notHere);
    const members: LeavingMember[] =
      v >= 3
        ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: v >= 5 ? m.reason : null }))
        : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
    const result = await groups.leave(request.groupId, members);
    if (v >= 3) return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members };
    const memberError = result.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
    return fail(result.errorCode !== ErrorCode.NONE ? result.errorCode : memberError);
  },
});
