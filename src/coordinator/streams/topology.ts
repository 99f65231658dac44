/**
 * A streams group's topology (Kafka's StreamsTopology, the StreamsGroupTopology record): the
 * subtopologies of the Kafka Streams application, each with the topics it reads (source
 * topics, regular expressions and repartition topics other subtopologies write), the
 * repartition topics it writes, its state changelog topics and the groups of its source
 * topics that must be co-partitioned. The first member to join sets it with its topology
 * epoch; every later joiner must send the same one (Kafka 4.4 does not update a topology).
 *
 * The shape follows StreamsGroupTopologyValue, so that the record is this object.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { GroupError, StreamsErrorCode } from './errors.js';

export interface TopicConfig {
  key: string;
  value: string;
}

/** An internal topic the application needs (repartition or changelog). */
export interface TopicInfo {
  name: string;
  /** 0: derived by the coordinator (always 0 for changelog topics). */
  partitions: number;
  /** 0: the broker's default. */
  replicationFactor: number;
  topicConfigs: TopicConfig[];
}

export interface CopartitionGroup {
  /** Indexes into the subtopology's sourceTopics. */
  sourceTopics: number[];
  /** Indexes into the subtopology's sourceTopicRegex. */
  sourceTopicRegex: number[];
  /** Indexes into the subtopology's repartitionSourceTopics. */
  repartitionSourceTopics: number[];
}

export interface Subtopology {
  subtopologyId: string;
  sourceTopics: string[];
  sourceTopicRegex: string[];
  stateChangelogTopics: TopicInfo[];
  repartitionSinkTopics: string[];
  repartitionSourceTopics: TopicInfo[];
  copartitionGroups: CopartitionGroup[];
}

export interface StreamsTopology {
  epoch: number;
  /** By subtopology id, ascending. */
  subtopologies: Map<string, Subtopology>;
}

/** The request's (and the record's) topology: the same fields, under the wire's names. */
export interface WireTopology {
  epoch: number;
  subtopologies: Array<{
    subtopologyId: string;
    sourceTopics: string[];
    sourceTopicRegex: string[];
    stateChangelogTopics: Array<{ name: string; partitions: number; replicationFactor: number; topicConfigs: Array<{ key: string; value: string }> }>;
    repartitionSinkTopics: string[];
    repartitionSourceTopics: Array<{ name: string; partitions: number; replicationFactor: number; topicConfigs: Array<{ key: string; value: string }> }>;
    copartitionGroups: Array<{ sourceTopics: number[]; sourceTopicRegex: number[]; repartitionSourceTopics: number[] }>;
  }>;
}

function topicInfo(t: WireTopology['subtopologies'][number]['stateChangelogTopics'][number]): TopicInfo {
  return { name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, topicConfigs: t.topicConfigs.map((c) => ({ key: c.key, value: c.value })) };
}

/** The topology a heartbeat (or a record) carries; duplicate subtopology ids are refused. */
export function topologyFromWire(w: WireTopology): StreamsTopology {
  const subtopologies = new Map<string, Subtopology>();
  for (const s of [...w.subtopologies].sort((a, b) => (a.subtopologyId < b.subtopologyId ? -1 : a.subtopologyId > b.subtopologyId ? 1 : 0))) {
    if (subtopologies.has(s.subtopologyId)) {
      throw new GroupError(StreamsErrorCode.STREAMS_INVALID_TOPOLOGY, `Subtopology ${s.subtopologyId} is defined more than once.`);
    }
    subtopologies.set(s.subtopologyId, {
      subtopologyId: s.subtopologyId,
      sourceTopics: [...s.sourceTopics],
      sourceTopicRegex: [...s.sourceTopicRegex],
      stateChangelogTopics: s.stateChangelogTopics.map(topicInfo),
      repartitionSinkTopics: [...s.repartitionSinkTopics],
      repartitionSourceTopics: s.repartitionSourceTopics.map(topicInfo),
      copartitionGroups: s.copartitionGroups.map((g) => ({ sourceTopics: [...g.sourceTopics], sourceTopicRegex: [...g.sourceTopicRegex], repartitionSourceTopics: [...g.repartitionSourceTopics] })),
    });
  }
  return { epoch: w.epoch, subtopologies };
}

export function topologyToWire(t: StreamsTopology): WireTopology {
  return { epoch: t.epoch, subtopologies: [...t.subtopologies.values()] };
}

/**
 * Kafka's throwIfInvalidTopology and the checks StreamsTopology makes when it reads a
 * copartition group: a changelog topic must leave its partition count to the coordinator,
 * and a copartition group's indexes must point into the subtopology's lists.
 */
export function validateTopology(t: StreamsTopology): void {
  for (const s of t.subtopologies.values()) {
    for (const c of s.stateChangelogTopics) {
      if (c.partitions !== 0) {
        throw new GroupError(
          StreamsErrorCode.STREAMS_INVALID_TOPOLOGY,
          `Changelog topic ${c.name} must have an undefined partition count, but it is set to ${c.partitions}.`,
        );
      }
    }
    for (const r of s.repartitionSourceTopics) {
      if (r.partitions < 0) throw new GroupError(StreamsErrorCode.STREAMS_INVALID_TOPOLOGY, `Repartition topic ${r.name} has a negative partition count ${r.partitions}.`);
    }
    for (const g of s.copartitionGroups) {
      const bad = (list: number[], len: number) => list.some((i) => i < 0 || i >= len);
      if (bad(g.sourceTopics, s.sourceTopics.length) || bad(g.sourceTopicRegex, s.sourceTopicRegex.length) || bad(g.repartitionSourceTopics, s.repartitionSourceTopics.length)) {
        throw new GroupError(ErrorCode.INVALID_REQUEST, `Copartition group of subtopology ${s.subtopologyId} refers to a topic that is not in the subtopology.`);
      }
    }
  }
}

/** Kafka's StreamsTopology.equals: the same epoch and the same subtopologies. */
export function sameTopology(a: StreamsTopology, b: StreamsTopology): boolean {
  if (a.epoch !== b.epoch || a.subtopologies.size !== b.subtopologies.size) return false;
  for (const [id, s] of a.subtopologies) {
    const o = b.subtopologies.get(id);
    if (o === undefined || !sameSubtopology(s, o)) return false;
  }
  return true;
}

function sameSubtopology(a: Subtopology, b: Subtopology): boolean {
  // The lists are compared as sent: the client builds them in a deterministic order.
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The copartition groups of a subtopology as sets of topic names (regular expressions resolved by `resolve`). */
export function copartitionGroupNames(s: Subtopology, resolve: (regex: string) => Iterable<string>): Array<Set<string>> {
  return s.copartitionGroups.map((g) => {
    const names = new Set<string>();
    for (const i of g.sourceTopics) names.add(s.sourceTopics[i]!);
    for (const i of g.repartitionSourceTopics) names.add(s.repartitionSourceTopics[i]!.name);
    for (const i of g.sourceTopicRegex) for (const n of resolve(s.sourceTopicRegex[i]!)) names.add(n);
    return names;
  });
}
