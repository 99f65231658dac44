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
 * becomes `targetIsr`. `uncleanShutdown` are replicas that may not join the ELR.
 */
export function targetElr(prev: PartitionRecord, targetIsr: readonly number[], settings: ElrSettings, uncleanShutdown: readonly number[] = []): ElrState {
  const elr = prev.elr ?? [];
  const lastKnown = prev.lastKnownElr ?? [];
  if (!settings.enabled || targetIsr.length >= settings.minIsr) return { elr: [], lastKnownElr: [] };
  const candidates: number[] = [];
  for (const id of [...elr, ...prev.isr]) if (!candidates.includes(id)) candidates.push(id);
  const nextElr = candidates.filter((id) => !targetIsr.includes(id) && !uncleanShutdown.includes(id));
  for (const id of lastKnown) if (!candidates.includes(id)) candidates.push(id);
  const nextLastKnown = candidates.filter((id) => !targetIsr.includes(id) && !nextElr.includes(id));
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

function byId(a: number, b: number): number {
  return a - b;
}

export function sameMembers(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((id, i) => id === y[i]);
}
