/** Building DOM without a framework: elements from a tag, attributes and children; text is always a text node (never HTML). */

type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined | ((e: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, AttrValue> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === 'value' && 'value' in el) (el as HTMLInputElement).value = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces an element's children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A table with a caption, a header row and body rows. */
export function table(caption: string, headers: string[], rows: Child[][]): HTMLTableElement {
  return h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, ...(rows.length === 0
      ? [h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, 'none'))]
      : rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c)))))));
}

/** A labelled form field: the label names the control, for screen readers and for tests. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLDivElement {
  const id = `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${++fieldIds}`;
  control.id = id;
  const hintEl = hint === undefined ? null : h('small', { id: `${id}-hint` }, hint);
  if (hintEl !== null) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}
let fieldIds = 0;

export function select(options: readonly (string | [value: string, label: string])[], value?: string): HTMLSelectElement {
  const s = h('select', {}, ...options.map((o) => {
    const [v, l] = typeof o === 'string' ? [o, o] : o;
    return h('option', { value: v }, l);
  }));
  if (value !== undefined) s.value = value;
  return s;
}

/** A status line announced to screen readers. */
export function status(): HTMLParagraphElement {
  return h('p', { role: 'status', 'aria-live': 'polite', class: 'status' });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function link(href: string, text: string): HTMLAnchorElement {
  return h('a', { href }, text);
}
