// InitializeShareGroupState (key 83), version 0: a share-partition's state is created, or
// created again at a higher state epoch (AlterShareGroupOffsets), at a start offset with
// nothing in flight; a lower state epoch is fenced (FENCED_STATE_EPOCH).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { InitializeShareGroupStateResponse, PartitionResult } from '../../protocol/generated/initialize-share-group-state-response.js';
import { messageOf, servePartitions } from '../share/share-state-requests.js';
import { defineHandler } from './handler.js';

const result = (partition: number, errorCode: number, errorMessage: string | null): PartitionResult => ({ partition, errorCode, errorMessage });

export const initializeShareGroupStateHandler = defineHandler({
  apiKey: ApiKey.InitializeShareGroupState,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, info, broker): Promise<InitializeShareGroupStateResponse> {
    const results = await servePartitions(broker, info, request, result, async (key, p) => {
      const code = await broker.share.stateTopic.initialize(key, p.stateEpoch, Number(p.startOffset));
      return result(p.partition, code, messageOf(code));
    });
    return { results };
  },
});
