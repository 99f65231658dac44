/**
 * A share group's ShareGroupStatePartitionMetadata (record type 15) as Kafka's
 * GroupMetadataManager keeps it: which share-partitions have state in __share_group_state
 * (initialized), are getting it (initializing), or are losing it (deleting). Pure functions
 * from one value to the next; the share group manager writes and replays the result.
 *
 * Kafka's coordinator initializes a subscribed topic's state itself (InitializeShareGroupState,
 * through `initializing`). Millrace's share-partition leader creates the state on first use at
 * share.auto.offset.reset, the state Kafka's leader derives from an uninitialized start offset,
 * so a heartbeat records a newly subscribed topic initialized at once; `initializing` is used by
 * AlterShareGroupOffsets, which re-initializes state at a given offset.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { ShareStatePartitions, ShareStateTopic } from './share-group-records.js';

export const EMPTY_STATE: ShareStatePartitions = { initializing: [], initialized: [], deleting: [] };

export interface RefusedTopic {
  topicName: string;
  errorCode: number;
  errorMessage: string | null;
}

/**
 * The value once the subscribed topics' partitions are all covered, or null when they are
 * already (initialized or initializing). A topic being deleted is left alone until its
 * deletion completes, as Kafka does.
 */
export function withSubscribedInitialized(state: ShareStatePartitions | null, subscribed: ReadonlyArray<{ topicId: string; topicName: string; partitionCount: number }>): ShareStatePartitions | null {
  const s = state ?? EMPTY_STATE;
  let initialized = s.initialized;
  for (const t of subscribed) {
    if (s.deleting.some((d) => d.topicId === t.topicId)) continue;
    const covered = (p: number) => has(initialized, t.topicId, p) || has(s.initializing, t.topicId, p);
    const missing = allPartitions(t.partitionCount).filter((p) => !covered(p));
    if (missing.length > 0) initialized = addPartitions(initialized, { topicId: t.topicId, topicName: t.topicName, partitions: missing });
  }
  return initialized === s.initialized ? null : { ...s, initialized };
}

/**
 * DeleteGroups (Kafka's shareGroupBuildPartitionDeleteRequest): every initializing and
 * initialized topic moves to `deleting` and its partitions' state is to be deleted; a topic
 * already deleting is deleted again if the metadata still has it (all its partitions), and
 * dropped if not.
 */
export function deleteAllState(state: ShareStatePartitions, partitionCountOf: (topicId: string) => number | undefined): { value: ShareStatePartitions; topics: ShareStateTopic[] } {
  let topics: ShareStateTopic[] = [];
  for (const t of state.initializing) topics = addPartitions(topics, t);
  for (const t of state.initialized) topics = addPartitions(topics, t);
  for (const d of state.deleting) {
    if (topics.some((t) => t.topicId === d.topicId)) continue;
    const n = partitionCountOf(d.topicId);
    if (n !== undefined) topics.push({ topicId: d.topicId, topicName: d.topicName, partitions: allPartitions(n) });
  }
  return { value: { initializing: [], initialized: [], deleting: topics.map((t) => ({ topicId: t.topicId, topicName: t.topicName })) }, topics };
}

/**
 * DeleteShareGroupOffsets (Kafka's sharePartitionsEligibleForOffsetDeletion): each named
 * topic with initialized partitions moves to `deleting` and those partitions' state is to be
 * deleted; one already deleting is deleted again (all its partitions); one the metadata lacks
 * is refused UNKNOWN_TOPIC_OR_PARTITION, and so is one without initialized state ("There is no
 * offset information to delete."). `value` is null when nothing is to be deleted.
 */
export function deleteTopicsState(
  state: ShareStatePartitions,
  topicNames: readonly string[],
  lookup: (name: string) => { topicId: string; partitionCount: number } | undefined,
): { value: ShareStatePartitions | null; topics: ShareStateTopic[]; refused: RefusedTopic[] } {
  const refused: RefusedTopic[] = [];
  const topics: ShareStateTopic[] = [];
  const initialized = [...state.initialized];
  const deleting = [...state.deleting];
  for (const topicName of topicNames) {
    const meta = lookup(topicName);
    if (meta === undefined) {
      refused.push({ topicName, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null });
      continue;
    }
    const i = initialized.findIndex((t) => t.topicId === meta.topicId);
    if (i >= 0) {
      topics.push({ topicId: meta.topicId, topicName, partitions: [...initialized[i]!.partitions] });
      initialized.splice(i, 1);
      if (!deleting.some((d) => d.topicId === meta.topicId)) deleting.push({ topicId: meta.topicId, topicName });
    } else if (deleting.some((d) => d.topicId === meta.topicId)) {
      topics.push({ topicId: meta.topicId, topicName, partitions: allPartitions(meta.partitionCount) });
    } else {
      refused.push({ topicName, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'There is no offset information to delete.' });
    }
  }
  return { value: topics.length === 0 ? null : { initializing: state.initializing, initialized, deleting }, topics, refused };
}

/**
 * AlterShareGroupOffsets: the partitions about to be re-initialized at new start offsets are
 * `initializing`; once the persister has them (`done`), initialized, and the topic no longer deleting.
 */
export function markPartitions(state: ShareStatePartitions, topic: ShareStateTopic, done: boolean): ShareStatePartitions {
  if (!done) return { ...state, initializing: addPartitions(state.initializing, topic) };
  return {
    initializing: removePartitions(state.initializing, topic),
    initialized: addPartitions(state.initialized, topic),
    deleting: state.deleting.filter((d) => d.topicId !== topic.topicId),
  };
}

/**
 * A deleted topic leaves all three sets (Kafka's maybeCleanupShareGroupState; the share
 * coordinator deletes its state itself). Null when the value does not name it.
 */
export function withoutTopic(state: ShareStatePartitions, topicName: string): ShareStatePartitions | null {
  const keep = (t: { topicName: string }) => t.topicName !== topicName;
  const next = { initializing: state.initializing.filter(keep), initialized: state.initialized.filter(keep), deleting: state.deleting.filter(keep) };
  const same = next.initializing.length === state.initializing.length && next.initialized.length === state.initialized.length && next.deleting.length === state.deleting.length;
  return same ? null : next;
}

function has(topics: readonly ShareStateTopic[], topicId: string, partition: number): boolean {
  return topics.some((t) => t.topicId === topicId && t.partitions.includes(partition));
}

export function allPartitions(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** `topics` with `add`'s partitions added, sorted (a new list; changed entries copied). */
export function addPartitions(topics: readonly ShareStateTopic[], add: ShareStateTopic): ShareStateTopic[] {
  const merge = (t: ShareStateTopic) => ({ ...t, partitions: [...new Set([...t.partitions, ...add.partitions])].sort((a, b) => a - b) });
  const out = topics.map((t) => (t.topicId === add.topicId ? merge(t) : t));
  if (!topics.some((t) => t.topicId === add.topicId)) out.push({ topicId: add.topicId, topicName: add.topicName, partitions: [...add.partitions].sort((a, b) => a - b) });
  return out;
}

/** `topics` without `remove`'s partitions; a topic left with none is dropped. */
export function removePartitions(topics: readonly ShareStateTopic[], remove: ShareStateTopic): ShareStateTopic[] {
  const out: ShareStateTopic[] = [];
  for (const t of topics) {
    if (t.topicId !== remove.topicId) {
      out.push(t);
      continue;
    }
    const partitions = t.partitions.filter((p) => !remove.partitions.includes(p));
    if (partitions.length > 0) out.push({ ...t, partitions });
  }
  return out;
}
