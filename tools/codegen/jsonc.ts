/**
 * Kafka's message specs are JSON with `//` line comments (and the odd `/* *\/` block).
 * This strips comments outside string literals, keeping line breaks so JSON.parse errors
 * still point at the right line, then parses.
 */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '"') {
      const start = i++;
      while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      out += text.slice(start, i);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, '');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function parseJsonc(text: string, file: string): unknown {
  try {
    return JSON.parse(stripJsonComments(text));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}
