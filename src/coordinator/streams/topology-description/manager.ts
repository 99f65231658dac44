/**
 * KIP-1331 topology descriptions for one coordinator (Kafka 4.4's
 * StreamsGroupTopologyDescriptionManager): whether a heartbeat asks its member for the
 * description, how StreamsGroupDescribe attaches it, and the plugin calls of an update and
 * of the clean-up of empty groups. The group records which topology epoch the plugin holds
 * (StoredDescriptionTopologyEpoch: -1 none, -2 uncertain while a plugin call is under way or
 * was interrupted) and which one it permanently refused (FailedDescriptionTopologyEpoch).
 */
import { ErrorCode } from '../../../protocol/generated/errors.js';
import type { StreamsHeartbeatResponse } from '../heartbeat-types.js';
import { StreamsStatus } from '../configured-topology.js';
import type { StreamsGroup } from '../streams-group.js';
import { TopologyDescriptionBackoff, type Clock } from './backoff.js';
import { descriptionToDescribe, type TopologyDescriptionValue } from './converter.js';
import { PermanentPluginFailure, type TopologyDescriptionPlugin } from './plugin.js';
import type { TopologyDescription } from '../../../protocol/generated/streams-group-describe-response.js';

/** StreamsGroupDescribe's TopologyDescriptionStatus. */
export const enum DescriptionStatus {
  NotRequested = 0,
  NotStored = 1,
  Error = 2,
  Available = 3,
}

export const NO_STORED_EPOCH = -1;
export const UNCERTAIN_EPOCH = -2;

/** What a plugin call came to (PluginOutcome). */
export const enum PluginOutcomeKind {
  Success = 0,
  Permanent = 1,
  Transient = 2,
}

export interface PluginOutcome {
  kind: PluginOutcomeKind;
  message: string | null;
}

const PLUGIN_FAILED = 'Topology description plugin failed.';
const SUCCESS: PluginOutcome = { kind: PluginOutcomeKind.Success, message: null };

export interface AttachedDescription {
  topologyDescription: TopologyDescription | null;
  topologyDescriptionStatus: number;
}

/** StreamsGroup.isReliablyStoredTopologyEpoch. */
export function isReliablyStored(epoch: number): boolean {
  return epoch >= 0;
}

/** The group's topology epoch, or -1 while it has none. */
export function currentTopologyEpoch(group: StreamsGroup): number {
  return group.topology?.epoch ?? -1;
}

export class TopologyDescriptionManager {
  readonly plugin: TopologyDescriptionPlugin | null;
  readonly backoff: TopologyDescriptionBackoff;
  /** A clean-up cycle is running (update.ts). */
  cycleInFlight = false;

  constructor(plugin: TopologyDescriptionPlugin | null, clock: Clock, random: () => number = Math.random) {
    this.plugin = plugin;
    this.backoff = new TopologyDescriptionBackoff(clock, random);
  }

  get configured(): boolean {
    return this.plugin !== null;
  }

  /**
   * Whether a heartbeat's answer asks the member to push the description
   * (maybeSetTopologyDescriptionRequired): from v1, for a member in the group, when the
   * plugin holds neither this topology epoch's description nor refused it, the member is not
   * behind on the topology, and the backoff lets a request go out (which arms it).
   */
  descriptionRequired(group: StreamsGroup | undefined, response: StreamsHeartbeatResponse, apiVersion: number, requestMemberEpoch: number): boolean {
    if (apiVersion < 1 || this.plugin === null || requestMemberEpoch < 0 || group === undefined) return false;
    if (response.errorCode !== ErrorCode.NONE) return false;
    const epoch = currentTopologyEpoch(group);
    if (epoch < 0 || group.storedDescriptionTopologyEpoch === epoch || group.failedDescriptionTopologyEpoch === epoch) return false;
    if (response.status !== null && response.status.some((s) => s.statusCode === StreamsStatus.StaleTopology)) return false;
    return this.backoff.armIfNotActive(group.groupId, epoch);
  }

  /**
   * The description and status StreamsGroupDescribe v1 attaches when asked
   * (attachTopologyDescriptions): NOT_STORED without a plugin, a topology, or a stored
   * description of the group's topology epoch; ERROR when the plugin fails; else AVAILABLE.
   */
  attach(group: StreamsGroup): AttachedDescription {
    const plugin = this.plugin;
    const epoch = currentTopologyEpoch(group);
    if (plugin === null || epoch < 0) return notStored();
    const stored = group.storedDescriptionTopologyEpoch;
    if (!isReliablyStored(stored) || stored !== epoch) return notStored();
    let description: TopologyDescriptionValue | null;
    try {
      description = plugin.getTopology(group.groupId, epoch);
    } catch {
      return { topologyDescription: null, topologyDescriptionStatus: DescriptionStatus.Error };
    }
    if (description === null) return notStored();
    try {
      return { topologyDescription: descriptionToDescribe(description), topologyDescriptionStatus: DescriptionStatus.Available };
    } catch {
      return { topologyDescription: null, topologyDescriptionStatus: DescriptionStatus.Error };
    }
  }

  /** Hands a description to the plugin (invokeSetTopology). */
  setTopology(groupId: string, topologyEpoch: number, description: TopologyDescriptionValue): PluginOutcome {
    if (this.plugin === null) return { kind: PluginOutcomeKind.Permanent, message: PLUGIN_FAILED };
    try {
      this.plugin.setTopology(groupId, topologyEpoch, description);
      return SUCCESS;
    } catch (err) {
      const message = err instanceof Error ? err.message : null;
      if (err instanceof PermanentPluginFailure) return { kind: PluginOutcomeKind.Permanent, message };
      return { kind: PluginOutcomeKind.Transient, message: message ?? 'Plugin failure (no cause).' };
    }
  }

  /** Deletes a group's description; false when the plugin failed (invokeDeleteTopologies). */
  deleteTopology(groupId: string): boolean {
    if (this.plugin === null) return true;
    try {
      this.plugin.deleteTopology(groupId);
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.plugin?.close();
  }
}

function notStored(): AttachedDescription {
  return { topologyDescription: null, topologyDescriptionStatus: DescriptionStatus.NotStored };
}
