/**
 * What every connection of a broker shares before it may read another request (Kafka's
 * RequestChannel queue and SocketServer memory pool):
 *
 * - `queued.max.requests`: requests read and not yet answered, broker-wide. Kafka's network
 *   threads block on a full request queue, so no socket of theirs is read; here a connection
 *   that finds the count at the limit stops reading and waits to be woken. Requests parked
 *   waiting for an event (a long-poll Fetch, a JoinGroup or SyncGroup in a rebalance) leave
 *   the count as they leave Kafka's queue for a purgatory.
 * - `queued.max.request.bytes` (Kafka's SimpleMemoryPool, non-strict): a frame's size is taken
 *   from the pool when its size prefix is read, and given back when it is answered. A frame is
 *   granted while any memory is left (the pool may go below zero by up to one frame, so a frame
 *   larger than what is left, even larger than the pool, still goes through once memory is
 *   free); otherwise its connection stops reading until memory is released. Without the pool
 *   (`Infinity`) nothing is counted.
 *
 * Waiting connections are woken in arrival order when the count or memory allows again; each
 * takes what it needs or waits again (Kafka unmutes every channel muted for memory). At most
 * WAKE_BATCH are woken at a time, the next ones once the loop has turned (they have read by
 * then): hundreds of muted connections resumed at once would each read a 64 KiB chunk before
 * the first of them took the memory back.
 */
const WAKE_BATCH = 16;

export interface BudgetWaiter {
  /** Called when the broker may read again; the waiter re-checks and may wait again. */
  budgetAvailable(): void;
}

export class RequestBudget {
  readonly maxQueued: number;
  /** Pool size in bytes; Infinity when requests are not counted in bytes. */
  readonly capacityBytes: number;
  queued = 0;
  availableBytes: number;
  private waiters: BudgetWaiter[] = [];
  private spare: BudgetWaiter[] = [];
  private waking = false;
  private wakeScheduled = false;

  constructor(maxQueued: number, capacityBytes: number) {
    this.maxQueued = maxQueued;
    this.capacityBytes = capacityBytes > 0 ? capacityBytes : Infinity;
    this.availableBytes = this.capacityBytes;
    this.wakeLater = this.wakeLater.bind(this);
  }

  get pooled(): boolean {
    return this.capacityBytes !== Infinity;
  }

  /** True while another request may be read. */
  get canQueue(): boolean {
    return this.queued < this.maxQueued;
  }

  /** True when the pool is exhausted (SimpleMemoryPool.isOutOfMemory). */
  get outOfMemory(): boolean {
    return this.availableBytes <= 0;
  }

  /** Non-strict allocation: granted while any memory is left. */
  tryAllocate(bytes: number): boolean {
    if (this.availableBytes <= 0) return false;
    this.availableBytes -= bytes;
    return true;
  }

  /** Takes bytes already held in memory (a frame received whole), even past the pool. */
  allocateHeld(bytes: number): void {
    this.availableBytes -= bytes;
  }

  release(bytes: number): void {
    this.availableBytes += bytes;
    if (this.waiters.length > 0) this.wake();
  }

  enqueue(): void {
    this.queued++;
  }

  dequeue(): void {
    this.queued--;
    if (this.waiters.length > 0) this.wake();
  }

  /** `waiter` is woken the next time requests or memory are freed. */
  wait(waiter: BudgetWaiter): void {
    this.waiters.push(waiter);
  }

  get waiting(): number {
    return this.waiters.length;
  }

  private wake(): void {
    if (this.waking || this.wakeScheduled || this.queued >= this.maxQueued || this.availableBytes <= 0) return;
    this.waking = true;
    // Swap lists: a waiter that must wait again lands in the fresh one, after those not woken.
    const woken = this.waiters;
    this.waiters = this.spare;
    let i = 0;
    try {
      for (let n = 0; i < woken.length && n < WAKE_BATCH; i++) {
        const w = woken[i]!;
        if (this.queued < this.maxQueued && this.availableBytes > 0) {
          n++;
          w.budgetAvailable();
        } else {
          this.waiters.push(w);
        }
      }
    } finally {
      // Those not reached keep their place ahead of any that waited again.
      const again = this.waiters;
      this.waiters = woken.slice(i);
      for (let j = 0; j < again.length; j++) this.waiters.push(again[j]!);
      again.length = 0;
      woken.length = 0;
      this.spare = woken;
      this.waking = false;
    }
    if (this.waiters.length > 0 && i > 0) {
      this.wakeScheduled = true;
      setImmediate(this.wakeLater);
    }
  }

  private wakeLater(): void {
    this.wakeScheduled = false;
    this.wake();
  }
}
