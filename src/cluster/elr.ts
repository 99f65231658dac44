/**
 * Eligible Leader Replicas (KIP-966), as Kafka 4.4's PartitionChangeBuilder keeps them when
 * `eligible.leader.replicas.version` is 1: while a partition's ISR is below its effective
 * min.insync.replicas, replicas that leave the ISR join the ELR (they hold every committed
 * record, so they may still lead cleanly), and the ISR may go empty. ELR members back in the
 * ISR leave the ELR; the ELR and LastKnownELR are cleared once the ISR is at or above the min
 * ISR, after an unclean election, when min.insync.replicas changes (elr-config.ts), and by a
 * partition's change while the feature is off (until then a stored ELR member may still lead,
 * as in Kafka). LastKnownELR keeps the
 * replicas that were ISR or ELR members while the ISR was below the min ISR and are neither
 * now, so an operator knows who last held the data when ISR and ELR are both empty.
 */
import type { PartitionRecord } from './cluster-keys.js';
import { ELIGIBLE_LEADER_REPLICAS_VERSION, featureLevel, type FinalizedFeatures } from './features.js';
import type { MetadataImage } from './metadata-image.js';


/** How a partition change treats the ELR: off, or on with the topic's effective min ISR. */
export interface ElrSettings {
  readonly enabled: boolean;
  readonly minIsr: number;
}

export const ELR_OFF: ElrSettings = { enabled: false, minIsr: 1 };

export function elrEnabled(features: FinalizedFeatures): boolean {
  return featureLevel(features, ELIGIBLE_LEADER_REPLICAS_VERSION) >= 1;
}

/**
 * ReplicationControlManager.getTopicEffectiveMinIsr: the topic's min.insync.replicas (its own,
 * else the cluster-wide dynamic one, else the broker's static default), capped at the
 * replication factor.
 */
export function topicEffectiveMinIsr(image: MetadataImage, topic: string, staticDefault: number, replicationFactor: number): number {
  const raw = image.topicConfigs.get(topic)?.['min.insync.replicas'] ?? image.brokerConfigs.get('')?.['min.insync.replicas'];
  const parsed = raw === undefined ? staticDefault : Number.parseInt(raw, 10);
  const minIsr = Number.isFinite(parsed) && parsed >= 1 ? parsed : staticDefault;
  return Math.min(minIsr, replicationFactor);
}

/** The ELR settings of a topic's partitions as the image has them. */
export function elrSettingsFor(image: MetadataImage, topic: string, staticMinIsr: number, replicationFactor: number): ElrSettings {
  if (!elrEnabled(image.features)) return ELR_OFF;
  return { enabled: true, minIsr: topicEffectiveMinIsr(image, topic, staticMinIsr, replicationFactor) };
}

export interface ElrState {
  elr: number[];
  lastKnownElr: number[];
}

/**
 * PartitionChangeBuilder.maybePopulateTargetElr: the ELR and LastKnownELR once `prev`'s ISR
 * becomes `targetIsr`. `uncleanShutdown` are replicas that shut down uncleanly (KIP-966): they
 * may have lost records, so they leave the ELR and the LastKnownELR.
 */
export function targetElr(prev: PartitionRecord, targetIsr: readonly number[], settings: ElrSettings, uncleanShutdown: readonly number[] = []): ElrState {
  const elr = prev.elr ?? [];
  const lastKnown = prev.lastKnownElr ?? [];
  if (!settings.enabled || targetIsr.length >= settings.minIsr) return { elr: [], lastKnownElr: [] };
  const candidates: number[] = [];
  for (const id of [...elr, ...prev.isr]) if (!candidates.includes(id)) candidates.push(id);
  const nextElr = candidates.filter((id) => !targetIsr.includes(id) && !uncleanShutdown.includes(id));
  for (const id of lastKnown) if (!candidates.includes(id)) candidates.push(id);
  const nextLastKnown = candidates.filter((id) => !targetIsr.includes(id) && !nextElr.includes(id) && !uncleanShutdown.includes(id));
  // Kafka collects both from a HashSet of broker ids, which lists small ids in ascending order.
  return { elr: nextElr.sort(byId), lastKnownElr: nextLastKnown.sort(byId) };
}

/**
 * The record with the ELR fields set (absent when empty, so partitions of a cluster without
 * ELR keep the shape they had).
 */
export function withElr(p: PartitionRecord, state: ElrState): PartitionRecord {
  const out: PartitionRecord = { ...p };
  delete out.elr;
  delete out.lastKnownElr;
  if (state.elr.length > 0) out.elr = state.elr;
  if (state.lastKnownElr.length > 0) out.lastKnownElr = state.lastKnownElr;
  return out;
}

/**
 * The registered brokers whose registration says they shut down uncleanly and whose removal
 * from the ELRs the controller has not finished (BrokerRecord.uncleanShutdown).
 */
export function uncleanlyShutDown(image: MetadataImage): number[] {
  const out: number[] = [];
  for (const b of image.brokers.values()) if (b.record.uncleanShutdown === true) out.push(b.record.nodeId);
  return out;
}

/**
 * ReplicationControlManager.handleBrokerUncleanShutdown's change to one partition: the record
 * without the `unclean` brokers in its ELR and LastKnownELR; `p` itself when none is there.
 */
export function withoutUncleanReplicas(p: PartitionRecord, unclean: readonly number[]): PartitionRecord {
  if (unclean.length === 0) return p;
  const holds = (ids: readonly number[] | undefined): boolean => (ids ?? []).some((id) => unclean.includes(id));
  if (!holds(p.elr) && !holds(p.lastKnownElr)) return p;
  const keep = (ids: readonly number[] | undefined): number[] => (ids ?? []).filter((id) => !unclean.includes(id));
  return withElr(p, { elr: keep(p.elr), lastKnownElr: keep(p.lastKnownElr) });
}

/** Whether any partition still holds `nodeId` in its ELR or LastKnownELR. */
export function heldInAnyElr(image: MetadataImage, nodeId: number): boolean {
  for (const parts of image.partitionRecords.values()) {
    for (const p of parts.values()) if ((p.record.elr ?? []).includes(nodeId) || (p.record.lastKnownElr ?? []).includes(nodeId)) return true;
  }
  return false;
}

function byId(a: number, b: number): number {
  return a - b;
}

export function sameMembers(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((id, i) => id === y[i]);
}
