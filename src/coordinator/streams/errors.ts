/**
 * Error codes of the streams rebalance protocol (KIP-1071), from the generated error table,
 * under one name for the streams group code. Requests refused by a streams group throw
 * GroupError (shared with the consumer groups) with one of these or an ordinary code.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';

export { GroupError } from '../group/consumer/errors.js';

export const StreamsErrorCode = {
  /** The topology sent is not valid (a changelog topic with a partition count, a repartition topic nobody writes, ...). */
  STREAMS_INVALID_TOPOLOGY: ErrorCode.STREAMS_INVALID_TOPOLOGY,
  /** The member's topology epoch is not valid for the group's topology. */
  STREAMS_INVALID_TOPOLOGY_EPOCH: ErrorCode.STREAMS_INVALID_TOPOLOGY_EPOCH,
  /** The member's topology was replaced by another. */
  STREAMS_TOPOLOGY_FENCED: ErrorCode.STREAMS_TOPOLOGY_FENCED,
} as const;
