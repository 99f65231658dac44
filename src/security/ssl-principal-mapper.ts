/**
 * `ssl.principal.mapping.rules` as Kafka's SslPrincipalMapper reads and applies them: a list
 * of `DEFAULT` (the distinguished name unchanged) and `RULE:pattern/replacement/[LU]` (the
 * first rule whose pattern matches the whole name rewrites it, in lower or upper case when
 * asked). No rule matching is an error, which fails the connection as in Kafka.
 */

interface Rule {
  /** null for DEFAULT. */
  pattern: RegExp | null;
  /** Anchored, to test that the whole name matches (Java's Matcher.matches). */
  whole: RegExp | null;
  replacement: string;
  toLowerCase: boolean;
  toUpperCase: boolean;
}

// Kafka's RULE_SPLITTER and RULE_PARSER: a rule's pattern and replacement may hold escaped slashes.
const RULE_SPLITTER = /\s*(DEFAULT|RULE:((\\.|[^\\/])*)\/((\\.|[^\\/])*)\/([LU]?).*?|(.*?))\s*([,\n]\s*|$)/gy;
const RULE_PARSER = /^(?:(DEFAULT)|RULE:((\\.|[^\\/])*)\/((\\.|[^\\/])*)\/([LU])?.*?)$/;

export class SslPrincipalMapper {
  private readonly rules: Rule[];

  private constructor(rules: Rule[]) {
    this.rules = rules;
  }

  /** Parses the setting; throws Kafka's "Invalid rule" message for a rule it cannot read. */
  static fromRules(setting: string | null): SslPrincipalMapper {
    const text = setting === null || setting.trim() === '' ? 'DEFAULT' : setting;
    const rules: Rule[] = [];
    RULE_SPLITTER.lastIndex = 0;
    while (RULE_SPLITTER.lastIndex < text.length) {
      const m = RULE_SPLITTER.exec(text);
      if (m === null) break;
      if (m[7] !== undefined && m[7] !== '') throw new Error(`Invalid rule: ${m[7]}`);
      const spec = m[1]!;
      if (spec === '') break;
      rules.push(parseRule(spec));
    }
    return new SslPrincipalMapper(rules);
  }

  /** The principal name for a certificate subject (RFC 2253); throws when no rule applies. */
  principalName(distinguishedName: string): string {
    for (const rule of this.rules) {
      if (rule.pattern === null) return distinguishedName;
      if (!rule.whole!.test(distinguishedName)) continue;
      rule.pattern.lastIndex = 0;
      let out = distinguishedName.replace(rule.pattern, rule.replacement);
      if (rule.toLowerCase) out = out.toLowerCase();
      else if (rule.toUpperCase) out = out.toUpperCase();
      return out;
    }
    throw new Error(`No rules apply to ${distinguishedName}, rules ${this.rules.length}`);
  }
}

function parseRule(spec: string): Rule {
  const m = RULE_PARSER.exec(spec);
  if (m === null) throw new Error(`Invalid rule: ${spec}`);
  if (m[1] !== undefined) return { pattern: null, whole: null, replacement: '', toLowerCase: false, toUpperCase: false };
  const source = m[2]!;
  let pattern: RegExp;
  let whole: RegExp;
  try {
    pattern = new RegExp(source, 'g');
    whole = new RegExp(`^(?:${source})$`);
  } catch (err) {
    throw new Error(`Invalid rule: ${spec}: ${(err as Error).message}`);
  }
  return { pattern, whole, replacement: javaReplacement(m[4]!), toLowerCase: m[6] === 'L', toUpperCase: m[6] === 'U' };
}

/** A java.util.regex replacement (`$1`, `${name}`, `\x` for a literal x) as String.replace takes it. */
function javaReplacement(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      const next = s[++i]!;
      out += next === '$' ? '$$' : next;
    } else if (c === '$' && s[i + 1] === '{') {
      const end = s.indexOf('}', i);
      if (end < 0) throw new Error(`Invalid rule replacement: ${s}`);
      out += `$<${s.slice(i + 2, end)}>`;
      i = end;
    } else {
      out += c;
    }
  }
  return out;
}
