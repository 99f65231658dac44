/**
 * A small code buffer and Kafka's "version conditional": emit a branch only where a version
 * range is partly inside the versions a piece of code can run at, and straight-line code where
 * the answer is known at generation time.
 */
import { Versions } from './versions.js';

export class Code {
  private readonly lines: string[] = [];
  private depth = 0;

  line(text = ''): this {
    this.lines.push(text === '' ? '' : '  '.repeat(this.depth) + text);
    return this;
  }

  open(text: string): this {
    this.line(text);
    this.depth++;
    return this;
  }

  close(text = '}'): this {
    this.depth--;
    this.line(text);
    return this;
  }

  /** Dedent for `} else {` and the like. */
  middle(text: string): this {
    this.depth--;
    this.line(text);
    this.depth++;
    return this;
  }

  indent(): this {
    this.depth++;
    return this;
  }

  dedent(): this {
    this.depth--;
    return this;
  }

  get length(): number {
    return this.lines.length;
  }

  toString(): string {
    return this.lines.join('\n');
  }
}

export type Clause = (versions: Versions) => void;

/**
 * Emits `ifMember` for the versions in both `containing` and `possible`, `ifNotMember` for
 * the rest of `possible`, with the cheapest test on `_v` that separates them.
 */
export function versionCond(
  code: Code,
  containing: Versions,
  possible: Versions,
  ifMember: Clause | null,
  ifNotMember: Clause | null,
  versionVar = '_v',
): void {
  if (possible.empty) return;
  const inside = possible.intersect(containing);
  const outside = possible.subtract(containing) ?? possible;
  if (inside.empty) {
    if (ifNotMember) ifNotMember(possible);
    return;
  }
  if (containing.containsAll(possible)) {
    if (ifMember) ifMember(possible);
    return;
  }
  const low = possible.lowest < containing.lowest;
  const high = possible.highest > containing.highest;
  let test: string;
  let negated: string;
  if (low && high) {
    test = `${versionVar} >= ${containing.lowest} && ${versionVar} <= ${containing.highest}`;
    negated = `${versionVar} < ${containing.lowest} || ${versionVar} > ${containing.highest}`;
  } else if (low) {
    test = `${versionVar} >= ${containing.lowest}`;
    negated = `${versionVar} < ${containing.lowest}`;
  } else {
    test = `${versionVar} <= ${containing.highest}`;
    negated = `${versionVar} > ${containing.highest}`;
  }
  if (ifMember) {
    code.open(`if (${test}) {`);
    ifMember(inside);
    if (ifNotMember) {
      code.middle('} else {');
      ifNotMember(outside);
    }
    code.close();
  } else if (ifNotMember) {
    code.open(`if (${negated}) {`);
    ifNotMember(outside);
    code.close();
  }
}

/** The same decision as an expression: `_v >= 3 ? a : b`, or just `a`/`b` when static. */
export function versionExpr(
  containing: Versions,
  possible: Versions,
  ifMember: (v: Versions) => string,
  ifNotMember: (v: Versions) => string,
  versionVar = '_v',
): string {
  const inside = possible.intersect(containing);
  const outside = possible.subtract(containing) ?? possible;
  if (inside.empty) return ifNotMember(possible);
  if (containing.containsAll(possible)) return ifMember(possible);
  const low = possible.lowest < containing.lowest;
  const high = possible.highest > containing.highest;
  const test = low && high
    ? `${versionVar} >= ${containing.lowest} && ${versionVar} <= ${containing.highest}`
    : low ? `${versionVar} >= ${containing.lowest}` : `${versionVar} <= ${containing.highest}`;
  return `(${test} ? ${ifMember(inside)} : ${ifNotMember(outside)})`;
}
