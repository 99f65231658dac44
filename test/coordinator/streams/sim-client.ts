/**
 * A streams group member that heartbeats like Kafka Streams' StreamsGroupHeartbeatRequestManager:
 * it joins with its topology, reports the tasks it holds on every heartbeat, and takes the
 * tasks a response gives it as what it holds from then on (dropping the rest at once).
 */
import assert from 'node:assert/strict';
import type { StreamsHeartbeatResponse } from '../../../src/coordinator/streams/heartbeat-types.js';
import type { WireTaskIds } from '../../../src/coordinator/streams/tasks.js';
import type { WireTopology } from '../../../src/coordinator/streams/topology.js';
import type { StreamsHarness } from './streams-helpers.js';

export class SimStreamsMember {
  readonly h: StreamsHarness;
  readonly groupId: string;
  memberId: string;
  readonly processId: string;
  readonly topology: WireTopology;
  instanceId: string | null;
  endpoint: { host: string; port: number } | null;
  epoch = 0;
  active: WireTaskIds[] = [];
  standby: WireTaskIds[] = [];
  warmup: WireTaskIds[] = [];
  endpointEpoch = 0;
  last: StreamsHeartbeatResponse | null = null;

  constructor(h: StreamsHarness, groupId: string, memberId: string, processId: string, topology: WireTopology, opts: { instanceId?: string; endpoint?: { host: string; port: number } } = {}) {
    this.h = h;
    this.groupId = groupId;
    this.memberId = memberId;
    this.processId = processId;
    this.topology = topology;
    this.instanceId = opts.instanceId ?? null;
    this.endpoint = opts.endpoint ?? null;
  }

  /** One heartbeat; throws on an error response unless `allowError`. */
  heartbeat(allowError = false): StreamsHeartbeatResponse {
    const joining = this.epoch === 0;
    const r = this.h.hb({
      groupId: this.groupId, memberId: this.memberId, memberEpoch: this.epoch, instanceId: this.instanceId, endpointInformationEpoch: this.endpointEpoch,
      rebalanceTimeoutMs: joining ? 30_000 : -1, topology: joining ? this.topology : null, processId: joining ? this.processId : null,
      userEndpoint: joining ? this.endpoint : null, clientTags: joining ? [] : null,
      activeTasks: this.active, standbyTasks: this.standby, warmupTasks: this.warmup,
    });
    this.last = r;
    if (r.errorCode !== 0) {
      if (!allowError) assert.fail(`heartbeat of ${this.memberId} failed: ${r.errorCode} ${r.errorMessage}`);
      return r;
    }
    this.epoch = r.memberEpoch;
    if (r.activeTasks !== null) this.active = r.activeTasks;
    if (r.standbyTasks !== null) this.standby = r.standbyTasks;
    if (r.warmupTasks !== null) this.warmup = r.warmupTasks;
    this.endpointEpoch = r.endpointInformationEpoch;
    return r;
  }

  leave(epoch = -1): StreamsHeartbeatResponse {
    const r = this.h.hb({ groupId: this.groupId, memberId: this.memberId, memberEpoch: epoch, instanceId: this.instanceId });
    this.epoch = 0;
    this.active = [];
    this.standby = [];
    this.warmup = [];
    return r;
  }

  activeTasks(): string[] {
    return this.active.flatMap((t) => t.partitions.map((p) => `${t.subtopologyId}_${p}`)).sort();
  }

  standbyTasks(): string[] {
    return this.standby.flatMap((t) => t.partitions.map((p) => `${t.subtopologyId}_${p}`)).sort();
  }
}

/** Heartbeats every member in turn until a round changes nothing (at most `rounds`). */
export function settle(members: SimStreamsMember[], rounds = 10): void {
  for (let i = 0; i < rounds; i++) {
    const before = members.map((m) => `${m.epoch}:${m.activeTasks()}:${m.standbyTasks()}`).join('|');
    for (const m of members) m.heartbeat();
    const after = members.map((m) => `${m.epoch}:${m.activeTasks()}:${m.standbyTasks()}`).join('|');
    if (before === after) return;
  }
}
