/**
 * Version ranges as Kafka's message specs write them: "3+", "0-7", "5", "none".
 * An open-ended range ends at 32767 (Short.MAX_VALUE), like Kafka's generator.
 */
export const MAX_VERSION = 0x7fff;

export class Versions {
  readonly lowest: number;
  readonly highest: number;

  constructor(lowest: number, highest: number) {
    this.lowest = lowest;
    this.highest = highest;
  }

  static readonly NONE = new Versions(0, -1);
  static readonly ALL = new Versions(0, MAX_VERSION);

  /** Parses a version string; `undefined`/empty gives `fallback`. Throws on malformed input. */
  static parse(input: unknown, fallback: Versions | null): Versions | null {
    if (input === undefined || input === null) return fallback;
    if (typeof input !== 'string') throw new Error(`version range must be a string, got ${JSON.stringify(input)}`);
    const s = input.trim();
    if (s === '') return fallback;
    if (s === 'none') return Versions.NONE;
    const num = (t: string): number => {
      if (!/^\d+$/.test(t)) throw new Error(`invalid version range "${input}"`);
      const n = Number(t);
      if (n > MAX_VERSION) throw new Error(`invalid version range "${input}": ${n} is above ${MAX_VERSION}`);
      return n;
    };
    if (s.endsWith('+')) return new Versions(num(s.slice(0, -1)), MAX_VERSION);
    const dash = s.indexOf('-');
    if (dash < 0) {
      const v = num(s);
      return new Versions(v, v);
    }
    const lo = num(s.slice(0, dash));
    const hi = num(s.slice(dash + 1));
    if (lo > hi) throw new Error(`invalid version range "${input}": ${lo} > ${hi}`);
    return new Versions(lo, hi);
  }

  get empty(): boolean {
    return this.lowest > this.highest;
  }

  get openEnded(): boolean {
    return !this.empty && this.highest === MAX_VERSION;
  }

  contains(v: number): boolean {
    return v >= this.lowest && v <= this.highest;
  }

  /** True when every version of `other` is in this range (an empty range is in every range). */
  containsAll(other: Versions): boolean {
    if (other.empty) return true;
    return this.lowest <= other.lowest && this.highest >= other.highest;
  }

  intersect(other: Versions): Versions {
    const lo = Math.max(this.lowest, other.lowest);
    const hi = Math.min(this.highest, other.highest);
    return lo > hi ? Versions.NONE : new Versions(lo, hi);
  }

  /** This range minus `other`, or null when the result would be two ranges. */
  subtract(other: Versions): Versions | null {
    if (this.empty) return Versions.NONE;
    if (other.empty) return this;
    if (other.lowest <= this.lowest) {
      if (other.highest >= this.highest) return Versions.NONE;
      if (other.highest < this.lowest) return this;
      return new Versions(other.highest + 1, this.highest);
    }
    if (other.highest >= this.highest) {
      if (other.lowest > this.highest) return this;
      return new Versions(this.lowest, other.lowest - 1);
    }
    return null;
  }

  equals(other: Versions): boolean {
    if (this.empty && other.empty) return true;
    return this.lowest === other.lowest && this.highest === other.highest;
  }

  toString(): string {
    if (this.empty) return 'none';
    if (this.lowest === this.highest) return String(this.lowest);
    if (this.highest === MAX_VERSION) return `${this.lowest}+`;
    return `${this.lowest}-${this.highest}`;
  }

  /** Every version in the range (the range must be bounded). */
  *each(): Generator<number> {
    for (let v = this.lowest; v <= this.highest; v++) yield v;
  }
}
