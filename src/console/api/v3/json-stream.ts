/**
 * Splits a byte stream of concatenated JSON objects (REST Proxy v3's streaming produce) into
 * one text per object: a scan that tracks nesting and strings, so an object can arrive in any
 * number of chunks and several objects in one chunk. Each object is bounded by `maxBytes`.
 */

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export type SplitResult = { kind: 'object'; text: string } | { kind: 'error'; status: 400 | 413; message: string };

export class JsonObjectSplitter {
  private readonly maxBytes: number;
  private parts: Buffer[] = [];
  private partBytes = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Set once the stream cannot be resynchronised; nothing more is read. */
  failed = false;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** The objects completed by `chunk`, in order; an error ends the stream. */
  push(chunk: Buffer): SplitResult[] {
    const out: SplitResult[] = [];
    if (this.failed) return out;
    let start = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.depth === 0) {
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        if (c !== OPEN_BRACE) return this.fail(out, 400, 'expected a JSON object');
        start = i;
        this.depth = 1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--this.depth === 0) {
          const piece = chunk.subarray(start, i + 1);
          if (this.partBytes + piece.length > this.maxBytes) return this.fail(out, 413, `a record is larger than ${this.maxBytes} bytes`);
          const text = this.parts.length === 0 ? piece.toString('utf8') : Buffer.concat([...this.parts, piece]).toString('utf8');
          this.parts = [];
          this.partBytes = 0;
          out.push({ kind: 'object', text });
          start = -1;
        }
      }
    }
    if (this.depth > 0 && start >= 0) {
      const piece = chunk.subarray(start);
      if (this.partBytes + piece.length > this.maxBytes) return this.fail(out, 413, `a record is larger than ${this.maxBytes} bytes`);
      this.parts.push(piece);
      this.partBytes += piece.length;
    }
    return out;
  }

  /** At the end of the stream: an error when an object was left open. */
  end(): SplitResult[] {
    if (this.failed || this.depth === 0) return [];
    return this.fail([], 400, 'the stream ended inside a JSON object');
  }

  private fail(out: SplitResult[], status: 400 | 413, message: string): SplitResult[] {
    this.failed = true;
    this.parts = [];
    out.push({ kind: 'error', status, message });
    return out;
  }
}
