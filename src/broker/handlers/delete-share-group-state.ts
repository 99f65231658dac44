// DeleteShareGroupState (key 86), version 0: a share-partition's state is deleted
// (DeleteShareGroupOffsets, a deleted share group).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { DeleteShareGroupStateResponse, PartitionResult } from '../../protocol/generated/delete-share-group-state-response.js';
import { messageOf, servePartitions } from '../share/share-state-requests.js';
import { defineHandler } from './handler.js';

const result = (partition: number, errorCode: number, errorMessage: string | null): PartitionResult => ({ partition, errorCode, errorMessage });

export const deleteShareGroupStateHandler = defineHandler({
  apiKey: ApiKey.DeleteShareGroupState,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, info, broker): Promise<DeleteShareGroupStateResponse> {
    const results = await servePartitions(broker, info, request, result, async (key, p) => {
      const code = await broker.share.stateTopic.delete(key);
      return result(p.partition, code, messageOf(code));
    });
    return { results };
  },
});
