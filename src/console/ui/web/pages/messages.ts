/** The message browser: a partition from an offset or a time, or a search by key; JSON pretty-printed, binary as hex, headers. */
import { api, enc, type Bytes, type Message } from '../api.js';
import { field, h, replace, select, status } from '../dom.js';

function hex(b64: string): string {
  const bin = atob(b64);
  const out: string[] = [];
  for (let i = 0; i < bin.length; i++) out.push(bin.charCodeAt(i).toString(16).padStart(2, '0'));
  return out.join(' ');
}

/** Bytes as the reader wants them: pretty JSON, text, or hex for what is not UTF-8. */
export function showBytes(b: Bytes | null): Node {
  if (b === null) return h('em', {}, 'null');
  if (b.text === null) return h('pre', { class: 'hex', 'aria-label': `${b.size} bytes of binary, in hex` }, hex(b.base64));
  try {
    const parsed: unknown = JSON.parse(b.text);
    if (typeof parsed === 'object' && parsed !== null) return h('pre', { class: 'json' }, JSON.stringify(parsed, null, 2));
  } catch {
    // not JSON: shown as text
  }
  return h('pre', { class: 'text' }, b.text);
}

function messageList(messages: Message[]): HTMLElement {
  if (messages.length === 0) return h('p', {}, 'No messages.');
  return h('ol', { class: 'messages', 'aria-label': 'Messages' }, ...messages.map((m) => h('li', { class: 'message' },
    h('p', { class: 'meta' }, `partition ${m.partition} · offset ${m.offset} · ${new Date(m.timestamp).toISOString()}`),
    h('dl', {},
      h('dt', {}, 'Key'), h('dd', { class: 'key' }, showBytes(m.key)),
      h('dt', {}, 'Value'), h('dd', { class: 'value' }, showBytes(m.value)),
      m.headers.length > 0 ? h('dt', {}, 'Headers') : null,
      m.headers.length > 0 ? h('dd', {}, h('ul', {}, ...m.headers.map((x) => h('li', {}, h('code', {}, x.key), ': ', showBytes(x.value))))) : null))));
}

export async function messagesPage(root: HTMLElement, [name]: string[]): Promise<void> {
  const topic = name!;
  const t = await api<{ partitions_count: number }>('GET', `/topics/${enc(topic)}`);
  const partitions = Array.from({ length: t.partitions_count }, (_, i) => String(i));
  const results = h('section', { 'aria-label': 'Results' });
  const note = status();

  const mode = select([['offset', 'From an offset'], ['time', 'From a time'], ['key', 'Search by key']], 'offset');
  const partition = select([['', 'all (key search)'], ...partitions.map((p): [string, string] => [p, p])], '0');
  const offset = h('input', { type: 'number', min: 0, placeholder: 'latest' });
  const time = h('input', { type: 'datetime-local', step: 1 });
  const key = h('input', { autocomplete: 'off' });
  const limit = h('input', { type: 'number', min: 1, max: 500, value: 50 });
  const fields = { offset: field('Offset', offset, 'empty: the latest messages'), time: field('Time', time), key: field('Key', key, 'searches the last 10,000 records of each partition') };
  const showFields = () => {
    fields.offset.hidden = mode.value !== 'offset';
    fields.time.hidden = mode.value !== 'time';
    fields.key.hidden = mode.value !== 'key';
  };
  mode.addEventListener('change', showFields);
  showFields();

  const form = h('form', { 'aria-label': 'Find messages', class: 'inline' },
    field('Find', mode), field('Partition', partition), fields.offset, fields.time, fields.key, field('Limit', limit),
    h('button', { type: 'submit' }, 'Show messages'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      note.textContent = 'Loading…';
      try {
        let list: Message[];
        const p = partition.value;
        if (mode.value === 'key') {
          const r = await api<{ scanned: number; messages: Message[] }>('GET',
            `/topics/${enc(topic)}/messages/search?key=${enc(key.value)}&limit=${enc(limit.value)}${p === '' ? '' : `&partition=${p}`}`);
          list = r.messages;
          note.textContent = `${list.length} found among ${r.scanned} records.`;
        } else {
          const q = mode.value === 'time'
            ? (time.value === '' ? '' : `&timestamp=${new Date(time.value).getTime()}`)
            : (offset.value === '' ? '' : `&offset=${enc(offset.value)}`);
          const r = await api<{ start_offset: number; end_offset: number; messages: Message[] }>('GET',
            `/topics/${enc(topic)}/messages?partition=${p === '' ? '0' : p}&limit=${enc(limit.value)}${q}`);
          list = r.messages;
          note.textContent = `${list.length} messages; the partition holds offsets ${r.start_offset} to ${r.end_offset}.`;
        }
        replace(results, messageList(list));
      } catch (err) {
        note.textContent = `Could not read: ${(err as Error).message}`;
      }
    })();
  });

  replace(root, h('h1', {}, `Messages in ${topic}`),
    h('p', {}, h('a', { href: `#/topics/${enc(topic)}` }, `Back to ${topic}`)), form, note, results);
  form.requestSubmit();
}
