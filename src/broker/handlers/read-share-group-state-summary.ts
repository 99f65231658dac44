// ReadShareGroupStateSummary (key 87), versions 0-1: a share-partition's state and leader
// epochs and start offset, without its batches and without fencing (what describing a share
// group's offsets needs); v1 adds the delivered count (KIP-1226). No state answers epochs 0
// and start offset -1.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { PartitionResult, ReadShareGroupStateSummaryResponse } from '../../protocol/generated/read-share-group-state-summary-response.js';
import { messageOf, servePartitions } from '../share/share-state-requests.js';
import { defineHandler } from './handler.js';

const refused = (partition: number, errorCode: number, errorMessage: string | null): PartitionResult =>
  ({ partition, errorCode, errorMessage, stateEpoch: 0, leaderEpoch: 0, startOffset: -1n, deliveryCompleteCount: -1 });

export const readShareGroupStateSummaryHandler = defineHandler({
  apiKey: ApiKey.ReadShareGroupStateSummary,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, info, broker): Promise<ReadShareGroupStateSummaryResponse> {
    const results = await servePartitions(broker, info, request, refused, async (key, p) => {
      const r = await broker.share.stateTopic.summary(key);
      if (r.errorCode !== ErrorCode.NONE) return refused(p.partition, r.errorCode, messageOf(r.errorCode));
      const s = r.summary;
      return {
        partition: p.partition, errorCode: ErrorCode.NONE, errorMessage: null, stateEpoch: s?.stateEpoch ?? 0, leaderEpoch: s?.leaderEpoch ?? 0,
        startOffset: BigInt(s?.startOffset ?? -1), deliveryCompleteCount: info.apiVersion >= 1 ? (s?.deliveryCompleteCount ?? -1) : -1,
      };
    });
    return { results };
  },
});
