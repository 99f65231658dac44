/**
 * Kafka's `sasl.jaas.config` value (JaasConfig): one login module, its control flag and its
 * options, `Module required key="value" key2=value2;`. PLAIN's users are its `user_<name>`
 * options (PlainServerCallbackHandler).
 */

export interface JaasEntry {
  loginModule: string;
  flag: string;
  options: Map<string, string>;
}

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

/** Parses the value; throws with Kafka's messages for what it cannot read. */
export function parseJaasConfig(text: string): JaasEntry {
  const tokens = tokenize(text);
  const entries: JaasEntry[] = [];
  let i = 0;
  while (i < tokens.length) {
    const loginModule = tokens[i++]!;
    const flag = tokens[i++];
    if (flag === undefined || !FLAGS.has(flag.toLowerCase())) throw new Error(`Invalid control flag ${flag ?? ''} in JAAS config`);
    const options = new Map<string, string>();
    while (i < tokens.length && tokens[i] !== ';') {
      const key = tokens[i++]!;
      if (tokens[i++] !== '=') throw new Error(`Value not specified for key '${key}' in JAAS config`);
      const value = tokens[i++];
      if (value === undefined || value === ';') throw new Error(`Value not specified for key '${key}' in JAAS config`);
      options.set(key, value);
    }
    if (tokens[i++] !== ';') throw new Error('JAAS config entry not terminated by semi-colon');
    entries.push({ loginModule, flag: flag.toLowerCase(), options });
  }
  if (entries.length !== 1) throw new Error(`JAAS config property contains ${entries.length} login modules, should be 1 module`);
  return entries[0]!;
}

/** Words, `=`, `;` and double-quoted strings (backslash escapes), as Java's StreamTokenizer reads them here. */
function tokenize(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '=' || c === ';') {
      out.push(c);
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (i >= text.length) throw new Error('Unterminated quoted string in JAAS config');
      i++;
      out.push(value);
    } else {
      let word = '';
      while (i < text.length && !/[\s=;"]/.test(text[i]!)) word += text[i++];
      out.push(word);
    }
  }
  return out;
}
