// Heartbeat (key 12), versions 0-4. v1 adds the throttle time; v3 group.instance.id; v4 is
// the first flexible version. Renews the member's session; REBALANCE_IN_PROGRESS tells it to
// rejoin. While the coordinator loads, Kafka answers NONE blindly, and so does this.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup } from '../authorize.js';
import { defineHandler } from './handler.js';

export const heartbeatHandler = defineHandler({
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  handle(request, info, broker) {
    if (!authorizeGroup(broker, info, AclOperation.Read, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const groups = broker.groups;
    let status = groups.statusError();
    if (status === ErrorCode.NONE && request.groupId !== '') status = groups.groupError(request.groupId);
    let errorCode: number;
    if (status === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) errorCode = ErrorCode.NONE;
    else if (status !== ErrorCode.NONE) errorCode = status;
    else if (request.groupId === '') errorCode = ErrorCode.INVALID_GROUP_ID;
    else {
      errorCode = groups.heartbeat({
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: info.apiVersion >= 3 ? request.groupInstanceId : null,
      });
    }
    return { throttleTimeMs: 0, errorCode };
  },
});
