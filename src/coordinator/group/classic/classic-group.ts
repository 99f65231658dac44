/**
 * A classic consumer group's membership (Kafka's ClassicGroup): members by id, static members
 * by instance id, members that were handed an id but have not joined yet (KIP-394), who has
 * rejoined in this rebalance and who has synced, the leader, the generation, and how many
 * members support each protocol (for protocol selection). The rebalance logic that drives it
 * lives in group-manager.ts and the request flows beside it.
 */
import { ErrorCode } from '../../../protocol/generated/errors.js';
import type { JoinGroupResponse, JoinGroupResponseMember } from '../../../protocol/generated/join-group-response.js';
import type { SyncGroupResponse } from '../../../protocol/generated/sync-group-response.js';
import { EMPTY_BUFFER } from '../../../protocol/primitives/codec-helpers.js';
import { ClassicGroupMember, protocolNames, type GroupProtocol, type JoinCallback } from './classic-member.js';
import { subscribedTopics } from './consumer-protocol.js';
import { GroupState, isValidTransition, stateName } from './group-state.js';

/** Kafka's CONSUMER protocol type. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export class ClassicGroup {
  readonly groupId: string;
  state: GroupState;
  previousState: GroupState = GroupState.Dead;
  /** When the group entered its current state (ms), or null for groups loaded from old records. */
  currentStateTimestamp: number | null;
  protocolType: string | null;
  protocolName: string | null;
  generationId: number;
  leaderId: string | null;
  readonly members = new Map<string, ClassicGroupMember>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED whose second JoinGroup has not arrived. */
  readonly pendingJoinMembers = new Set<string>();
  /** Members that have not sent SyncGroup for the current generation. */
  readonly pendingSyncMembers = new Set<string>();
  /** Protocol name → number of members that support it. */
  readonly supportedProtocols = new Map<string, number>();
  numMembersAwaitingJoin = 0;
  /** Topics the members subscribe to (consumer protocol only), null when unknown. */
  subscribedTopics: Set<string> | null = null;
  /** A member joined during the initial rebalance delay, which then waits once more. */
  newMemberAdded = false;

  constructor(
    groupId: string,
    state: GroupState,
    now: number | null,
    generationId = 0,
    protocolType: string | null = null,
    protocolName: string | null = null,
    leaderId: string | null = null,
  ) {
    this.groupId = groupId;
    this.state = state;
    this.currentStateTimestamp = now;
    this.generationId = generationId;
    this.protocolType = protocolType;
    this.protocolName = protocolName;
    this.leaderId = leaderId;
  }

  get stateName(): string {
    return stateName(this.state);
  }

  get size(): number {
    return this.members.size;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId !== null && this.leaderId === memberId;
  }

  get usesConsumerProtocol(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  /** Moves to `to`, stamping the time; throws on a transition Kafka does not allow. */
  transitionTo(to: GroupState, now: number): void {
    if (!isValidTransition(this.state, to)) {
      throw new Error(`group ${this.groupId} should be in one of the states before ${stateName(to)}, but is ${this.stateName}`);
    }
    this.previousState = this.state;
    this.state = to;
    this.currentStateTimestamp = now;
  }

  /** A rebalance can start from Stable, CompletingRebalance or Empty. */
  canRebalance(): boolean {
    return isValidTransition(this.state, GroupState.PreparingRebalance);
  }

  add(member: ClassicGroupMember, join: JoinCallback | null): void {
    if (member.groupInstanceId !== null) {
      if (this.staticMembers.has(member.groupInstanceId)) {
        throw new Error(`static member ${member.groupInstanceId} is already a member of group ${this.groupId}`);
      }
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.protocolType !== member.protocolType) throw new Error('the group and member protocol types must be the same');
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.countProtocols(member.protocols, 1);
    member.awaitingJoin = join;
    if (join !== null) this.numMembersAwaitingJoin++;
    this.pendingJoinMembers.delete(member.memberId);
  }

  remove(memberId: string): void {
    const removed = this.members.get(memberId);
    if (removed !== undefined) {
      this.members.delete(memberId);
      this.countProtocols(removed.protocols, -1);
      if (removed.isAwaitingJoin) this.numMembersAwaitingJoin--;
      if (removed.groupInstanceId !== null) this.staticMembers.delete(removed.groupInstanceId);
    }
    if (this.isLeader(memberId)) {
      const next = this.members.keys().next();
      this.leaderId = next.done === true ? null : next.value;
    }
    this.pendingJoinMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  /**
   * When the leader has not rejoined, hands leadership to a member that has. False when no
   * member has rejoined (or there is no leader).
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader !== undefined && leader.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /**
   * A static member rejoined with a new member id: the old id is fenced (its parked join or
   * sync answered with FENCED_INSTANCE_ID) and a member with the new id takes its place,
   * keeping its assignment.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const old = this.members.get(oldMemberId);
    if (old === undefined) throw new Error(`cannot replace non-existing member id ${oldMemberId}`);
    this.members.delete(oldMemberId);
    this.completeJoin(old, {
      throttleTimeMs: 0, errorCode: ErrorCode.FENCED_INSTANCE_ID, generationId: -1, protocolType: null, protocolName: null,
      leader: '', skipAssignment: false, memberId: oldMemberId, members: [],
    });
    this.completeSync(old, { throttleTimeMs: 0, errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY_BUFFER });
    const member = new ClassicGroupMember(
      newMemberId, old.groupInstanceId, old.clientId, old.clientHost, old.rebalanceTimeoutMs, old.sessionTimeoutMs,
      old.protocolType, old.protocols, old.assignment,
    );
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    return member;
  }

  addPendingMember(memberId: string): void {
    if (this.members.has(memberId)) throw new Error(`pending member ${memberId} is already a member of group ${this.groupId}`);
    this.pendingJoinMembers.add(memberId);
  }

  /** Every member has rejoined and no id handed out is still expected. */
  hasAllMembersJoined(): boolean {
    return this.members.size === this.numMembersAwaitingJoin && this.pendingJoinMembers.size === 0;
  }

  /** The largest rebalance timeout of the members: how long a rebalance may wait. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) if (m.rebalanceTimeoutMs > max) max = m.rebalanceTimeoutMs;
    return max;
  }

  /**
   * Checks a request's member id and group instance id: UNKNOWN_MEMBER_ID or
   * FENCED_INSTANCE_ID (a static member whose id was replaced), or 0.
   */
  validateMember(memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const existing = this.staticMembers.get(groupInstanceId);
      if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return this.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /** Whether a member with these protocols can join: same type, and a protocol every member supports. */
  supportsProtocols(protocolType: string, protocols: readonly GroupProtocol[]): boolean {
    if (this.state === GroupState.Empty) return protocolType.length > 0 && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    for (const name of protocolNames(protocols)) {
      if ((this.supportedProtocols.get(name) ?? 0) === this.members.size) return true;
    }
    return false;
  }

  /** Replaces a member's protocols and timeouts and parks (or drops) its JoinGroup response. */
  updateMember(member: ClassicGroupMember, protocols: GroupProtocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, join: JoinCallback | null): void {
    this.countProtocols(member.protocols, -1);
    member.protocols = protocols;
    this.countProtocols(protocols, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (join !== null && !member.isAwaitingJoin) this.numMembersAwaitingJoin++;
    else if (join === null && member.isAwaitingJoin) this.numMembersAwaitingJoin--;
    member.awaitingJoin = join;
  }

  /** Answers the member's parked JoinGroup; false when it had none. */
  completeJoin(member: ClassicGroupMember, response: JoinGroupResponse): boolean {
    const cb = member.awaitingJoin;
    if (cb === null) return false;
    member.awaitingJoin = null;
    this.numMembersAwaitingJoin--;
    cb(response);
    return true;
  }

  /** Answers the member's parked SyncGroup; false when it had none. */
  completeSync(member: ClassicGroupMember, response: SyncGroupResponse): boolean {
    const cb = member.awaitingSync;
    if (cb === null) return false;
    member.awaitingSync = null;
    cb(response);
    return true;
  }

  /**
   * The protocol for the next generation: among those every member supports, the one most
   * members prefer (each member votes for its first supported candidate).
   */
  selectProtocol(): string {
    if (this.members.size === 0) throw new Error('cannot select a protocol for an empty group');
    const candidates = new Set<string>();
    for (const [name, count] of this.supportedProtocols) if (count === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }

  /** Starts the next generation: CompletingRebalance with a protocol, or Empty without members. */
  initNextGeneration(now: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo(GroupState.CompletingRebalance, now);
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo(GroupState.Empty, now);
    }
    this.pendingSyncMembers.clear();
  }

  /** The consumer protocol's subscribed topics across members; null when not known. */
  computeSubscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const all = new Set<string>();
    for (const m of this.members.values()) {
      const topics = subscribedTopics(m.metadata(this.protocolName));
      if (topics === null) return null;
      for (const t of topics) all.add(t);
    }
    return all;
  }

  /** OffsetDelete and expiry: whether the members consume `topic` (unknown counts as yes for consumers). */
  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics !== null ? this.subscribedTopics.has(topic) : this.usesConsumerProtocol;
  }

  /** The members as the leader's JoinGroup response lists them, with their metadata for the chosen protocol. */
  joinResponseMembers(): JoinGroupResponseMember[] {
    if (this.state === GroupState.Dead || this.state === GroupState.PreparingRebalance) {
      throw new Error(`cannot list the members of group ${this.groupId} in state ${this.stateName}`);
    }
    const out: JoinGroupResponseMember[] = [];
    for (const m of this.members.values()) {
      out.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(this.protocolName!) });
    }
    return out;
  }

  /** Member id → assignment, for the group metadata record. */
  assignments(): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    for (const m of this.members.values()) out.set(m.memberId, m.assignment);
    return out;
  }

  private countProtocols(protocols: readonly GroupProtocol[], delta: number): void {
    for (const name of protocolNames(protocols)) this.supportedProtocols.set(name, (this.supportedProtocols.get(name) ?? 0) + delta);
  }
}
