/**
 * The one way tests wait for something: poll a condition until it holds, instead of sleeping
 * and hoping it did. No test asserts on how long anything took.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface EventuallyOptions {
  /** Give up after this long (default 30 s: generous, since a passing test never waits it out). */
  timeoutMs?: number;
  /** Pause between checks (default 5 ms; raise it when a check is expensive, e.g. spawns a process). */
  intervalMs?: number;
  /**
   * Treat a check that throws as "not yet" (default false: an error fails at once). For checks
   * that ask something which may refuse until the state settles; the last error is reported
   * on timeout.
   */
  retryErrors?: boolean;
}

/** What `eventually` throws when the condition never held. */
export class EventuallyTimeout extends Error {
  override readonly name = 'EventuallyTimeout';
}

type Settled<T> = Exclude<T, undefined | null | false>;

/**
 * Resolves with the first result of `check` that is not `undefined`, `null` or `false` (so a
 * boolean condition and a probe that returns what it found both work); rejects with an
 * `EventuallyTimeout` naming `what` when none came within the timeout.
 */
export async function eventually<T>(what: string, check: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<Settled<T>> {
  const { timeoutMs = 30_000, intervalMs = 5, retryErrors = false } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== null && v !== false) return v as Settled<T>;
    } catch (e) {
      if (!retryErrors) throw e;
      last = e;
    }
    if (Date.now() > deadline) {
      throw new EventuallyTimeout(`timed out after ${timeoutMs} ms waiting for ${what}` +
        (last === undefined ? '' : `: ${last instanceof Error ? last.message : String(last)}`));
    }
    await sleep(intervalMs);
  }
}
