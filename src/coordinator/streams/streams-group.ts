/**
 * A streams group's state (Kafka's StreamsGroup): the group epoch (bumped whenever what the
 * assignment depends on changes: members, their processes, the topology, the topics), the
 * topology and how it is configured against the topics that exist, the target assignment
 * and the epoch it was computed for, the members with what they hold, and who holds each
 * task, so that reconciliation gives a task only once its previous holder has let it go.
 *
 * The persisted state changes only by replaying records (streams-replay.ts); the configured
 * topology, the members' reported task offsets, a pending shutdown request and the endpoint
 * information epoch live in memory only, as in Kafka.
 *
 *   Empty ──member joins──▶ NotReady (topology not configured: topics missing)
 *                              │ topics ready
 *                              ▼
 *                           Assigning (group epoch > target epoch) ──▶ Reconciling ──▶ Stable
 */
import type { ConfiguredTopology } from './configured-topology.js';
import { isReady } from './configured-topology.js';
import type { TaskOwnership } from './current-assignment-builder.js';
import type { StreamsMember } from './streams-member.js';
import { emptyTuple, type TasksTuple } from './tasks.js';
import type { StreamsTopology } from './topology.js';

export const enum StreamsGroupState {
  Empty = 0,
  NotReady = 1,
  Assigning = 2,
  Reconciling = 3,
  Stable = 4,
  Dead = 5,
}

/** State names as Kafka writes them (StreamsGroupState.toString). */
const STATE_NAMES: readonly string[] = ['Empty', 'NotReady', 'Assigning', 'Reconciling', 'Stable', 'Dead'];

export const STREAMS_GROUP_TYPE = 'streams';

function key(subtopologyId: string, partition: number): string {
  return `${partition}\u0000${subtopologyId}`;
}

export class StreamsGroup implements TaskOwnership {
  readonly groupId: string;
  groupEpoch = 0;
  metadataHash = 0n;
  validatedTopologyEpoch = -1;
  /** KIP-1331: the topology epoch whose description the plugin holds; -1 none, -2 uncertain (an interrupted plugin call). */
  storedDescriptionTopologyEpoch = -1;
  /** KIP-1331: the topology epoch whose description the plugin permanently rejected, or -1. */
  failedDescriptionTopologyEpoch = -1;
  assignmentEpoch = 0;
  /** When the target assignment was computed (ms), for the assignment interval; 0 when never. */
  assignmentTimestamp = 0;
  state = StreamsGroupState.Empty;
  topology: StreamsTopology | null = null;
  /** The topology as configured against the current topics (memory only; recomputed when they change). */
  configuredTopology: ConfiguredTopology | null = null;
  readonly members = new Map<string, StreamsMember>();
  /** instance id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** member id → target tasks. */
  readonly targetAssignment = new Map<string, TasksTuple>();
  /** Memory only: per member, the changelog offset sums it last reported (subtopology → partition → offset). */
  readonly taskOffsets = new Map<string, Map<string, Map<number, number>>>();
  /** Memory only: per member, the changelog end offset sums it last reported. */
  readonly taskEndOffsets = new Map<string, Map<string, Map<number, number>>>();
  /** Memory only: the member that asked the application to shut down, until the group empties. */
  shutdownRequestMemberId: string | null = null;
  /** Memory only: bumped when what interactive queries see (endpoints and their tasks) changes. */
  endpointInformationEpoch = 0;
  /** task → process id of the member running it. */
  private readonly activeOwners = new Map<string, string>();
  /** task → process id → how many members of the process hold it as a standby / warm-up. */
  private readonly standbyHolders = new Map<string, Map<string, number>>();
  private readonly warmupHolders = new Map<string, Map<string, number>>();

  constructor(groupId: string) {
    this.groupId = groupId;
  }

  get stateName(): string {
    return STATE_NAMES[this.state]!;
  }

  get size(): number {
    return this.members.size;
  }

  get isEmpty(): boolean {
    return this.members.size === 0;
  }

  staticMember(instanceId: string): StreamsMember | undefined {
    const memberId = this.staticMembers.get(instanceId);
    return memberId === undefined ? undefined : this.members.get(memberId);
  }

  targetOf(memberId: string): TasksTuple {
    return this.targetAssignment.get(memberId) ?? emptyTuple();
  }

  // ---- TaskOwnership ------------------------------------------------------------------------

  activeProcess(subtopologyId: string, partition: number): string | null {
    return this.activeOwners.get(key(subtopologyId, partition)) ?? null;
  }

  standbyOnProcess(subtopologyId: string, partition: number, processId: string): boolean {
    return (this.standbyHolders.get(key(subtopologyId, partition))?.get(processId) ?? 0) > 0;
  }

  warmupOnProcess(subtopologyId: string, partition: number, processId: string): boolean {
    return (this.warmupHolders.get(key(subtopologyId, partition))?.get(processId) ?? 0) > 0;
  }

  // ---- members ------------------------------------------------------------------------------

  /** Adds or replaces a member, keeping the static member index and task ownership in step. */
  putMember(member: StreamsMember): void {
    const old = this.members.get(member.memberId);
    if (old !== undefined) {
      this.release(old);
      if (old.instanceId !== null && old.instanceId !== member.instanceId && this.staticMembers.get(old.instanceId) === old.memberId) {
        this.staticMembers.delete(old.instanceId);
      }
    }
    this.members.set(member.memberId, member);
    if (member.instanceId !== null) this.staticMembers.set(member.instanceId, member.memberId);
    this.hold(member);
  }

  removeMember(memberId: string): void {
    const old = this.members.get(memberId);
    if (old === undefined) return;
    this.release(old);
    this.members.delete(memberId);
    this.taskOffsets.delete(memberId);
    this.taskEndOffsets.delete(memberId);
    if (old.instanceId !== null && this.staticMembers.get(old.instanceId) === memberId) this.staticMembers.delete(old.instanceId);
  }

  private hold(m: StreamsMember): void {
    for (const held of [m.assignedTasks, m.tasksPendingRevocation]) {
      for (const [s, ps] of held.active) for (const p of ps.keys()) this.activeOwners.set(key(s, p), m.processId);
      for (const [s, ps] of held.standby) for (const p of ps) count(this.standbyHolders, key(s, p), m.processId, 1);
      for (const [s, ps] of held.warmup) for (const p of ps) count(this.warmupHolders, key(s, p), m.processId, 1);
    }
  }

  private release(m: StreamsMember): void {
    for (const held of [m.assignedTasks, m.tasksPendingRevocation]) {
      for (const [s, ps] of held.active) {
        for (const p of ps.keys()) if (this.activeOwners.get(key(s, p)) === m.processId) this.activeOwners.delete(key(s, p));
      }
      for (const [s, ps] of held.standby) for (const p of ps) count(this.standbyHolders, key(s, p), m.processId, -1);
      for (const [s, ps] of held.warmup) for (const p of ps) count(this.warmupHolders, key(s, p), m.processId, -1);
    }
  }

  /**
   * Whether the group reads `topic` (StreamsGroup.isSubscribedToTopic): a source topic, a
   * repartition topic it reads, or a topic a source regular expression matched when the
   * topology was last configured. Offsets of such topics are not expired or deleted.
   */
  isSubscribedToTopic(topic: string): boolean {
    if (this.members.size === 0 || this.topology === null) return false;
    for (const s of this.topology.subtopologies.values()) {
      if (s.sourceTopics.includes(topic) || s.repartitionSourceTopics.some((r) => r.name === topic)) return true;
    }
    for (const s of this.configuredTopology?.subtopologies?.values() ?? []) if (s.sourceTopics.has(topic)) return true;
    return false;
  }

  /**
   * Keeps the offset sums a member reported (TaskOffsets, which the assignor uses to find where
   * state lives, or TaskEndOffsets), as Kafka's MemberTaskOffsets.
   */
  setTaskOffsets(memberId: string, offsets: ReadonlyArray<{ subtopologyId: string; partition: number; offset: bigint }>, into = this.taskOffsets): void {
    if (!this.members.has(memberId)) return;
    const bySub = new Map<string, Map<number, number>>();
    for (const o of offsets) {
      let m = bySub.get(o.subtopologyId);
      if (m === undefined) bySub.set(o.subtopologyId, (m = new Map()));
      m.set(o.partition, Number(o.offset));
    }
    into.set(memberId, bySub);
  }

  /** Kafka's maybeUpdateGroupState. */
  updateState(): void {
    if (this.members.size === 0) {
      this.state = StreamsGroupState.Empty;
      this.shutdownRequestMemberId = null;
    }
    else if (this.topology === null || this.configuredTopology === null || !isReady(this.configuredTopology)) this.state = StreamsGroupState.NotReady;
    else if (this.groupEpoch > this.assignmentEpoch) this.state = StreamsGroupState.Assigning;
    else {
      this.state = StreamsGroupState.Stable;
      for (const m of this.members.values()) {
        if (!m.isReconciledTo(this.assignmentEpoch)) {
          this.state = StreamsGroupState.Reconciling;
          break;
        }
      }
    }
  }
}

function count(index: Map<string, Map<string, number>>, task: string, processId: string, delta: number): void {
  let byProcess = index.get(task);
  if (byProcess === undefined) {
    if (delta < 0) return;
    index.set(task, (byProcess = new Map()));
  }
  const n = (byProcess.get(processId) ?? 0) + delta;
  if (n > 0) byProcess.set(processId, n);
  else byProcess.delete(processId);
  if (byProcess.size === 0) index.delete(task);
}
