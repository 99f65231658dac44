/**
 * The Prometheus text format (0.0.4) written straight from the broker's numbers at scrape time.
 * prom-client's Counter and Gauge would take a label object per series, hash it into their
 * map and format it back out, every scrape, for every partition; here a series' label text is
 * made once and kept with the object it describes (`LabelTexts`), and a scrape only appends
 * lines.
 */

/** A label value escaped as the text format wants (backslash, newline, double quote). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** `name="value"`, escaped. */
export function label(name: string, value: string | number): string {
  return `${name}="${typeof value === 'string' ? escapeLabelValue(value) : value}"`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * One family's lines: its HELP and TYPE, then samples. Families are written whole, one after
 * another (the format wants a family's samples together), so a scrape that reads each
 * partition once for three families fills three of these and joins them.
 */
export class MetricFamily {
  private text: string;

  constructor(name: string, help: string, type: MetricType) {
    this.text = `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
  }

  /** A sample `name{labels} value`; `labels` is label text (`a="x",b="y"`), empty for none. */
  sample(name: string, labels: string, value: number): void {
    this.text += labels === '' ? `${name} ${formatValue(value)}\n` : `${name}{${labels}} ${formatValue(value)}\n`;
  }

  toString(): string {
    return this.text;
  }
}

/**
 * Label text kept with the object it labels (a topic's stats, a partition's log): made from
 * `source` on the first scrape that sees the object and gone with it, so a deleted topic's text
 * goes too.
 */
export class LabelTexts<K extends object, S = K> {
  private readonly texts = new WeakMap<K, string>();
  private readonly make: (source: S) => string;

  constructor(make: (source: S) => string) {
    this.make = make;
  }

  of(key: K, source: S): string {
    let text = this.texts.get(key);
    if (text === undefined) {
      text = this.make(source);
      this.texts.set(key, text);
    }
    return text;
  }
}
