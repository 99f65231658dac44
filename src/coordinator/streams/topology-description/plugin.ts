/**
 * The topology description plugin (KIP-1331's StreamsGroupTopologyDescriptionPlugin), chosen
 * by group.streams.topology.description.plugin.class. Kafka loads any class; Millrace serves
 * Kafka's own InMemoryTopologyDescriptionPlugin natively and refuses every other name at
 * start-up, as Kafka does a class it cannot find. Unset: the feature is off.
 */
import type { TopologyDescriptionValue } from './converter.js';

export const TOPOLOGY_DESCRIPTION_PLUGIN_CONFIG = 'group.streams.topology.description.plugin.class';
export const IN_MEMORY_PLUGIN_CLASS = 'org.apache.kafka.server.streams.InMemoryTopologyDescriptionPlugin';

/** A plugin's refusal that retrying will not change (StreamsTopologyDescriptionPermanentFailureException). */
export class PermanentPluginFailure extends Error {}

export interface TopologyDescriptionPlugin {
  /** Stores the group's description for a topology epoch; throws on failure. */
  setTopology(groupId: string, topologyEpoch: number, description: TopologyDescriptionValue): void;
  /** The description stored for exactly this epoch, or null. */
  getTopology(groupId: string, topologyEpoch: number): TopologyDescriptionValue | null;
  deleteTopology(groupId: string): void;
  close(): void;
}

/** Kafka's InMemoryTopologyDescriptionPlugin: one description per group, lost with the broker. */
export class InMemoryTopologyDescriptionPlugin implements TopologyDescriptionPlugin {
  private readonly store = new Map<string, { topologyEpoch: number; description: TopologyDescriptionValue }>();

  setTopology(groupId: string, topologyEpoch: number, description: TopologyDescriptionValue): void {
    this.store.set(groupId, { topologyEpoch, description });
  }

  getTopology(groupId: string, topologyEpoch: number): TopologyDescriptionValue | null {
    const e = this.store.get(groupId);
    return e === undefined || e.topologyEpoch !== topologyEpoch ? null : e.description;
  }

  deleteTopology(groupId: string): void {
    this.store.delete(groupId);
  }

  close(): void {
    this.store.clear();
  }
}

/** The config's check: unset, empty, or the in-memory plugin; else Kafka's message for a class it cannot load. */
export function pluginClassError(value: string | null): string | null {
  const v = value === null ? '' : value.trim();
  return v === '' || v === IN_MEMORY_PLUGIN_CLASS ? null : `Class ${v} could not be found.`;
}

export function createTopologyDescriptionPlugin(value: string | null): TopologyDescriptionPlugin | null {
  const v = value === null ? '' : value.trim();
  if (v === '') return null;
  const error = pluginClassError(v);
  if (error !== null) throw new Error(`Invalid value ${v} for configuration ${TOPOLOGY_DESCRIPTION_PLUGIN_CONFIG}: ${error}`);
  return new InMemoryTopologyDescriptionPlugin();
}
