/**
 * KIP-848 consumer group tests: a coordinator over an in-memory log with a fake clock and a
 * topic list the test changes, and a member that heartbeats like a KIP-848 client (it
 * reports what it owns, revokes what it is told to drop, keeps its epoch).
 */
import { GroupCoordinator } from '../../../src/coordinator/group/coordinator.js';
import { defaultConsumerGroupConfig, defaultGroupConfig, type ConsumerGroupConfig, type GroupConfig } from '../../../src/coordinator/group/config.js';
import type { ConsumerHeartbeatRequest } from '../../../src/coordinator/group/consumer/consumer-heartbeat.js';
import type { TopicsSource } from '../../../src/coordinator/group/consumer/subscriptions.js';
import type { ConsumerGroupHeartbeatResponse } from '../../../src/protocol/generated/consumer-group-heartbeat-response.js';
import { ManualClock } from '../../../src/storage/clock.js';
import { advanceCoordinator, MemoryLog, silentLogger, type Harness } from './helpers.js';

/** Topics by name with ids derived from the name; tests create, grow and delete them. */
export class FakeTopics implements TopicsSource {
  private readonly byName = new Map<string, { name: string; id: Buffer; partitions: unknown[] }>();
  private seq = 0;

  create(name: string, partitions: number): Buffer {
    const id = Buffer.alloc(16);
    id.writeUInt32BE(++this.seq, 12);
    id.write(name.slice(0, 8), 0);
    this.byName.set(name, { name, id, partitions: new Array(partitions).fill(null) });
    return id;
  }

  grow(name: string, partitions: number): void {
    this.byName.get(name)!.partitions = new Array(partitions).fill(null);
  }

  delete(name: string): void {
    this.byName.delete(name);
  }

  id(name: string): Buffer {
    return this.byName.get(name)!.id;
  }

  topics() {
    return this.byName.values();
  }

  topic(name: string) {
    return this.byName.get(name);
  }

  topicById(id: Buffer) {
    for (const t of this.byName.values()) if (t.id.equals(id)) return t;
    return undefined;
  }
}

export interface ConsumerHarness extends Harness {
  topics: FakeTopics;
  hb(req: Partial<ConsumerHeartbeatRequest> & { groupId: string }): ConsumerGroupHeartbeatResponse;
}

export async function consumerHarness(
  consumer: Partial<ConsumerGroupConfig> = {},
  config: Partial<GroupConfig> = {},
  log = new MemoryLog(),
  clock = new ManualClock(),
  topics = new FakeTopics(),
): Promise<ConsumerHarness> {
  const coord = new GroupCoordinator({
    // no assignment interval unless a test asks for one (assignment-interval.test.ts does)
    config: defaultGroupConfig({ initialRebalanceDelayMs: 0, minSessionTimeoutMs: 10, ...config, consumer: defaultConsumerGroupConfig({ assignmentIntervalMs: 0, ...consumer }) }),
    log,
    logger: silentLogger,
    clock,
    driveTimer: false,
    topics,
  });
  await coord.startup();
  const h: ConsumerHarness = {
    coord,
    clock,
    log,
    topics,
    advance(ms: number) {
      advanceCoordinator(coord, clock, ms);
    },
    hb(req) {
      const r = coord.consumerGroupHeartbeat({
        memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: -1, subscribedTopicNames: null,
        subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null, clientId: 'client', clientHost: '/127.0.0.1', apiVersion: 1, ...req,
      });
      if (r instanceof Promise) throw new Error('the memory log answers synchronously');
      return r;
    },
  };
  return h;
}

/** "topic-partition" strings of an assignment, sorted, with names from the fake topics. */
export function named(topics: FakeTopics, a: { topicPartitions: Array<{ topicId: Buffer; partitions: number[] }> } | null): string[] {
  if (a === null) return [];
  const out: string[] = [];
  for (const tp of a.topicPartitions) for (const p of tp.partitions) out.push(`${topics.topicById(tp.topicId)?.name ?? '?'}-${p}`);
  return out.sort();
}

/** A well-behaved KIP-848 client: joins, then heartbeats reporting exactly what it owns. */
export class TestMember {
  readonly h: ConsumerHarness;
  readonly groupId: string;
  memberId: string;
  epoch = 0;
  owned: Array<{ topicId: Buffer; partitions: number[] }> = [];
  readonly topicsWanted: string[] | null;
  readonly regex: string | null;
  readonly instanceId: string | null;
  readonly assignor: string | null;
  last: ConsumerGroupHeartbeatResponse | null = null;

  constructor(h: ConsumerHarness, groupId: string, memberId: string, o: { topics?: string[]; regex?: string; instanceId?: string; assignor?: string } = {}) {
    this.h = h;
    this.groupId = groupId;
    this.memberId = memberId;
    this.topicsWanted = o.topics ?? (o.regex !== undefined ? null : ['t']);
    this.regex = o.regex ?? null;
    this.instanceId = o.instanceId ?? null;
    this.assignor = o.assignor ?? null;
  }

  join(): ConsumerGroupHeartbeatResponse {
    this.epoch = 0;
    this.owned = [];
    return this.send({
      memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: this.topicsWanted, subscribedTopicRegex: this.regex, topicPartitions: [],
      serverAssignor: this.assignor,
    });
  }

  /** A heartbeat reporting the owned partitions (as the Java client does while reconciling). */
  beat(): ConsumerGroupHeartbeatResponse {
    return this.send({ memberEpoch: this.epoch, topicPartitions: this.owned });
  }

  private send(req: Partial<ConsumerHeartbeatRequest>): ConsumerGroupHeartbeatResponse {
    const r = this.h.hb({ groupId: this.groupId, memberId: this.memberId, instanceId: this.instanceId, ...req });
    this.last = r;
    if (r.errorCode !== 0) return r;
    this.memberId = r.memberId ?? this.memberId;
    this.epoch = r.memberEpoch;
    if (r.assignment !== null) this.owned = r.assignment.topicPartitions.map((tp) => ({ topicId: tp.topicId, partitions: [...tp.partitions] }));
    return r;
  }

  ownedNames(): string[] {
    return named(this.h.topics, { topicPartitions: this.owned });
  }
}

/** Heartbeats every member until none changes its epoch or partitions (at most `rounds` rounds). */
export function settle(members: TestMember[], rounds = 20): void {
  for (let i = 0; i < rounds; i++) {
    let changed = false;
    for (const m of members) {
      const before = `${m.epoch}/${m.ownedNames().join(',')}`;
      const r = m.beat();
      if (r.errorCode !== 0) throw new Error(`member ${m.memberId} heartbeat failed: ${r.errorCode} ${r.errorMessage}`);
      if (`${m.epoch}/${m.ownedNames().join(',')}` !== before) changed = true;
    }
    if (!changed) return;
  }
  throw new Error('the group did not settle');
}
