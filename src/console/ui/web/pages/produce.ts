/** Produce one message: topic, partition (or by key), key, value, headers, as text or base64. */
import { api, enc, type TopicSummary } from '../api.js';
import { field, h, replace, select, status } from '../dom.js';

export async function producePage(root: HTMLElement, [name]: string[]): Promise<void> {
  const { topics } = await api<{ topics: TopicSummary[] }>('GET', '/topics');
  const topic = select(topics.map((t) => t.name), name || topics[0]?.name);
  const partition = h('input', { type: 'number', min: 0, placeholder: 'by key' });
  const key = h('input', { autocomplete: 'off' });
  const value = h('textarea', { rows: 6 });
  const headers = h('textarea', { rows: 3, placeholder: 'name=value, one a line' });
  const encoding = select([['utf8', 'text (UTF-8)'], ['base64', 'base64']], 'utf8');
  const result = status();
  const form = h('form', { 'aria-labelledby': 'produce-h' },
    field('Topic', topic), field('Partition', partition, 'empty: chosen from the key'), field('Key', key, 'empty: no key'),
    field('Value', value), field('Headers', headers), field('Encoding', encoding, 'how key, value and header values are written'),
    h('button', { type: 'submit' }, 'Produce'), result);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const hs = headers.value.split('\n').filter((l) => l.trim() !== '').map((l) => {
      const i = l.indexOf('=');
      return i < 0 ? { key: l.trim(), value: null } : { key: l.slice(0, i).trim(), value: l.slice(i + 1) };
    });
    const body = {
      key: key.value === '' ? null : key.value, value: value.value, encoding: encoding.value, headers: hs,
      ...(partition.value === '' ? {} : { partition: Number(partition.value) }),
    };
    api<{ partition: number; offset: number }>('POST', `/topics/${enc(topic.value)}/messages`, body).then(
      (r) => { result.textContent = `Produced to ${topic.value} partition ${r.partition} at offset ${r.offset}.`; },
      (err: Error) => { result.textContent = `Not produced: ${err.message}`; });
  });
  replace(root, h('h1', { id: 'produce-h' }, 'Produce a message'), form);
}
