// WriteShareGroupState (key 85), versions 0-1: a share-partition leader writes a
// share-partition's start offset and changed in-flight batches to its share coordinator; v1
// adds the delivered count (KIP-1226). Older leader or state epochs are fenced
// (FENCED_LEADER_EPOCH, FENCED_STATE_EPOCH).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { PartitionResult, WriteShareGroupStateResponse } from '../../protocol/generated/write-share-group-state-response.js';
import type { RecordState } from '../../coordinator/share/record-state.js';
import { messageOf, servePartitions } from '../share/share-state-requests.js';
import { defineHandler } from './handler.js';

const result = (partition: number, errorCode: number, errorMessage: string | null): PartitionResult => ({ partition, errorCode, errorMessage });

export const writeShareGroupStateHandler = defineHandler({
  apiKey: ApiKey.WriteShareGroupState,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, info, broker): Promise<WriteShareGroupStateResponse> {
    const results = await servePartitions(broker, info, request, result, async (key, p) => {
      const code = await broker.share.stateTopic.write(key, p.leaderEpoch, {
        stateEpoch: p.stateEpoch,
        startOffset: Number(p.startOffset),
        deliveryCompleteCount: info.apiVersion >= 1 ? p.deliveryCompleteCount : -1,
        batches: p.stateBatches.map((b) => ({ firstOffset: Number(b.firstOffset), lastOffset: Number(b.lastOffset), deliveryState: b.deliveryState as RecordState, deliveryCount: b.deliveryCount })),
      });
      return result(p.partition, code, messageOf(code));
    });
    return { results };
  },
});
