/**
 * One member of a streams group (Kafka's StreamsGroupMember): a stream thread of a Kafka
 * Streams instance. Who it is (member id, instance id for static membership, rack, client),
 * which instance it belongs to (process id) and where that instance answers interactive
 * queries (user endpoint), the topology epoch it runs, and where its reconciliation stands:
 * its epoch and the previous one, its state, the tasks it holds and those it must revoke.
 *
 * A member is changed by building a copy (`with`), so the heartbeat can compare the member
 * before and after and write a record only for what changed.
 */
import { copyHeld, emptyHeld, type HeldTasks } from './tasks.js';

/** Kafka's streams MemberState, with the byte each is written as in the current assignment record. */
export const enum StreamsMemberState {
  Stable = 0,
  UnrevokedTasks = 1,
  UnreleasedTasks = 2,
  Unknown = 127,
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface StreamsMemberFields {
  memberId: string;
  memberEpoch: number;
  previousMemberEpoch: number;
  state: StreamsMemberState;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  topologyEpoch: number;
  processId: string;
  userEndpoint: Endpoint | null;
  clientTags: Map<string, string>;
  assignedTasks: HeldTasks;
  tasksPendingRevocation: HeldTasks;
}

export class StreamsMember implements StreamsMemberFields {
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: StreamsMemberState;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly topologyEpoch: number;
  readonly processId: string;
  readonly userEndpoint: Endpoint | null;
  readonly clientTags: Map<string, string>;
  readonly assignedTasks: HeldTasks;
  readonly tasksPendingRevocation: HeldTasks;

  constructor(f: StreamsMemberFields) {
    this.memberId = f.memberId;
    this.memberEpoch = f.memberEpoch;
    this.previousMemberEpoch = f.previousMemberEpoch;
    this.state = f.state;
    this.instanceId = f.instanceId;
    this.rackId = f.rackId;
    this.clientId = f.clientId;
    this.clientHost = f.clientHost;
    this.rebalanceTimeoutMs = f.rebalanceTimeoutMs;
    this.topologyEpoch = f.topologyEpoch;
    this.processId = f.processId;
    this.userEndpoint = f.userEndpoint;
    this.clientTags = f.clientTags;
    this.assignedTasks = f.assignedTasks;
    this.tasksPendingRevocation = f.tasksPendingRevocation;
  }

  /** A member that has just been created: epoch 0, nothing held. */
  static create(memberId: string): StreamsMember {
    return new StreamsMember({
      memberId, memberEpoch: 0, previousMemberEpoch: 0, state: StreamsMemberState.Stable, instanceId: null, rackId: null, clientId: '', clientHost: '',
      rebalanceTimeoutMs: -1, topologyEpoch: -1, processId: '', userEndpoint: null, clientTags: new Map(), assignedTasks: emptyHeld(), tasksPendingRevocation: emptyHeld(),
    });
  }

  with(changes: Partial<StreamsMemberFields>): StreamsMember {
    return new StreamsMember({ ...this.fields(), ...changes });
  }

  fields(): StreamsMemberFields {
    return {
      memberId: this.memberId, memberEpoch: this.memberEpoch, previousMemberEpoch: this.previousMemberEpoch, state: this.state, instanceId: this.instanceId,
      rackId: this.rackId, clientId: this.clientId, clientHost: this.clientHost, rebalanceTimeoutMs: this.rebalanceTimeoutMs, topologyEpoch: this.topologyEpoch,
      processId: this.processId, userEndpoint: this.userEndpoint, clientTags: new Map(this.clientTags),
      assignedTasks: copyHeld(this.assignedTasks), tasksPendingRevocation: copyHeld(this.tasksPendingRevocation),
    };
  }

  get isStatic(): boolean {
    return this.instanceId !== null;
  }

  /** Stable at the target epoch: nothing left to reconcile. */
  isReconciledTo(targetEpoch: number): boolean {
    return this.state === StreamsMemberState.Stable && this.memberEpoch === targetEpoch;
  }

  /** Whether anything the member metadata record holds differs (Kafka's hasStreamsMemberMetadataChanged). */
  metadataDiffers(o: StreamsMember): boolean {
    return (
      this.instanceId !== o.instanceId || this.rackId !== o.rackId || this.clientId !== o.clientId || this.clientHost !== o.clientHost ||
      this.rebalanceTimeoutMs !== o.rebalanceTimeoutMs || this.topologyEpoch !== o.topologyEpoch || this.processId !== o.processId ||
      !sameEndpoint(this.userEndpoint, o.userEndpoint) || !sameTags(this.clientTags, o.clientTags)
    );
  }
}

export function sameEndpoint(a: Endpoint | null, b: Endpoint | null): boolean {
  if (a === null || b === null) return a === b;
  return a.host === b.host && a.port === b.port;
}

function sameTags(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
