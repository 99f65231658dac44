/**
 * Fetching from the closest replica (KIP-392): `replica.selector.class` names the plugin a
 * leader asks which replica a consumer should read from. Kafka loads the class by name;
 * Millrace knows the one Kafka ships, `RackAwareReplicaSelector`, and refuses any other name at
 * start-up as Kafka does (its ReplicaManager fails with ClassNotFoundException). Unset, the
 * leader serves every consumer itself.
 *
 * The candidates are Kafka's (ReplicaManager.findPreferredReadReplica): the leader, and the
 * followers in the ISR whose log covers the fetch offset; the leader answers with the chosen
 * replica's id only when it is not the leader itself.
 */

import type { BrokerEndpoint } from '../metadata.js';
import type { LeaderState } from './leader-state.js';

export const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

/** One candidate replica (Kafka's ReplicaView). */
export interface ReplicaView {
  readonly nodeId: number;
  /** `broker.rack` of its broker; null when unset or the broker is not registered. */
  readonly rack: string | null;
  readonly logEndOffset: number;
  readonly timeSinceLastCaughtUpMs: number;
}

/** Picks the replica a consumer in `clientRack` reads from; `leader` is also in `replicas`. */
export type ReplicaSelector = (clientRack: string, replicas: readonly ReplicaView[], leader: ReplicaView) => ReplicaView;

/**
 * Kafka's RackAwareReplicaSelector: with a rack given, the leader when it is in that rack or
 * no replica is, else the most caught-up replica of the rack (highest log end offset, then
 * the most recently caught up, then the highest broker id, as ReplicaView.comparator orders
 * them); without a rack, the leader.
 */
export const rackAwareReplicaSelector: ReplicaSelector = (clientRack, replicas, leader) => {
  if (clientRack === '') return leader;
  let best: ReplicaView | null = null;
  for (const r of replicas) {
    if (r.rack !== clientRack) continue;
    if (r === leader) return leader;
    if (best === null || compareReplicaViews(r, best) > 0) best = r;
  }
  return best ?? leader;
};

/** ReplicaView.comparator: log end offset, then less time since caught up, then node id. */
function compareReplicaViews(a: ReplicaView, b: ReplicaView): number {
  if (a.logEndOffset !== b.logEndOffset) return a.logEndOffset - b.logEndOffset;
  if (a.timeSinceLastCaughtUpMs !== b.timeSinceLastCaughtUpMs) return b.timeSinceLastCaughtUpMs - a.timeSinceLastCaughtUpMs;
  return a.nodeId - b.nodeId;
}

/**
 * The selector `replica.selector.class` names; null when unset. Throws for a class Millrace
 * does not have, with the message of Kafka's failed start-up.
 */
export function replicaSelectorFor(className: string | null): ReplicaSelector | null {
  if (className === null) return null;
  if (className.trim() === RACK_AWARE_REPLICA_SELECTOR) return rackAwareReplicaSelector;
  throw new Error(
    `replica.selector.class: class ${className.trim()} cannot be found (Millrace provides ${RACK_AWARE_REPLICA_SELECTOR} only; Kafka fails to start with ClassNotFoundException here)`,
  );
}

/**
 * ReplicaManager.findPreferredReadReplica on a leader: the candidates are the leader and the
 * followers of the committed ISR whose log (as of their last fetch) covers `fetchOffset` and
 * whose broker is registered; the selector's choice, or -1 when it is the leader.
 */
export function preferredReadReplica(
  selector: ReplicaSelector,
  ls: LeaderState,
  leader: { rack: string | null; logEndOffset: number },
  brokers: readonly BrokerEndpoint[],
  clientRack: string,
  fetchOffset: number,
  nowMs: number,
): number {
  // RackAwareReplicaSelector keeps a consumer without a rack on the leader: no candidates needed.
  if (clientRack === '' && selector === rackAwareReplicaSelector) return -1;
  const leaderView: ReplicaView = { nodeId: ls.nodeId, rack: leader.rack, logEndOffset: leader.logEndOffset, timeSinceLastCaughtUpMs: 0 };
  const views: ReplicaView[] = [leaderView];
  for (const r of ls.followers.values()) {
    if (!ls.isr.includes(r.brokerId) || r.logEndOffset < fetchOffset || r.logStartOffset > fetchOffset) continue;
    const rack = rackOf(brokers, r.brokerId);
    if (rack === undefined) continue; // not registered: no endpoint to send the consumer to
    views.push({ nodeId: r.brokerId, rack, logEndOffset: r.logEndOffset, timeSinceLastCaughtUpMs: nowMs - r.lastCaughtUpTimeMs });
  }
  const selected = selector(clientRack, views, leaderView);
  return selected === leaderView ? -1 : selected.nodeId;
}

/** The rack of a registered broker (null: none set); undefined when it is not registered. */
function rackOf(brokers: readonly BrokerEndpoint[], nodeId: number): string | null | undefined {
  for (const b of brokers) if (b.nodeId === nodeId) return b.rack;
  return undefined;
}
