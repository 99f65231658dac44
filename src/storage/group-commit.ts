/**
 * Group commit: fsync rounds shared by every caller waiting at the same moment. A request
 * made while no round runs starts one; requests made while a round runs share the next one,
 * which starts when the current one ends and so covers everything written before it starts.
 * One promise per round, none per caller.
 */
interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

const noop = () => {};

export class GroupCommit {
  private running: Promise<void> | null = null;
  private next: Deferred | null = null;

  /** `round` does one fsync round covering everything written before it was called. */
  constructor(private readonly round: () => Promise<void>) {}

  /** A promise for the round that covers everything written so far. Never unhandled. */
  request(): Promise<void> {
    if (this.running === null) return this.start();
    if (this.next === null) this.next = deferred();
    return this.next.promise;
  }

  /** The round in progress, if any (shutdown waits for it). */
  get inFlight(): Promise<void> | null {
    return this.running;
  }

  private start(): Promise<void> {
    const p = this.round().finally(() => {
      this.running = null;
      const waiting = this.next;
      if (waiting !== null) {
        this.next = null;
        this.start().then(waiting.resolve, waiting.reject);
      }
    });
    p.catch(noop);
    this.running = p;
    return p;
  }
}
