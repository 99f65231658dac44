/** A topic: its partitions (leaders, replicas, offsets, sizes), its configs (edit, reset), adding partitions, deleting it. */
import { api, enc, type ConfigEntry } from '../api.js';
import { field, formatBytes, h, link, replace, status, table } from '../dom.js';

interface TopicDetail {
  name: string;
  topic_id: string;
  partitions_count: number;
  replication_factor: number;
  messages: number;
  size_bytes: number;
  partitions: { partition: number; leader: number; replicas: number[]; isr: number[]; start_offset: number; end_offset: number; size_bytes: number }[];
}

export async function topicPage(root: HTMLElement, [name]: string[]): Promise<void> {
  const topic = name!;
  const [t, { configs }] = await Promise.all([
    api<TopicDetail>('GET', `/topics/${enc(topic)}`), api<{ configs: ConfigEntry[] }>('GET', `/topics/${enc(topic)}/configs`),
  ]);
  const configBox = h('section', { 'aria-labelledby': 'configs-h' });
  const showConfigs = (list: ConfigEntry[]) => replace(configBox,
    h('h2', { id: 'configs-h' }, 'Configs'),
    table(`Configs of ${topic}`, ['Name', 'Value', 'Source'], list.map((c) => [
      h('code', {}, c.name), c.sensitive ? '(sensitive)' : (c.value ?? '—'), c.isDefault ? 'default' : c.source,
    ])));
  showConfigs(configs);

  const cfgName = h('input', { required: true, list: 'config-names', autocomplete: 'off' });
  const cfgValue = h('input', { autocomplete: 'off' });
  const cfgStatus = status();
  const names = h('datalist', { id: 'config-names' }, ...configs.map((c) => h('option', { value: c.name })));
  const cfgForm = h('form', { 'aria-labelledby': 'alter-h' }, h('h3', { id: 'alter-h' }, 'Change a config'), names,
    field('Config name', cfgName), field('Config value', cfgValue, 'empty: back to the default'),
    h('button', { type: 'submit' }, 'Apply'), cfgStatus);
  cfgForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = cfgValue.value === '' ? { delete: [cfgName.value] } : { set: { [cfgName.value]: cfgValue.value } };
    api<{ configs: ConfigEntry[] }>('PATCH', `/topics/${enc(topic)}/configs`, body).then((r) => {
      showConfigs(r.configs);
      cfgStatus.textContent = `Config ${cfgName.value} changed.`;
    }, (err: Error) => { cfgStatus.textContent = `Not changed: ${err.message}`; });
  });

  const count = h('input', { type: 'number', min: t.partitions_count + 1, value: t.partitions_count + 1, required: true });
  const partStatus = status();
  const partForm = h('form', { 'aria-labelledby': 'parts-h' }, h('h3', { id: 'parts-h' }, 'Add partitions'),
    field('New partition count', count), h('button', { type: 'submit' }, 'Add partitions'), partStatus);
  partForm.addEventListener('submit', (e) => {
    e.preventDefault();
    api('POST', `/topics/${enc(topic)}/partitions`, { count: Number(count.value) }).then(
      () => topicPage(root, [topic]),
      (err: Error) => { partStatus.textContent = `Not changed: ${err.message}`; });
  });

  const delStatus = status();
  const del = h('button', { type: 'button', class: 'danger' }, 'Delete topic');
  del.addEventListener('click', () => {
    if (!confirm(`Delete topic ${topic} and all its records?`)) return;
    api('DELETE', `/topics/${enc(topic)}`).then(() => { location.hash = '#/'; }, (err: Error) => { delStatus.textContent = `Not deleted: ${err.message}`; });
  });

  replace(root,
    h('h1', {}, `Topic ${topic}`),
    h('p', { class: 'actions' }, link(`#/topics/${enc(topic)}/messages`, 'Browse messages'), ' · ', link(`#/produce/${enc(topic)}`, 'Produce a message')),
    h('dl', {}, h('dt', {}, 'Topic id'), h('dd', {}, t.topic_id), h('dt', {}, 'Records'), h('dd', {}, t.messages), h('dt', {}, 'Size'), h('dd', {}, formatBytes(t.size_bytes))),
    h('section', { 'aria-labelledby': 'partitions-h' }, h('h2', { id: 'partitions-h' }, `Partitions (${t.partitions_count})`),
      table(`Partitions of ${topic}`, ['Partition', 'Leader', 'Replicas', 'In sync', 'Start offset', 'End offset', 'Size'],
        t.partitions.map((p) => [p.partition, p.leader, p.replicas.join(', '), p.isr.join(', '), p.start_offset, p.end_offset, formatBytes(p.size_bytes)]))),
    configBox, cfgForm, partForm, h('section', { 'aria-label': 'Danger zone' }, del, delStatus));
}
