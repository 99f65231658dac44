/**
 * Streams groups in `millrace group describe`: what kafka-streams-groups.sh --describe prints
 * (StreamsGroupCommand: offsets by default or with --offsets, --members, --state, each with
 * --verbose's extra columns). The offsets are those of the partitions the members' active tasks
 * read (source and repartition source topics), committed ones against the log end; a partition
 * with nothing committed lags from the log start, as Kafka's tool counts it.
 */
import { Admin } from '../client/admin.js';
import type { KafkaClient } from '../client/client.js';
import { listOffsets } from '../client/offsets.js';
import type { StreamsGroupDescription, StreamsTasks, TaskIds } from '../client/streams-group-admin.js';
import type { DescribeView } from './group-share.js';
import { table } from './output.js';

export interface StreamsOffset {
  topic: string;
  partition: number;
  currentOffset: bigint | null;
  leaderEpoch: number | null;
  logEndOffset: bigint | null;
  lag: bigint | null;
}

export interface StreamsGroupReport {
  type: 'streams';
  group: StreamsGroupDescription;
  offsets: StreamsOffset[];
}

export async function streamsGroupReport(client: KafkaClient, group: StreamsGroupDescription, view: DescribeView): Promise<StreamsGroupReport> {
  if (view !== 'offsets' || group.members.length === 0) return { type: 'streams', group, offsets: [] };
  // subtopology → the topics its tasks read; a task's partition is that partition of each
  const inputs = new Map(group.subtopologies.map((s) => [s.subtopologyId, [...s.sourceTopics, ...s.repartitionSourceTopics]]));
  const wanted = new Map<string, Set<number>>();
  for (const m of group.members) {
    for (const t of m.assignment.active) {
      for (const topic of inputs.get(t.subtopologyId) ?? []) {
        let s = wanted.get(topic);
        if (s === undefined) wanted.set(topic, (s = new Set()));
        for (const p of t.partitions) s.add(p);
      }
    }
  }
  const epochs = new Map<string, Map<number, number>>();
  const committed = await new Admin(client).fetchOffsets(group.groupId, null, epochs);
  const offsets: StreamsOffset[] = [];
  for (const topic of [...wanted.keys()].sort()) {
    const parts = [...wanted.get(topic)!].sort((a, b) => a - b);
    const [earliest, latest] = await Promise.all([listOffsets(client, topic, parts, -2n), listOffsets(client, topic, parts, -1n)]);
    for (const p of parts) {
      const cur = committed.get(topic)?.get(p) ?? null;
      const end = latest.get(p) ?? null;
      const from = cur ?? earliest.get(p) ?? null;
      const epoch = epochs.get(topic)?.get(p);
      offsets.push({
        topic, partition: p, currentOffset: cur, leaderEpoch: cur !== null && epoch !== undefined && epoch >= 0 ? epoch : null,
        logEndOffset: end, lag: end !== null && from !== null ? end - from : null,
      });
    }
  }
  return { type: 'streams', group, offsets };
}

/** "ACTIVE: 0:[0,1]; 1:[0,1]; STANDBY: ..." as StreamsGroupCommand writes a member's tasks. */
function taskList(kind: string, tasks: readonly TaskIds[]): string {
  return tasks.length === 0 ? '' : `${kind}: ${tasks.map((t) => `${t.subtopologyId}:[${t.partitions.join(',')}]; `).join('')}`;
}

function tasksText(a: StreamsTasks, target: StreamsTasks | null): string {
  let s = taskList('ACTIVE', a.active) + taskList('STANDBY', a.standby) + taskList('WARMUP', a.warmup);
  if (target !== null) s += taskList('TARGET-ACTIVE', target.active) + taskList('TARGET-STANDBY', target.standby) + taskList('TARGET-WARMUP', target.warmup);
  return s;
}

/** The view kafka-streams-groups.sh --describe prints, with StreamsGroupCommand's columns and messages. */
export function formatStreamsGroup(r: StreamsGroupReport, view: DescribeView, verbose: boolean): string {
  const g = r.group;
  if (g.state === 'Dead') return `Streams group '${g.groupId}' does not exist.\n`;
  const idle = g.state === 'Empty' ? `Streams group '${g.groupId}' has no active members.\n` : '';
  if (view === 'state') {
    const coordinator = `${g.coordinator.host}:${g.coordinator.port} (${g.coordinator.id})`;
    return idle + (verbose
      ? table(['GROUP', 'COORDINATOR (ID)', 'ASSIGNOR', 'STATE', 'GROUP-EPOCH', 'TARGET-ASSIGNMENT-EPOCH', '#MEMBERS'],
        [[g.groupId, coordinator, g.assignor ?? '', g.state, g.groupEpoch, g.targetAssignmentEpoch, g.members.length]])
      : table(['GROUP', 'COORDINATOR (ID)', 'ASSIGNOR', 'STATE', '#MEMBERS'], [[g.groupId, coordinator, g.assignor ?? '', g.state, g.members.length]]));
  }
  if (g.members.length === 0) return idle;
  if (view === 'members') {
    return idle + (verbose
      ? table(['GROUP', 'TARGET-ASSIGNMENT-EPOCH', 'TOPOLOGY-EPOCH', 'MEMBER', 'MEMBER-PROTOCOL', 'MEMBER-EPOCH', 'PROCESS', 'CLIENT-ID', 'ASSIGNMENTS'],
        g.members.map((m) => [g.groupId, g.targetAssignmentEpoch, g.topologyEpoch, m.memberId, m.isClassic ? 'classic' : 'streams', m.memberEpoch,
          m.processId, m.clientId, tasksText(m.assignment, m.targetAssignment)]))
      : table(['GROUP', 'MEMBER', 'PROCESS', 'CLIENT-ID', 'ASSIGNMENTS'],
        g.members.map((m) => [g.groupId, m.memberId, m.processId, m.clientId, tasksText(m.assignment, null)])));
  }
  return idle + (verbose
    ? table(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LEADER-EPOCH', 'LOG-END-OFFSET', 'OFFSET-LAG'],
      r.offsets.map((o) => [g.groupId, o.topic, o.partition, o.currentOffset, o.leaderEpoch, o.logEndOffset, o.lag]))
    : table(['GROUP', 'TOPIC', 'PARTITION', 'OFFSET-LAG'], r.offsets.map((o) => [g.groupId, o.topic, o.partition, o.lag])));
}
