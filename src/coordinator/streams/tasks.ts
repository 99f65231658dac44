/**
 * Tasks as a streams group keeps them (Kafka's TasksTuple / TasksTupleWithEpochs): a task is
 * a subtopology id and a partition number; a member holds active, standby and warm-up tasks.
 * Active tasks also remember the epoch at which each was given to the member (the record's
 * AssignmentEpochs), which fences offset commits of a task's previous owner.
 *
 * These helpers compare, copy and convert task sets to and from the wire's
 * `{ subtopologyId, partitions }` lists, always in ascending order so that responses and
 * records are stable.
 */

/** Subtopology id → partitions. Empty sets are never kept. */
export type TaskSet = Map<string, Set<number>>;

/** Subtopology id → partition → epoch at which the member got the active task. */
export type ActiveTasks = Map<string, Map<number, number>>;

export interface WireTaskIds {
  subtopologyId: string;
  partitions: number[];
}

/** A member's tasks: what the assignor produces and a target assignment holds. */
export interface TasksTuple {
  active: TaskSet;
  standby: TaskSet;
  warmup: TaskSet;
}

/** What a member holds: like TasksTuple, with the epoch of each active task. */
export interface HeldTasks {
  active: ActiveTasks;
  standby: TaskSet;
  warmup: TaskSet;
}

export function emptyTuple(): TasksTuple {
  return { active: new Map(), standby: new Map(), warmup: new Map() };
}

export function emptyHeld(): HeldTasks {
  return { active: new Map(), standby: new Map(), warmup: new Map() };
}

export function addTask(s: TaskSet, subtopologyId: string, partition: number): void {
  let ps = s.get(subtopologyId);
  if (ps === undefined) s.set(subtopologyId, (ps = new Set()));
  ps.add(partition);
}

export function hasTask(s: ReadonlyMap<string, ReadonlySet<number> | ReadonlyMap<number, number>>, subtopologyId: string, partition: number): boolean {
  return s.get(subtopologyId)?.has(partition) ?? false;
}

export function taskCount(s: ReadonlyMap<string, { size: number }>): number {
  let n = 0;
  for (const ps of s.values()) n += ps.size;
  return n;
}

export function copyTasks(s: ReadonlyMap<string, Iterable<number> | ReadonlyMap<number, number>>): TaskSet {
  const out: TaskSet = new Map();
  for (const [id, ps] of s) {
    const set = new Set(ps instanceof Map ? ps.keys() : (ps as Iterable<number>));
    if (set.size > 0) out.set(id, set);
  }
  return out;
}

export function copyActive(a: ActiveTasks): ActiveTasks {
  const out: ActiveTasks = new Map();
  for (const [id, ps] of a) if (ps.size > 0) out.set(id, new Map(ps));
  return out;
}

export function copyHeld(h: HeldTasks): HeldTasks {
  return { active: copyActive(h.active), standby: copyTasks(h.standby), warmup: copyTasks(h.warmup) };
}

/** Whether both hold the same tasks (epochs of active tasks ignored). */
export function sameTasks(a: ReadonlyMap<string, { size: number; has(p: number): boolean }>, b: ReadonlyMap<string, { size: number; keys(): Iterable<number> }>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, ps] of b) {
    const other = a.get(id);
    if (other === undefined || other.size !== ps.size) return false;
    for (const p of ps.keys()) if (!other.has(p)) return false;
  }
  return true;
}

export function sameActive(a: ActiveTasks, b: ActiveTasks): boolean {
  if (!sameTasks(a, b)) return false;
  for (const [id, ps] of a) {
    const other = b.get(id)!;
    for (const [p, e] of ps) if (other.get(p) !== e) return false;
  }
  return true;
}

export function sameHeld(a: HeldTasks, b: HeldTasks): boolean {
  return sameActive(a.active, b.active) && sameTasks(a.standby, b.standby) && sameTasks(a.warmup, b.warmup);
}

export function sameTuple(a: TasksTuple, b: TasksTuple): boolean {
  return sameTasks(a.active, b.active) && sameTasks(a.standby, b.standby) && sameTasks(a.warmup, b.warmup);
}

export function isEmptyHeld(h: HeldTasks): boolean {
  return h.active.size === 0 && h.standby.size === 0 && h.warmup.size === 0;
}


/** Whether `owned` (what a member reports) still contains any task of `pending`, of the same kind. */
export function ownsAny(owned: TasksTuple, pending: HeldTasks): boolean {
  return overlaps(owned.active, pending.active) || overlaps(owned.standby, pending.standby) || overlaps(owned.warmup, pending.warmup);
}

function overlaps(a: TaskSet, b: ReadonlyMap<string, { keys(): Iterable<number> }>): boolean {
  for (const [id, ps] of b) {
    const other = a.get(id);
    if (other === undefined) continue;
    for (const p of ps.keys()) if (other.has(p)) return true;
  }
  return false;
}

/** Reads a wire list (duplicates merge). */
export function fromWire(list: readonly WireTaskIds[] | null): TaskSet {
  const out: TaskSet = new Map();
  if (list === null) return out;
  for (const t of list) for (const p of t.partitions) addTask(out, t.subtopologyId, p);
  return out;
}

/** The wire list, subtopologies and partitions ascending. */
export function toWire(s: ReadonlyMap<string, Iterable<number> | ReadonlyMap<number, number>>): WireTaskIds[] {
  const out: WireTaskIds[] = [];
  for (const id of [...s.keys()].sort()) {
    const ps = s.get(id)!;
    const list = [...(ps instanceof Map ? ps.keys() : (ps as Iterable<number>))].sort((x, y) => x - y);
    if (list.length > 0) out.push({ subtopologyId: id, partitions: list });
  }
  return out;
}

/** Active tasks as the current assignment record writes them: partitions with their epochs, in the same order. */
export function activeToWire(a: ActiveTasks): Array<WireTaskIds & { assignmentEpochs: number[] }> {
  const out: Array<WireTaskIds & { assignmentEpochs: number[] }> = [];
  for (const id of [...a.keys()].sort()) {
    const ps = a.get(id)!;
    const partitions = [...ps.keys()].sort((x, y) => x - y);
    if (partitions.length > 0) out.push({ subtopologyId: id, partitions, assignmentEpochs: partitions.map((p) => ps.get(p)!) });
  }
  return out;
}

/**
 * Reads active tasks from a record; a task without an epoch (a record written before
 * AssignmentEpochs existed) takes `fallbackEpoch`, the member's epoch, as Kafka does.
 */
export function activeFromWire(list: ReadonlyArray<WireTaskIds & { assignmentEpochs?: number[] | null }>, fallbackEpoch: number): ActiveTasks {
  const out: ActiveTasks = new Map();
  for (const t of list) {
    let ps = out.get(t.subtopologyId);
    if (ps === undefined) out.set(t.subtopologyId, (ps = new Map()));
    const epochs = t.assignmentEpochs ?? null;
    const usable = epochs !== null && epochs.length === t.partitions.length;
    t.partitions.forEach((p, i) => ps.set(p, usable ? epochs[i]! : fallbackEpoch));
  }
  return out;
}

