/**
 * Random test data that can be replayed: a small seeded generator (mulberry32) whose seed is
 * reported on the test (`t.diagnostic`, printed by the spec reporter) and can be set with
 * MILLRACE_TEST_SEED to rerun a failure on the same data:
 *
 *   const rnd = seededRandom(t);            // "seed 12345 (MILLRACE_TEST_SEED=12345 to reproduce)"
 *   const offset = rnd.int(records);
 *   assert.equal(got, want, rnd.tag);       // the seed in the failure message too
 *
 * For test data only; names made unique per run (topics on a shared Kafka) are not data.
 */
import type { TestContext } from 'node:test';
import { randomInt } from 'node:crypto';

export const SEED_ENV = 'MILLRACE_TEST_SEED';

export class SeededRandom {
  readonly seed: number;
  /** "seed N (MILLRACE_TEST_SEED=N to reproduce)", for assertion messages. */
  readonly tag: string;
  private state: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.state = this.seed;
    this.tag = `seed ${this.seed} (${SEED_ENV}=${this.seed} to reproduce)`;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, max). */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  /** `n` random bytes. */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) out.writeUInt32LE((this.next() * 4294967296) >>> 0, i);
    for (; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/**
 * A generator seeded from MILLRACE_TEST_SEED when set, else from a fresh random seed; the seed
 * is reported on `t` when given.
 */
export function seededRandom(t?: Pick<TestContext, 'diagnostic'>): SeededRandom {
  const env = process.env[SEED_ENV];
  let seed: number;
  if (env !== undefined && env !== '') {
    seed = Number(env);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`${SEED_ENV}=${env}: not an integer in 0..2^32-1`);
  } else {
    seed = randomInt(0x100000000 - 1);
  }
  const rnd = new SeededRandom(seed);
  t?.diagnostic(rnd.tag);
  return rnd;
}
