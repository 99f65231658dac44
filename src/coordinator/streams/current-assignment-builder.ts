/**
 * Reconciliation of a streams group member (Kafka's streams CurrentAssignmentBuilder): moves
 * the member from the tasks it holds towards its target, one safe step per heartbeat.
 *
 *   STABLE ──new target epoch──▶ tasks to revoke? ──yes──▶ UNREVOKED_TASKS (epoch kept)
 *                                     │ no                        │ member stops reporting them
 *                                     ▼                           ▼
 *              some target tasks not yet released?           (epoch + 1, reconcile again)
 *                yes ▶ UNRELEASED_TASKS (target epoch, gets the free ones)
 *                no  ▶ STABLE (target epoch, whole target)
 *
 * A task is revoked before it is assigned elsewhere: an active task is given only when no
 * member runs it any more and no member of the same process keeps it as a standby or
 * warm-up (they share a state directory); a standby or warm-up task only when the member's
 * process holds it in no other role. Active tasks carry the epoch they were given at.
 *
 * Kafka 4.4 also converts a standby held by the member itself into its active task in
 * one step; here the standby is revoked first and the active task given on the next
 * heartbeat, which takes one heartbeat more and is as safe.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { GroupError } from './errors.js';
import { StreamsMember, StreamsMemberState } from './streams-member.js';
import { addTask, emptyHeld, isEmptyHeld, ownsAny, type ActiveTasks, type HeldTasks, type TaskSet, type TasksTuple } from './tasks.js';

/** Who holds a task right now, as the group indexes it. */
export interface TaskOwnership {
  /** Process id of the member running the active task, or null. */
  activeProcess(subtopologyId: string, partition: number): string | null;
  /** Whether a member of the process holds the task as a standby. */
  standbyOnProcess(subtopologyId: string, partition: number, processId: string): boolean;
  /** Whether a member of the process holds the task as a warm-up. */
  warmupOnProcess(subtopologyId: string, partition: number, processId: string): boolean;
}

export interface StreamsReconcileInput {
  member: StreamsMember;
  targetEpoch: number;
  target: TasksTuple;
  ownership: TaskOwnership;
  /** The tasks the member says it holds; null when the heartbeat did not say. */
  owned: TasksTuple | null;
}

/** The member after one reconciliation step (the same object when nothing changed). */
export function reconcileStreamsMember(input: StreamsReconcileInput): StreamsMember {
  const { member, targetEpoch } = input;
  switch (member.state) {
    case StreamsMemberState.Stable:
      return member.memberEpoch !== targetEpoch ? computeNext(input, member.memberEpoch) : member;
    case StreamsMemberState.UnrevokedTasks:
      if (input.owned === null || ownsAny(input.owned, member.tasksPendingRevocation)) return member;
      return computeNext(input, member.memberEpoch + 1);
    case StreamsMemberState.UnreleasedTasks:
      return computeNext(input, member.memberEpoch);
    default:
      if (input.owned === null || !isEmptyTuple(input.owned)) {
        throw new GroupError(ErrorCode.FENCED_MEMBER_EPOCH, 'The streams group member is in a unknown state. The member must abandon all its tasks and rejoin.');
      }
      return computeNext(input, targetEpoch);
  }
}

function isEmptyTuple(t: TasksTuple): boolean {
  return t.active.size === 0 && t.standby.size === 0 && t.warmup.size === 0;
}

interface Diff {
  assigned: TaskSet;
  revoke: TaskSet;
  grant: TaskSet;
  unreleased: boolean;
}

function diff(current: ReadonlyMap<string, { keys(): Iterable<number>; has(p: number): boolean }>, target: TaskSet, isUnreleased: (s: string, p: number) => boolean): Diff {
  const d: Diff = { assigned: new Map(), revoke: new Map(), grant: new Map(), unreleased: false };
  for (const [s, ps] of current) {
    const want = target.get(s);
    for (const p of ps.keys()) addTask(want?.has(p) === true ? d.assigned : d.revoke, s, p);
  }
  for (const [s, ps] of target) {
    const have = current.get(s);
    for (const p of ps) {
      if (have?.has(p) === true) continue;
      if (isUnreleased(s, p)) d.unreleased = true;
      else addTask(d.grant, s, p);
    }
  }
  return d;
}

function computeNext(input: StreamsReconcileInput, memberEpoch: number): StreamsMember {
  const { member, target, targetEpoch, ownership } = input;
  const processId = member.processId;
  const current = member.assignedTasks;
  const active = diff(current.active, target.active, (s, p) =>
    ownership.activeProcess(s, p) !== null || ownership.standbyOnProcess(s, p, processId) || ownership.warmupOnProcess(s, p, processId));
  const heldHere = (s: string, p: number) =>
    ownership.activeProcess(s, p) === processId || ownership.standbyOnProcess(s, p, processId) || ownership.warmupOnProcess(s, p, processId);
  const standby = diff(current.standby, target.standby, heldHere);
  const warmup = diff(current.warmup, target.warmup, heldHere);
  const unreleased = active.unreleased || standby.unreleased || warmup.unreleased;

  // Active tasks kept keep the epoch they were given at.
  const keptActive: ActiveTasks = new Map();
  for (const [s, ps] of active.assigned) {
    const m = new Map<number, number>();
    for (const p of ps) m.set(p, current.active.get(s)!.get(p)!);
    keptActive.set(s, m);
  }
  const pending: HeldTasks = { active: withEpoch(active.revoke, current.active), standby: standby.revoke, warmup: warmup.revoke };
  if (!isEmptyHeld(pending) && (input.owned === null || ownsAny(input.owned, pending))) {
    return member.with({
      previousMemberEpoch: member.memberEpoch, memberEpoch, state: StreamsMemberState.UnrevokedTasks,
      assignedTasks: { active: keptActive, standby: standby.assigned, warmup: warmup.assigned }, tasksPendingRevocation: pending,
    });
  }
  for (const [s, ps] of active.grant) {
    let m = keptActive.get(s);
    if (m === undefined) keptActive.set(s, (m = new Map()));
    for (const p of ps) m.set(p, targetEpoch);
  }
  for (const [s, ps] of standby.grant) for (const p of ps) addTask(standby.assigned, s, p);
  for (const [s, ps] of warmup.grant) for (const p of ps) addTask(warmup.assigned, s, p);
  return member.with({
    previousMemberEpoch: member.memberEpoch, memberEpoch: targetEpoch, state: unreleased ? StreamsMemberState.UnreleasedTasks : StreamsMemberState.Stable,
    assignedTasks: { active: keptActive, standby: standby.assigned, warmup: warmup.assigned }, tasksPendingRevocation: emptyHeld(),
  });
}

function withEpoch(tasks: TaskSet, epochs: ActiveTasks): ActiveTasks {
  const out: ActiveTasks = new Map();
  for (const [s, ps] of tasks) {
    const m = new Map<number, number>();
    for (const p of ps) m.set(p, epochs.get(s)!.get(p)!);
    out.set(s, m);
  }
  return out;
}
