/** Consumer groups: the list, and one group with its members, per-partition lag, a live lag chart, offset resets and deletion. */
import { api, enc, type GroupView } from '../api.js';
import { legend, lineChart, pushPoint, type Series } from '../chart.js';
import { field, h, link, replace, select, status, table } from '../dom.js';

interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: string;
  type: string;
  coordinator: number;
}

export async function groupsPage(root: HTMLElement): Promise<void> {
  const { groups } = await api<{ groups: ListedGroup[] }>('GET', '/groups');
  replace(root, h('h1', {}, 'Consumer groups'),
    table('Consumer groups', ['Group', 'State', 'Type', 'Protocol', 'Coordinator'], groups.map((g) => [
      link(`#/groups/${enc(g.groupId)}`, g.groupId), g.state, g.type, g.protocolType || '(simple)', g.coordinator,
    ])));
}

const POLL_MS = 2000;

export async function groupPage(root: HTMLElement, [id]: string[]): Promise<() => void> {
  const groupId = id!;
  const summary = h('section', { 'aria-labelledby': 'state-h' });
  const lagBox = h('section', { 'aria-labelledby': 'lag-h' });
  const chartBox = h('div', { class: 'chart-box' });
  const total: Series = { label: 'total lag', points: [] };
  let topics: string[] = [];

  const refresh = async () => {
    const g = await api<GroupView>('GET', `/groups/${enc(groupId)}`);
    pushPoint(total.points, Date.now(), g.total_lag);
    topics = [...new Set(g.partitions.map((p) => p.topic))];
    replace(summary, h('h2', { id: 'state-h' }, 'State'),
      h('dl', {}, h('dt', {}, 'State'), h('dd', { 'data-testid': 'group-state' }, g.state), h('dt', {}, 'Type'), h('dd', {}, g.type),
        h('dt', {}, 'Assignor'), h('dd', {}, g.assignor || '—'), h('dt', {}, 'Coordinator'), h('dd', {}, g.coordinator),
        h('dt', {}, 'Total lag'), h('dd', { 'data-testid': 'total-lag' }, g.total_lag)),
      table('Members', ['Member', 'Client', 'Host', 'Partitions'], g.members.map((m) => [
        m.member_id, m.client_id, m.host, m.assignment.map((a) => `${a.topic}: ${a.partitions.join(', ')}`).join('; '),
      ])));
    replace(lagBox, h('h2', { id: 'lag-h' }, 'Lag per partition'),
      table('Committed offsets and lag', ['Topic', 'Partition', 'Committed', 'Log end', 'Lag', 'Member'], g.partitions.map((p) => [
        p.topic, p.partition, p.current_offset < 0 ? '—' : p.current_offset, p.log_end_offset, p.lag, p.consumer_id || '—',
      ])));
    replace(chartBox, lineChart(`Lag of ${groupId}`, 'records', [total]), legend('records', [total]));
    if (resetTopic.options.length !== topics.length) replace(resetTopic, ...topics.map((t) => h('option', { value: t }, t)));
  };

  const resetTopic = select([]);
  const to = select([['earliest', 'earliest'], ['latest', 'latest'], ['offset', 'an offset'], ['timestamp', 'a time']], 'earliest');
  const target = h('input', { autocomplete: 'off', placeholder: 'offset, or a date-time' });
  const resetStatus = status();
  const resetForm = h('form', { 'aria-labelledby': 'reset-h' }, h('h2', { id: 'reset-h' }, 'Reset offsets'),
    h('p', {}, 'Only while the group has no active members, as kafka-consumer-groups.sh --reset-offsets.'),
    field('Reset topic', resetTopic), field('Reset to', to), field('Offset or time', target, 'for "an offset" or "a time"'),
    h('button', { type: 'submit' }, 'Reset offsets'), resetStatus);
  resetForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const body: Record<string, unknown> = { topic: resetTopic.value, to: to.value };
    if (to.value === 'offset') body.offset = Number(target.value);
    if (to.value === 'timestamp') body.timestamp = new Date(target.value).getTime();
    api<{ offsets: { partition: number; offset: number }[] }>('POST', `/groups/${enc(groupId)}/offsets/reset`, body).then(async (r) => {
      resetStatus.textContent = `Offsets reset: ${r.offsets.map((o) => `partition ${o.partition} → ${o.offset}`).join(', ')}.`;
      await refresh();
    }, (err: Error) => { resetStatus.textContent = `Not reset: ${err.message}`; });
  });

  const delStatus = status();
  const del = h('button', { type: 'button', class: 'danger' }, 'Delete group');
  del.addEventListener('click', () => {
    if (!confirm(`Delete group ${groupId} and its committed offsets?`)) return;
    api('DELETE', `/groups/${enc(groupId)}`).then(() => { location.hash = '#/groups'; }, (err: Error) => { delStatus.textContent = `Not deleted: ${err.message}`; });
  });

  await refresh();
  replace(root, h('h1', {}, `Consumer group ${groupId}`), summary,
    h('section', { 'aria-labelledby': 'chart-h' }, h('h2', { id: 'chart-h' }, 'Lag over time'), chartBox),
    lagBox, resetForm, h('section', { 'aria-label': 'Danger zone' }, del, delStatus));
  const timer = setInterval(() => void refresh().catch(() => {}), POLL_MS);
  return () => clearInterval(timer);
}
