/** The landing page: the cluster and its brokers, every topic with partitions and sizes, live throughput, creating a topic. */
import { api, enc, type TopicSummary } from '../api.js';
import { legend, lineChart, pushPoint, type Series } from '../chart.js';
import { field, formatBytes, h, link, replace, status, table } from '../dom.js';

interface Cluster {
  cluster_id: string;
  controller_id: number;
  principal: string;
  brokers: { id: number; host: string; port: number; rack: string | null }[];
}

const POLL_MS = 2000;

export async function overviewPage(root: HTMLElement): Promise<() => void> {
  const cluster = await api<Cluster>('GET', '/cluster');
  const topicsBox = h('section', { 'aria-labelledby': 'topics-h' });
  const chartBox = h('div', { class: 'chart-box' });
  const messagesIn: Series = { label: 'records in', points: [] };
  const bytesIn: Series = { label: 'KiB in', points: [] };
  let last: { t: number; messages: number; bytes: number } | undefined;

  const refresh = async () => {
    const { topics } = await api<{ topics: TopicSummary[] }>('GET', '/topics');
    const now = Date.now();
    const messages = topics.reduce((s, t) => s + t.messages, 0);
    const bytes = topics.reduce((s, t) => s + t.size_bytes, 0);
    if (last !== undefined) {
      const secs = (now - last.t) / 1000;
      pushPoint(messagesIn.points, now, Math.max(0, (messages - last.messages) / secs));
      pushPoint(bytesIn.points, now, Math.max(0, (bytes - last.bytes) / 1024 / secs));
    }
    last = { t: now, messages, bytes };
    replace(topicsBox,
      h('h2', { id: 'topics-h' }, `Topics (${topics.length})`),
      table('Topics, their partitions and sizes', ['Topic', 'Partitions', 'Replication', 'Records', 'Size'], topics.map((t) => [
        link(`#/topics/${enc(t.name)}`, t.name), t.partitions_count, t.replication_factor, t.messages, formatBytes(t.size_bytes),
      ])));
    replace(chartBox, lineChart('Throughput into all topics', 'per second', [messagesIn, bytesIn]), legend('per second', [messagesIn, bytesIn]));
  };
  await refresh();

  const name = h('input', { required: true, pattern: '[a-zA-Z0-9._-]{1,249}', autocomplete: 'off' });
  const partitions = h('input', { type: 'number', min: 1, value: 1, required: true });
  const rf = h('input', { type: 'number', min: 1, value: 1, required: true });
  const created = status();
  const form = h('form', { 'aria-labelledby': 'create-h' },
    h('h2', { id: 'create-h' }, 'Create a topic'),
    field('Topic name', name, 'letters, digits, . _ and -'), field('Partitions', partitions), field('Replication factor', rf),
    h('button', { type: 'submit' }, 'Create topic'), created);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      try {
        await api('POST', '/topics', { name: name.value, partitions: Number(partitions.value), replication_factor: Number(rf.value) });
        created.textContent = `Created topic ${name.value}.`;
        name.value = '';
        await refresh();
      } catch (err) {
        created.textContent = `Could not create the topic: ${(err as Error).message}`;
      }
    })();
  });

  replace(root,
    h('h1', {}, 'Overview'),
    h('section', { 'aria-labelledby': 'cluster-h' },
      h('h2', { id: 'cluster-h' }, 'Cluster'),
      h('dl', {}, h('dt', {}, 'Cluster id'), h('dd', {}, cluster.cluster_id), h('dt', {}, 'Controller'), h('dd', {}, cluster.controller_id),
        h('dt', {}, 'Signed in as'), h('dd', {}, cluster.principal)),
      table('Brokers', ['Id', 'Host', 'Port', 'Rack'], cluster.brokers.map((b) => [b.id, b.host, b.port, b.rack ?? '—']))),
    h('section', { 'aria-labelledby': 'tp-h' }, h('h2', { id: 'tp-h' }, 'Throughput'), chartBox),
    topicsBox, form);
  const timer = setInterval(() => void refresh().catch(() => {}), POLL_MS);
  return () => clearInterval(timer);
}
