/**
 * The coordinator's deadlines (session timeouts, rebalance and sync timeouts, the initial
 * rebalance delay, offset expiry) in one keyed timer, like Kafka's coordinator timer:
 * scheduling a key again replaces its task, cancelling drops it. Deadlines sit in a binary
 * heap; a replaced or cancelled task stays in the heap, marked dead, until it comes up. One
 * Node timer, armed for the earliest deadline, drives the whole coordinator; tests drive
 * `poll(now)` by hand with a fake clock instead.
 */
import type { Clock } from '../../storage/clock.js';

export type TimerTask = () => void;

class Entry {
  readonly key: string;
  readonly deadline: number;
  readonly seq: number;
  readonly run: TimerTask;
  live = true;
  constructor(key: string, deadline: number, seq: number, run: TimerTask) {
    this.key = key;
    this.deadline = deadline;
    this.seq = seq;
    this.run = run;
  }
}

/** Told every new deadline, so a driver can wake up in time (it ignores later ones). */
export type WakeUp = (deadline: number) => void;

export class DeadlineTimer {
  readonly clock: Clock;
  private readonly byKey = new Map<string, Entry>();
  private readonly heap: Entry[] = [];
  private seq = 0;
  private wake: WakeUp | null = null;
  /** Called with an error a task threw; the timer carries on. */
  onError: (err: unknown, key: string) => void = () => {};

  constructor(clock: Clock) {
    this.clock = clock;
  }

  setWakeUp(wake: WakeUp | null): void {
    this.wake = wake;
  }

  get size(): number {
    return this.byKey.size;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Runs `run` `delayMs` from now, replacing whatever `key` had scheduled. */
  schedule(key: string, delayMs: number, run: TimerTask): void {
    const old = this.byKey.get(key);
    if (old !== undefined) old.live = false;
    const e = new Entry(key, this.clock.now() + Math.max(0, delayMs), this.seq++, run);
    this.byKey.set(key, e);
    this.push(e);
    if (this.wake !== null) this.wake(e.deadline);
    this.compactIfMostlyDead();
  }

  cancel(key: string): void {
    const e = this.byKey.get(key);
    if (e === undefined) return;
    e.live = false;
    this.byKey.delete(key);
  }

  /** The earliest live deadline, or null when nothing is scheduled. */
  nextDeadline(): number | null {
    while (this.heap.length > 0 && !this.heap[0]!.live) this.pop();
    return this.heap.length > 0 ? this.heap[0]!.deadline : null;
  }

  /** Runs every task due at `now`, earliest first (tasks may schedule more). */
  poll(now = this.clock.now()): number {
    let ran = 0;
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top.deadline > now) break;
      this.pop();
      if (!top.live) continue;
      top.live = false;
      this.byKey.delete(top.key);
      ran++;
      try {
        top.run();
      } catch (err) {
        this.onError(err, top.key);
      }
    }
    return ran;
  }

  clear(): void {
    for (const e of this.heap) e.live = false;
    this.heap.length = 0;
    this.byKey.clear();
  }

  private less(a: Entry, b: Entry): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  /** Heartbeats replace their deadline every few seconds; rebuild when dead entries dominate. */
  private compactIfMostlyDead(): void {
    if (this.heap.length < 1024 || this.heap.length < 4 * this.byKey.size) return;
    const live = this.heap.filter((e) => e.live);
    this.heap.length = 0;
    for (const e of live) this.push(e);
  }
}

/**
 * Drives a DeadlineTimer with one Node timer armed for its earliest deadline (unref'd, so it
 * never keeps a process alive).
 */
export class TimerDriver {
  private readonly timer: DeadlineTimer;
  private handle: NodeJS.Timeout | null = null;
  private armedFor = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(timer: DeadlineTimer) {
    this.timer = timer;
    timer.setWakeUp((deadline) => this.arm(deadline));
  }

  start(): void {
    this.stopped = false;
    this.rearm();
  }

  stop(): void {
    this.stopped = true;
    if (this.handle !== null) clearTimeout(this.handle);
    this.handle = null;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.timer.setWakeUp(null);
  }

  private arm(deadline: number): void {
    if (this.stopped || deadline >= this.armedFor) return;
    if (this.handle !== null) clearTimeout(this.handle);
    this.armedFor = deadline;
    this.handle = setTimeout(() => this.fire(), Math.max(0, deadline - this.timer.clock.now()));
    this.handle.unref();
  }

  private fire(): void {
    this.handle = null;
    this.armedFor = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    this.timer.poll();
    this.rearm();
  }

  private rearm(): void {
    const next = this.timer.nextDeadline();
    if (next !== null) this.arm(next);
  }
}
