/**
 * One member of a classic group (Kafka's ClassicGroupMember): its identity, timeouts, the
 * protocols it supports in order of preference with their metadata, the assignment the leader
 * gave it, and the JoinGroup / SyncGroup responses parked until the rebalance gets there.
 */
import type { JoinGroupResponse } from '../../../protocol/generated/join-group-response.js';
import type { SyncGroupResponse } from '../../../protocol/generated/sync-group-response.js';
import { EMPTY_BUFFER } from '../../../protocol/primitives/codec-helpers.js';

export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export type JoinCallback = (response: JoinGroupResponse) => void;
export type SyncCallback = (response: SyncGroupResponse) => void;

export class ClassicGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  readonly protocolType: string;
  protocols: GroupProtocol[];
  assignment: Buffer;
  /** The parked JoinGroup response, while the member waits for the join phase to end. */
  awaitingJoin: JoinCallback | null = null;
  /** The parked SyncGroup response, while the member waits for the leader's assignment. */
  awaitingSync: SyncCallback | null = null;
  /** Joined during the current rebalance; may be expired even while awaiting its join. */
  isNew = false;

  constructor(
    memberId: string,
    groupInstanceId: string | null,
    clientId: string,
    clientHost: string,
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    protocolType: string,
    protocols: GroupProtocol[],
    assignment: Buffer = EMPTY_BUFFER,
  ) {
    this.memberId = memberId;
    this.groupInstanceId = groupInstanceId;
    this.clientId = clientId;
    this.clientHost = clientHost;
    this.rebalanceTimeoutMs = rebalanceTimeoutMs;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.protocolType = protocolType;
    this.protocols = protocols;
    this.assignment = assignment;
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  /** The metadata the member sent for `protocolName`. */
  metadata(protocolName: string): Buffer {
    for (const p of this.protocols) if (p.name === protocolName) return p.metadata;
    throw new Error(`member ${this.memberId} does not support protocol ${protocolName}`);
  }

  /**
   * A member waiting in a rebalance needs no heartbeat; a new member does, so that a client
   * that gave up on its JoinGroup does not stay in the group for ever.
   */
  hasSatisfiedHeartbeat(): boolean {
    return !this.isNew && (this.isAwaitingJoin || this.isAwaitingSync);
  }

  /** True when `protocols` are exactly the member's, in the same order with the same metadata. */
  matches(protocols: readonly GroupProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    for (let i = 0; i < protocols.length; i++) {
      const a = protocols[i]!;
      const b = this.protocols[i]!;
      if (a.name !== b.name || !a.metadata.equals(b.metadata)) return false;
    }
    return true;
  }

  /** The member's most preferred protocol among `candidates`. */
  vote(candidates: ReadonlySet<string>): string {
    for (const p of this.protocols) if (candidates.has(p.name)) return p.name;
    throw new Error(`member ${this.memberId} supports none of the candidate protocols`);
  }
}

/** Protocol names without duplicates, as Kafka's JoinGroup protocol collection keys them. */
export function protocolNames(protocols: readonly GroupProtocol[]): Set<string> {
  const names = new Set<string>();
  for (const p of protocols) names.add(p.name);
  return names;
}
