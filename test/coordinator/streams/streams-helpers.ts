/**
 * Streams group test helpers: a topic list the test changes, topologies built from short
 * descriptions, and a manager over an in-memory record list with a fake clock.
 */
import { pino } from 'pino';
import type { TopicsSource } from '../../../src/coordinator/group/consumer/subscriptions.js';
import { DeadlineTimer } from '../../../src/coordinator/group/timer.js';
import { defaultStreamsGroupConfig, type StreamsGroupConfig } from '../../../src/coordinator/streams/config.js';
import type { StreamsHeartbeatRequest, StreamsHeartbeatResponse } from '../../../src/coordinator/streams/heartbeat-types.js';
import { StreamsGroupManager } from '../../../src/coordinator/streams/streams-group-manager.js';
import type { StreamsGroupRecord } from '../../../src/coordinator/streams/streams-records.js';
import { GroupError } from '../../../src/coordinator/streams/errors.js';
import type { WireTopology } from '../../../src/coordinator/streams/topology.js';
import { ManualClock } from '../../../src/storage/clock.js';

/** Topics by name, with ids derived from a counter. */
export class FakeTopics implements TopicsSource {
  private readonly byName = new Map<string, { name: string; id: Buffer; partitions: unknown[] }>();
  private seq = 0;

  create(name: string, partitions: number): void {
    const id = Buffer.alloc(16);
    id.writeUInt32BE(++this.seq, 12);
    this.byName.set(name, { name, id, partitions: new Array(partitions).fill(null) });
  }

  delete(name: string): void {
    this.byName.delete(name);
  }

  topics() {
    return this.byName.values();
  }

  topic(name: string) {
    return this.byName.get(name);
  }
}

export interface SubtopologySpec {
  id: string;
  sources?: string[];
  regex?: string[];
  changelogs?: string[];
  sinks?: string[];
  /** Repartition topics read, with a fixed partition count or 0. */
  repartitions?: Array<[string, number]>;
  /** Copartition groups as topic names (source or repartition topics of this subtopology). */
  copartition?: string[][];
}

export function topology(epoch: number, subs: SubtopologySpec[]): WireTopology {
  return {
    epoch,
    subtopologies: subs.map((s) => {
      const sources = s.sources ?? [];
      const reps = (s.repartitions ?? []).map(([name, partitions]) => ({ name, partitions, replicationFactor: 0, topicConfigs: [] }));
      return {
        subtopologyId: s.id,
        sourceTopics: sources,
        sourceTopicRegex: s.regex ?? [],
        stateChangelogTopics: (s.changelogs ?? []).map((name) => ({ name, partitions: 0, replicationFactor: 0, topicConfigs: [{ key: 'cleanup.policy', value: 'compact' }] })),
        repartitionSinkTopics: s.sinks ?? [],
        repartitionSourceTopics: reps,
        copartitionGroups: (s.copartition ?? []).map((g) => ({
          sourceTopics: g.filter((t) => sources.includes(t)).map((t) => sources.indexOf(t)),
          sourceTopicRegex: [],
          repartitionSourceTopics: g.filter((t) => reps.some((r) => r.name === t)).map((t) => reps.findIndex((r) => r.name === t)),
        })),
      };
    }),
  };
}

export const silentLogger = pino({ level: 'silent' });

export interface StreamsHarness {
  mgr: StreamsGroupManager;
  clock: ManualClock;
  timer: DeadlineTimer;
  topics: FakeTopics;
  /** Every record written, in order. */
  log: StreamsGroupRecord[];
  /** A heartbeat; a refused one answers with its error code, as the handler does. */
  hb(req: Partial<StreamsHeartbeatRequest> & { groupId: string; memberId: string }): StreamsHeartbeatResponse;
  /** Moves the clock and runs the deadlines due. */
  advance(ms: number): void;
  /** Internal topics the last heartbeats asked to create. */
  toCreate: Array<{ name: string; numPartitions: number }>;
}

export function streamsHarness(config: Partial<StreamsGroupConfig> = {}, topics = new FakeTopics()): StreamsHarness {
  const clock = new ManualClock();
  const timer = new DeadlineTimer(clock);
  const log: StreamsGroupRecord[] = [];
  const h: StreamsHarness = {
    mgr: undefined as unknown as StreamsGroupManager,
    clock,
    timer,
    topics,
    log,
    toCreate: [],
    hb(req) {
      const full: StreamsHeartbeatRequest = {
        memberEpoch: 0, endpointInformationEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: -1, topology: null,
        activeTasks: null, standbyTasks: null, warmupTasks: null, processId: null, userEndpoint: null, clientTags: null, taskOffsets: null,
        taskEndOffsets: null, shutdownApplication: false, clientId: 'client', clientHost: '/127.0.0.1', apiVersion: 1, ...req,
      };
      try {
        const r = h.mgr.heartbeat(full);
        for (const t of r.topicsToCreate) h.toCreate.push({ name: t.name, numPartitions: t.numPartitions });
        return r.response;
      } catch (err) {
        if (err instanceof GroupError) return StreamsGroupManager.errorResponse(err.errorCode, err.message);
        throw err;
      }
    },
    advance(ms) {
      clock.advance(ms);
      timer.poll();
    },
  };
  // no initial delay or assignment interval unless a test asks for one
  h.mgr = new StreamsGroupManager(defaultStreamsGroupConfig({ initialRebalanceDelayMs: 0, assignmentIntervalMs: 0, ...config }), timer, silentLogger, (_groupId, records) => {
    for (const r of records) {
      log.push(r);
      h.mgr.replay(r);
    }
    return null;
  }, topics);
  return h;
}
