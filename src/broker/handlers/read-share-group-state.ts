// ReadShareGroupState (key 84), version 0: a share-partition leader reads a share-partition's
// state from its share coordinator (this broker, when it leads the state's partition of
// __share_group_state). No state answers state epoch 0 and start offset -1, as Kafka does for
// an uninitialized share-partition.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { PartitionResult, ReadShareGroupStateResponse } from '../../protocol/generated/read-share-group-state-response.js';
import { messageOf, servePartitions } from '../share/share-state-requests.js';
import { defineHandler } from './handler.js';

const refused = (partition: number, errorCode: number, errorMessage: string | null): PartitionResult =>
  ({ partition, errorCode, errorMessage, stateEpoch: 0, startOffset: -1n, stateBatches: [] });

export const readShareGroupStateHandler = defineHandler({
  apiKey: ApiKey.ReadShareGroupState,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, info, broker): Promise<ReadShareGroupStateResponse> {
    const results = await servePartitions(broker, info, request, refused, async (key, p) => {
      const r = await broker.share.stateTopic.read(key, p.leaderEpoch);
      if (r.errorCode !== ErrorCode.NONE) return refused(p.partition, r.errorCode, messageOf(r.errorCode));
      const s = r.state;
      return {
        partition: p.partition, errorCode: ErrorCode.NONE, errorMessage: null, stateEpoch: s?.stateEpoch ?? 0, startOffset: BigInt(s?.startOffset ?? -1),
        stateBatches: (s?.batches ?? []).map((b) => ({ firstOffset: BigInt(b.firstOffset), lastOffset: BigInt(b.lastOffset), deliveryState: b.deliveryState, deliveryCount: b.deliveryCount })),
      };
    });
    return { results };
  },
});
