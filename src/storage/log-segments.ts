/**
 * The segments of one partition log, sorted by base offset (Kafka's LogSegments). Lookups
 * are binary searches over an array: segments are added at the end and removed from the
 * front, so a sorted array beats a tree here.
 */
import type { LogSegment } from './log-segment.js';

export class LogSegments {
  private list: LogSegment[] = [];

  get count(): number {
    return this.list.length;
  }

  isEmpty(): boolean {
    return this.list.length === 0;
  }

  /** Adds (or replaces the segment with the same base offset). */
  add(seg: LogSegment): void {
    const list = this.list;
    const n = list.length;
    if (n === 0 || list[n - 1]!.baseOffset < seg.baseOffset) {
      list.push(seg);
      return;
    }
    const i = this.floorIndex(seg.baseOffset);
    if (i >= 0 && list[i]!.baseOffset === seg.baseOffset) list[i] = seg;
    else list.splice(i + 1, 0, seg);
  }

  remove(seg: LogSegment): boolean {
    const i = this.list.indexOf(seg);
    if (i < 0) return false;
    this.list.splice(i, 1);
    return true;
  }

  clear(): void {
    this.list = [];
  }

  get(baseOffset: number): LogSegment | undefined {
    const i = this.floorIndex(baseOffset);
    const s = i >= 0 ? this.list[i] : undefined;
    return s !== undefined && s.baseOffset === baseOffset ? s : undefined;
  }

  /** Index of the last segment with base offset <= offset, or -1. */
  floorIndex(offset: number): number {
    const list = this.list;
    let lo = 0;
    let hi = list.length - 1;
    if (hi < 0 || list[0]!.baseOffset > offset) return -1;
    if (list[hi]!.baseOffset <= offset) return hi;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (list[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  floor(offset: number): LogSegment | undefined {
    const i = this.floorIndex(offset);
    return i >= 0 ? this.list[i] : undefined;
  }

  /** The segment after the one with `baseOffset`. */
  higher(baseOffset: number): LogSegment | undefined {
    const i = this.floorIndex(baseOffset);
    return this.list[i + 1];
  }

  at(i: number): LogSegment | undefined {
    return this.list[i];
  }

  get first(): LogSegment | undefined {
    return this.list[0];
  }

  /** The active segment. */
  get last(): LogSegment | undefined {
    return this.list[this.list.length - 1];
  }

  /** Segments that may hold offsets in [from, to): from the floor of `from`, base offset < to. */
  range(from: number, to: number): LogSegment[] {
    const start = Math.max(0, this.floorIndex(from));
    const out: LogSegment[] = [];
    for (let i = start; i < this.list.length && this.list[i]!.baseOffset < to; i++) out.push(this.list[i]!);
    return out;
  }

  values(): readonly LogSegment[] {
    return this.list;
  }

  get sizeInBytes(): number {
    let n = 0;
    for (const s of this.list) n += s.size;
    return n;
  }

  baseOffsets(): number[] {
    return this.list.map((s) => s.baseOffset);
  }
}
