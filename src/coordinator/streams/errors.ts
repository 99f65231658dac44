/**
 * Error codes of the streams rebalance protocol (KIP-1071), as Kafka 4.4's Errors numbers
 * them. The generated error table (Kafka 4.0's specs) does not have them yet; once the specs
 * are 4.4's these equal ErrorCode.STREAMS_*.
 *
 * Requests refused by a streams group throw GroupError (shared with the consumer groups)
 * with one of these or an ordinary code.
 */
export { GroupError } from '../group/consumer/errors.js';

export const StreamsErrorCode = {
  /** The topology sent is not valid (e.g. a changelog topic with a partition count, a repartition topic no one writes). */
  STREAMS_INVALID_TOPOLOGY: 131,
  /** The member's topology epoch is not valid for the group's topology. */
  STREAMS_INVALID_TOPOLOGY_EPOCH: 132,
  /** The member's topology was replaced by another. */
  STREAMS_TOPOLOGY_FENCED: 133,
} as const;
