// DeleteGroups (key 42), versions 0-2. v1 changes only throttling; v2 is the first flexible
// version. Each distinct group is answered: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP (members
// remain), or deleted — its offsets and metadata get tombstones in __consumer_offsets, and
// the answer waits until they are committed.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { defineHandler } from './handler.js';

export const deleteGroupsHandler = defineHandler({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, _info, broker) {
    const groups = broker.groups;
    const status = groups.statusError();
    if (status !== ErrorCode.NONE) {
      return { throttleTimeMs: 0, results: [...new Set(request.groupsNames)].map((groupId) => ({ groupId, errorCode: status })) };
    }
    return { throttleTimeMs: 0, results: await groups.deleteGroups(request.groupsNames) };
  },
});
