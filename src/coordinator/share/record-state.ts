/**
 * The vocabulary of share-partition state (KIP-932), with Kafka's wire ids: the delivery
 * state of an in-flight record (Kafka's RecordState, whose ids the __share_group_state records
 * and the Read/WriteShareGroupState RPCs carry), the acknowledgement types of ShareFetch and
 * ShareAcknowledge (AcknowledgeType, plus 0 for a gap in the log; 4 is KIP-1222's renew), and
 * ShareFetch's acquire mode (KIP-1206).
 */

export const enum RecordState {
  Available = 0,
  Acquired = 1,
  Acknowledged = 2,
  /** While a record is written to the group's dead-letter queue (KIP-1191); ARCHIVED once that write ends. */
  Archiving = 3,
  Archived = 4,
}

export const enum AcknowledgeType {
  /** The offset has no record (compaction, a control batch): archived. */
  Gap = 0,
  Accept = 1,
  Release = 2,
  Reject = 3,
  /** Keeps the records acquired and restarts their lock (KIP-1222). */
  Renew = 4,
}

export const enum ShareAcquireMode {
  /** May exceed the record limit to finish the log batch that reaches it. */
  BatchOptimized = 0,
  /** Acquires at most the record limit, splitting a log batch if need be. */
  RecordLimit = 1,
}

/** Whether a record's delivery is over: the share-partition start offset may move past it. */
export function isTerminal(state: RecordState): boolean {
  return state === RecordState.Acknowledged || state === RecordState.Archived;
}

/** A run of offsets with one delivery state and count, as persisted (KIP-932's StateBatch). */
export interface PersisterStateBatch {
  firstOffset: number;
  lastOffset: number;
  deliveryState: RecordState;
  deliveryCount: number;
}

/** What the persister keeps of one share-partition. */
export interface PersistedShareState {
  /** Bumped when the state is re-initialized (AlterShareGroupOffsets, a reset). */
  stateEpoch: number;
  /** The share-partition start offset; -1 while uninitialized (the reset policy decides it). */
  startOffset: number;
  /** Offsets at or past the start offset whose delivery is complete (KIP-1226); -1 when unknown. */
  deliveryCompleteCount: number;
  batches: PersisterStateBatch[];
}
