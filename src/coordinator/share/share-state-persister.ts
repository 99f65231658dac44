/**
 * What a share-partition leader needs to keep its share-partitions' state durable (Kafka's
 * Persister, behind the Initialize/Read/Write/DeleteShareGroupState RPCs): every call answers
 * with a Kafka error code. ShareStateTopic implements it on __share_group_state.
 */
import type { PersistedShareState } from './record-state.js';
import type { SharePartitionKey } from './share-state-records.js';

export interface ShareStateRead {
  errorCode: number;
  /** null when the share-partition has no state (never initialized, or deleted). */
  state: PersistedShareState | null;
}

export interface ShareStatePersister {
  /**
   * Creates (or re-creates, with a higher state epoch) the state of a share-partition at
   * `startOffset` with nothing in flight: what the group coordinator does when a share group
   * starts consuming a topic, and AlterShareGroupOffsets. FENCED_STATE_EPOCH for a state epoch
   * below the stored one.
   */
  initialize(key: SharePartitionKey, stateEpoch: number, startOffset: number): Promise<number>;
  /** Reads the state as a new share-partition leader; FENCED_LEADER_EPOCH when a newer leader wrote it. */
  read(key: SharePartitionKey, leaderEpoch: number): Promise<ShareStateRead>;
  /**
   * Records the share-partition's start offset and the in-flight batches that changed
   * (the store merges them over what it has, newer over older, and drops what lies before the
   * start offset). FENCED_LEADER_EPOCH / FENCED_STATE_EPOCH when an older leader or state writes.
   */
  write(key: SharePartitionKey, leaderEpoch: number, state: PersistedShareState): Promise<number>;
  /** Forgets the share-partition (DeleteShareGroupOffsets, a deleted group or topic). */
  delete(key: SharePartitionKey): Promise<number>;
}
