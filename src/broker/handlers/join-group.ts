// JoinGroup (key 11), versions 0-9. v0 has no rebalance timeout (the session timeout serves);
// v2 adds the throttle time; v4 makes a new dynamic member come back with the member id it is
// given (MEMBER_ID_REQUIRED, KIP-394); v5 adds group.instance.id (static membership, KIP-345);
// v6 is the first flexible version; v7 returns the protocol type and makes the protocol name
// nullable (KIP-559); v8 adds the join reason (KIP-800); v9 lets a static leader skip the
// assignment of a Stable group (KIP-814). The response waits for the rebalance.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { JoinGroupResponse } from '../../protocol/generated/join-group-response.js';
import { joinError } from '../../coordinator/group/classic/group-manager.js';
import type { JoinRequest } from '../../coordinator/group/classic/join.js';
import { clientHostOf, distinctProtocols } from '../../coordinator/group/requests.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup } from '../authorize.js';
import { defineHandler } from './handler.js';

/** Before v7 the protocol name is a non-null string; from v7 "no protocol" is null. */
function forVersion(r: JoinGroupResponse, v: number): JoinGroupResponse {
  if (v < 7 && r.protocolName === null) r.protocolName = '';
  else if (v >= 7 && r.protocolName === '') r.protocolName = null;
  return r;
}

export const joinGroupHandler = defineHandler({
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  async handle(request, info, broker) {
    const v = info.apiVersion;
    const groups = broker.groups;
    if (!authorizeGroup(broker, info, AclOperation.Read, request.groupId)) return forVersion(joinError(request.memberId, ErrorCode.GROUP_AUTHORIZATION_FAILED), v);
    const status = groups.statusError();
    if (status !== ErrorCode.NONE) return forVersion(joinError(request.memberId, status), v);
    if (request.groupId === '') return forVersion(joinError(request.memberId, ErrorCode.INVALID_GROUP_ID), v);
    const config = groups.config;
    if (request.sessionTimeoutMs < config.minSessionTimeoutMs || request.sessionTimeoutMs > config.maxSessionTimeoutMs) {
      return forVersion(joinError(request.memberId, ErrorCode.INVALID_SESSION_TIMEOUT), v);
    }
    const notHere = await groups.coordinatorError(request.groupId);
    if (notHere !== ErrorCode.NONE) return forVersion(joinError(request.memberId, notHere), v);
    const req: JoinRequest = {
      groupId: request.groupId,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: v === 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
      memberId: request.memberId,
      groupInstanceId: v >= 5 ? request.groupInstanceId : null,
      protocolType: request.protocolType,
      protocols: distinctProtocols(request.protocols),
      reason: v >= 8 ? request.reason : null,
      apiVersion: v,
      clientId: info.clientId ?? '',
      clientHost: clientHostOf(info.clientAddress),
    };
    const response = await new Promise<JoinGroupResponse>((resolve) => groups.join(req, resolve));
    return forVersion(response, v);
  },
});
