/**
 * The broker-side task assignor of streams groups, "sticky" (Kafka 4.4's StickyTaskAssignor):
 * active tasks spread evenly over processes and, inside a process, over its members (stream
 * threads), each task staying where it was while its owner is below the per-member quota;
 * then `group.streams.num.standby.replicas` standby copies of every stateful task, on
 * processes that do not already hold the task, preferring the members that held it before.
 *
 *  active tasks, by partition then subtopology:
 *    1. back to the member that ran it, while that member is below the active quota;
 *    2. else to a member that kept it as a standby or warm-up (or reported offsets for it);
 *    3. the rest, by subtopology then partition, to the least loaded process's least loaded member.
 *  standby tasks (stateful subtopologies only), per task:
 *    the previous active owner, then the least loaded previous standby holder, each while
 *    below the total quota and on a process without the task; the rest to the least loaded
 *    processes without it. A standby that finds no room is dropped (Kafka logs a warning).
 *
 * The quotas are ceil(tasks / members) and shrink as members fill up, as Kafka's do. Ties
 * Kafka leaves to hash order are broken here by process id and member id, so the result is
 * deterministic. Rack-aware standby placement (group.streams.rack.aware.assignment.tags) and
 * warm-up tasks are not computed: Kafka 4.4's assignor yields active and standby tasks only.
 */
import { addTask, type TaskSet } from './tasks.js';

export interface AssignorMember {
  processId: string;
  /** The member's previous target assignment. */
  active: TaskSet;
  standby: TaskSet;
  warmup: TaskSet;
  /** Changelog offset sums the member reported per task (subtopology → partition → offset), for tasks it may hold state of. */
  taskOffsets: ReadonlyMap<string, ReadonlyMap<number, number>>;
}

export interface AssignorSubtopology {
  subtopologyId: string;
  numTasks: number;
  stateful: boolean;
}

export interface AssignmentSpec {
  members: ReadonlyMap<string, AssignorMember>;
  subtopologies: readonly AssignorSubtopology[];
  numStandbyReplicas: number;
}

export interface MemberTasks {
  active: TaskSet;
  standby: TaskSet;
}

interface Task {
  subtopologyId: string;
  partition: number;
  key: string;
}

interface MemberRef {
  processId: string;
  memberId: string;
}

class ProcessState {
  readonly processId: string;
  capacity = 0;
  taskCount = 0;
  /** member id → tasks it has in this assignment (active + standby). */
  readonly memberCounts = new Map<string, number>();
  readonly active = new Map<string, TaskSet>();
  readonly standby = new Map<string, TaskSet>();
  readonly tasks = new Set<string>();

  constructor(processId: string) {
    this.processId = processId;
  }

  get load(): number {
    return this.capacity === 0 ? -1 : this.taskCount / this.capacity;
  }

  addMember(memberId: string): void {
    this.memberCounts.set(memberId, 0);
    this.active.set(memberId, new Map());
    this.standby.set(memberId, new Map());
    this.capacity++;
  }

  /** Gives the task to the member; returns the member's new task count. */
  addTask(memberId: string, task: Task, isActive: boolean): number {
    this.taskCount++;
    this.tasks.add(task.key);
    addTask((isActive ? this.active : this.standby).get(memberId)!, task.subtopologyId, task.partition);
    const n = this.memberCounts.get(memberId)! + 1;
    this.memberCounts.set(memberId, n);
    return n;
  }

  leastLoadedMember(): string {
    let best = '';
    let bestCount = Infinity;
    for (const [id, n] of this.memberCounts) {
      if (n < bestCount || (n === bestCount && id < best)) {
        best = id;
        bestCount = n;
      }
    }
    return best;
  }
}

function byLoad(a: ProcessState, b: ProcessState): number {
  return a.load - b.load || b.capacity - a.capacity || (a.processId < b.processId ? -1 : a.processId > b.processId ? 1 : 0);
}

function tasksPerMember(tasks: number, members: number): number {
  return members === 0 ? 0 : Math.ceil(tasks / members);
}

class Assignment {
  readonly processes = new Map<string, ProcessState>();
  readonly prevActive = new Map<string, MemberRef>();
  readonly prevStandby = new Map<string, MemberRef[]>();
  numStandbyReplicas: number;
  totalActiveTasks = 0;
  totalTasks = 0;
  membersWithActiveCapacity = 0;
  membersWithTaskCapacity = 0;
  activeQuota = 0;
  totalQuota = 0;

  constructor(spec: AssignmentSpec, all: Task[], stateful: Task[]) {
    this.numStandbyReplicas = spec.numStandbyReplicas;
    const known = new Set(all.map((t) => t.key));
    const memberIds = [...spec.members.keys()].sort();
    const candidates = new Map<string, Array<{ ref: MemberRef; prevStandby: boolean; offset: number }>>();
    for (const memberId of memberIds) {
      const m = spec.members.get(memberId)!;
      let p = this.processes.get(m.processId);
      if (p === undefined) this.processes.set(m.processId, (p = new ProcessState(m.processId)));
      p.addMember(memberId);
      const ref = { processId: m.processId, memberId };
      for (const [sub, ps] of m.active) {
        for (const part of ps) {
          const key = taskKey(sub, part);
          if (known.has(key) && !this.prevActive.has(key)) this.prevActive.set(key, ref);
        }
      }
      const held = new Set<string>();
      for (const s of [m.standby, m.warmup]) {
        for (const [sub, ps] of s) {
          for (const part of ps) {
            const key = taskKey(sub, part);
            if (!known.has(key) || held.has(key)) continue;
            held.add(key);
            pushCandidate(candidates, key, { ref, prevStandby: true, offset: m.taskOffsets.get(sub)?.get(part) ?? 0 });
          }
        }
      }
      // A member that restarted under a new id reports offsets for the state it still has on disk.
      for (const [sub, ps] of m.taskOffsets) {
        for (const [part, offset] of ps) {
          const key = taskKey(sub, part);
          if (known.has(key) && !held.has(key)) pushCandidate(candidates, key, { ref, prevStandby: false, offset });
        }
      }
    }
    for (const [key, list] of candidates) {
      // Stable sort: members in id order within equal rank.
      list.sort((a, b) => (a.prevStandby === b.prevStandby ? 0 : a.prevStandby ? -1 : 1) || b.offset - a.offset);
      this.prevStandby.set(key, list.map((c) => c.ref));
    }
    this.totalActiveTasks = all.length;
    this.totalTasks = all.length + stateful.length * this.numStandbyReplicas;
    this.membersWithActiveCapacity = memberIds.length;
    this.membersWithTaskCapacity = memberIds.length;
    this.activeQuota = tasksPerMember(this.totalActiveTasks, this.membersWithActiveCapacity);
    this.totalQuota = tasksPerMember(this.totalTasks, this.membersWithTaskCapacity);
  }

  count(ref: MemberRef): number {
    return this.processes.get(ref.processId)!.memberCounts.get(ref.memberId)!;
  }

  /** Kafka's maybeUpdateActiveTasksPerMember / maybeUpdateTotalTasksPerMember: a member that reaches a quota leaves the pool the next quota is computed over. */
  afterActive(newCount: number): void {
    if (newCount === this.activeQuota) {
      this.membersWithActiveCapacity--;
      this.totalActiveTasks -= newCount;
      this.activeQuota = tasksPerMember(this.totalActiveTasks, this.membersWithActiveCapacity);
    }
    this.afterAny(newCount);
  }

  afterAny(newCount: number): void {
    if (newCount === this.totalQuota) {
      this.membersWithTaskCapacity--;
      this.totalTasks -= newCount;
      this.totalQuota = tasksPerMember(this.totalTasks, this.membersWithTaskCapacity);
    }
  }

  /** Kafka's findPrevMemberWithLeastLoad: the first candidate, replaced only by one lighter both by process and by member. */
  prevMemberWithLeastLoad(refs: MemberRef[] | undefined, excludeHolding: string | null): MemberRef | null {
    if (refs === undefined) return null;
    let best: MemberRef | null = null;
    let bestProcessLoad = Infinity;
    let bestMemberLoad = Infinity;
    for (const ref of refs) {
      const p = this.processes.get(ref.processId)!;
      if (excludeHolding !== null && p.tasks.has(excludeHolding)) continue;
      const memberLoad = p.memberCounts.get(ref.memberId)!;
      if (best === null || (p.load < bestProcessLoad && memberLoad < bestMemberLoad)) {
        best = ref;
        bestProcessLoad = p.load;
        bestMemberLoad = memberLoad;
      }
    }
    return best;
  }

  assignActive(tasks: Task[]): void {
    tasks.sort((a, b) => a.partition - b.partition || cmp(a.subtopologyId, b.subtopologyId));
    let rest: Task[] = [];
    for (const t of tasks) {
      const prev = this.prevActive.get(t.key);
      if (prev !== undefined && this.count(prev) < this.activeQuota) this.afterActive(this.processes.get(prev.processId)!.addTask(prev.memberId, t, true));
      else rest.push(t);
    }
    const left: Task[] = [];
    for (const t of rest) {
      const prev = this.prevMemberWithLeastLoad(this.prevStandby.get(t.key), null);
      if (prev !== null && this.count(prev) < this.activeQuota) this.afterActive(this.processes.get(prev.processId)!.addTask(prev.memberId, t, true));
      else left.push(t);
    }
    rest = left.sort((a, b) => cmp(a.subtopologyId, b.subtopologyId) || a.partition - b.partition);
    const processes = [...this.processes.values()];
    for (const t of rest) {
      const p = minBy(processes, byLoad)!;
      this.afterActive(p.addTask(p.leastLoadedMember(), t, true));
    }
  }

  assignStandby(tasks: Task[]): void {
    tasks.sort((a, b) => b.partition - a.partition || cmp(b.subtopologyId, a.subtopologyId));
    const toLeastLoaded: Array<{ task: Task; remaining: number }> = [];
    for (const t of tasks) {
      for (let i = 0; i < this.numStandbyReplicas; i++) {
        const prevActive = this.prevActive.get(t.key);
        if (prevActive !== undefined) {
          const p = this.processes.get(prevActive.processId)!;
          if (!p.tasks.has(t.key) && this.count(prevActive) < this.totalQuota) {
            this.afterAny(p.addTask(prevActive.memberId, t, false));
            continue;
          }
        }
        const prev = this.prevMemberWithLeastLoad(this.prevStandby.get(t.key), t.key);
        if (prev !== null && this.count(prev) < this.totalQuota) {
          this.afterAny(this.processes.get(prev.processId)!.addTask(prev.memberId, t, false));
          continue;
        }
        toLeastLoaded.push({ task: t, remaining: this.numStandbyReplicas - i });
        break;
      }
    }
    toLeastLoaded.sort((a, b) => cmp(b.task.subtopologyId, a.task.subtopologyId) || b.task.partition - a.task.partition);
    const processes = [...this.processes.values()];
    for (const { task, remaining } of toLeastLoaded) {
      for (let i = 0; i < remaining; i++) {
        const p = minBy(processes.filter((x) => !x.tasks.has(task.key)), byLoad);
        // Fewer processes than replicas: the remaining standbys cannot be placed.
        if (p === undefined) break;
        this.afterAny(p.addTask(p.leastLoadedMember(), task, false));
      }
    }
  }
}

function pushCandidate<T>(m: Map<string, T[]>, key: string, v: T): void {
  let list = m.get(key);
  if (list === undefined) m.set(key, (list = []));
  list.push(v);
}

function taskKey(subtopologyId: string, partition: number): string {
  return `${partition}\u0000${subtopologyId}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function minBy<T>(items: readonly T[], compare: (a: T, b: T) => number): T | undefined {
  let best: T | undefined;
  for (const x of items) if (best === undefined || compare(x, best) < 0) best = x;
  return best;
}

export class StickyTaskAssignor {
  readonly name = 'sticky';

  assign(spec: AssignmentSpec): Map<string, MemberTasks> {
    const all: Task[] = [];
    const stateful: Task[] = [];
    for (const s of [...spec.subtopologies].sort((a, b) => cmp(a.subtopologyId, b.subtopologyId))) {
      for (let p = 0; p < s.numTasks; p++) {
        const t = { subtopologyId: s.subtopologyId, partition: p, key: taskKey(s.subtopologyId, p) };
        all.push(t);
        if (s.stateful) stateful.push(t);
      }
    }
    const out = new Map<string, MemberTasks>();
    if (spec.members.size === 0) return out;
    const a = new Assignment(spec, all, stateful);
    a.assignActive([...all]);
    if (a.numStandbyReplicas > 0) a.assignStandby([...stateful]);
    for (const memberId of [...spec.members.keys()].sort()) {
      const p = a.processes.get(spec.members.get(memberId)!.processId)!;
      out.set(memberId, { active: p.active.get(memberId)!, standby: p.standby.get(memberId)! });
    }
    return out;
  }
}
