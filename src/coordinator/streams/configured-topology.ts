/**
 * Configuring a topology against the topics that exist (Kafka's InternalTopicManager with
 * RepartitionTopics, CopartitionedTopicsEnforcer and ChangelogTopics): how many tasks each
 * subtopology has, how many partitions each internal topic must have, and which internal
 * topics the coordinator must still create.
 *
 *  1. Every source topic must exist (and every regular expression match one) — otherwise
 *     the status is MISSING_SOURCE_TOPICS and nothing is assigned.
 *  2. A repartition topic without a fixed partition count gets the largest partition count
 *     among the source topics of the subtopologies that write to it, found by fix-point
 *     iteration (a repartition topic fed by another repartition topic).
 *  3. Each copartition group is made consistent: repartition topics without a fixed count
 *     take the external topics' count (which must all be equal), or the largest count when
 *     the group holds only repartition topics; a mismatch is INCORRECTLY_PARTITIONED_TOPICS.
 *  4. A changelog topic has as many partitions as its subtopology has tasks: the largest
 *     partition count among its source and repartition source topics.
 *  5. Internal topics that do not exist are to be created (status MISSING_INTERNAL_TOPICS);
 *     one that exists with another partition count is INCORRECTLY_PARTITIONED_TOPICS.
 *
 * A topology that can never be configured (a repartition topic nobody writes, a loop)
 * throws STREAMS_INVALID_TOPOLOGY, as Kafka's StreamsInvalidTopologyException does.
 */
import { compileRegex, type TopicsSource } from '../group/consumer/subscriptions.js';
import { GroupError, StreamsErrorCode } from './errors.js';
import { copartitionGroupNames, type StreamsTopology, type Subtopology, type TopicConfig } from './topology.js';

/** The heartbeat response's status codes (StreamsGroupHeartbeatResponse.Status). */
export const enum StreamsStatus {
  StaleTopology = 0,
  MissingSourceTopics = 1,
  IncorrectlyPartitionedTopics = 2,
  MissingInternalTopics = 3,
  ShutdownApplication = 4,
  AssignmentDelayed = 5,
  MissingClientTags = 6,
}

export interface StatusEntry {
  statusCode: number;
  statusDetail: string;
}

/** An internal topic the coordinator must create (CreateTopics' CreatableTopic). */
export interface InternalTopicToCreate {
  name: string;
  numPartitions: number;
  /** -1: the broker's default. */
  replicationFactor: number;
  configs: TopicConfig[];
}

export interface ConfiguredSubtopology {
  /** Tasks of the subtopology: partitions 0 .. numTasks-1. */
  numTasks: number;
  /** External source topics (regular expressions resolved), with their partition counts. */
  sourceTopics: Map<string, number>;
  /** Repartition topics read, with their partition counts. */
  repartitionSourceTopics: Map<string, number>;
  repartitionSinkTopics: string[];
  /** Changelog topics with their partition counts. */
  stateChangelogTopics: Map<string, number>;
  stateful: boolean;
}

export interface ConfiguredTopology {
  topologyEpoch: number;
  /** null when the source topics are missing or incorrectly partitioned. */
  subtopologies: Map<string, ConfiguredSubtopology> | null;
  internalTopicsToCreate: InternalTopicToCreate[];
  /** Why the topology is not ready, or null when tasks can be assigned. */
  status: StatusEntry | null;
}

export function isReady(c: ConfiguredTopology): boolean {
  return c.status === null && c.subtopologies !== null;
}

class TopicConfigurationError extends Error {
  readonly status: StreamsStatus;
  constructor(status: StreamsStatus, message: string) {
    super(message);
    this.status = status;
  }
}

function invalid(message: string): GroupError {
  return new GroupError(StreamsErrorCode.STREAMS_INVALID_TOPOLOGY, message);
}

/** Kafka's summarizeTopics: the first three names and how many more. */
export function summarizeTopics(names: Iterable<string>): string {
  const list = [...names];
  if (list.length === 0) return '<none>';
  const head = list.slice(0, 3).join(', ');
  return list.length > 3 ? `${head} and ${list.length - 3} additional topics` : head;
}

export function configureTopics(topology: StreamsTopology, topics: TopicsSource | null): ConfiguredTopology {
  const existing = (name: string): number | null => {
    const t = topics?.topic(name);
    return t === undefined ? null : t.partitions.length;
  };
  const regexMatches = new Map<string, string[]>();
  const resolve = (regex: string): string[] => {
    let out = regexMatches.get(regex);
    if (out === undefined) {
      const re = compileRegex(regex);
      out = [];
      if (topics !== null) for (const t of topics.topics()) if (re.test(t.name)) out.push(t.name);
      out.sort();
      regexMatches.set(regex, out);
    }
    return out;
  };
  const subs = [...topology.subtopologies.values()];
  try {
    throwOnMissingSourceTopics(subs, existing, resolve);
    const decided = new Map<string, number>();
    const count = (name: string): number | null => existing(name) ?? decided.get(name) ?? null;
    for (const [name, n] of repartitionPartitionCounts(subs, count, resolve)) decided.set(name, n);
    enforceCopartitioning(subs, count, decided, resolve);
    const configured = new Map<string, ConfiguredSubtopology>();
    for (const s of subs) {
      const sources = new Map<string, number>();
      for (const t of sourceTopicsOf(s, resolve)) sources.set(t, count(t)!);
      let numTasks = 0;
      for (const n of sources.values()) numTasks = Math.max(numTasks, n);
      const repartitionSourceTopics = new Map<string, number>();
      for (const r of s.repartitionSourceTopics) {
        const n = count(r.name)!;
        repartitionSourceTopics.set(r.name, n);
        numTasks = Math.max(numTasks, n);
      }
      if (sources.size === 0 && s.repartitionSourceTopics.length === 0) throw invalid(`No source topics found for subtopology ${s.subtopologyId}`);
      const stateChangelogTopics = new Map<string, number>();
      for (const c of s.stateChangelogTopics) {
        stateChangelogTopics.set(c.name, numTasks);
        decided.set(c.name, numTasks);
      }
      configured.set(s.subtopologyId, {
        numTasks, sourceTopics: sources, repartitionSourceTopics, repartitionSinkTopics: [...s.repartitionSinkTopics], stateChangelogTopics, stateful: s.stateChangelogTopics.length > 0,
      });
    }
    const toCreate = missingInternalTopics(subs, decided, existing);
    const status = toCreate.length === 0
      ? null
      : { statusCode: StreamsStatus.MissingInternalTopics, statusDetail: `Internal topics are missing: ${summarizeTopics(toCreate.map((t) => t.name))}` };
    return { topologyEpoch: topology.epoch, subtopologies: configured, internalTopicsToCreate: toCreate, status };
  } catch (err) {
    if (!(err instanceof TopicConfigurationError)) throw err;
    return { topologyEpoch: topology.epoch, subtopologies: null, internalTopicsToCreate: [], status: { statusCode: err.status, statusDetail: err.message } };
  }
}

/** The external topics a subtopology reads: its source topics and what its regular expressions match. */
function sourceTopicsOf(s: Subtopology, resolve: (regex: string) => string[]): string[] {
  const out = new Set(s.sourceTopics);
  for (const r of s.sourceTopicRegex) for (const t of resolve(r)) out.add(t);
  return [...out].sort();
}

function throwOnMissingSourceTopics(subs: Subtopology[], existing: (name: string) => number | null, resolve: (regex: string) => string[]): void {
  const missing = new Set<string>();
  for (const s of subs) {
    for (const t of s.sourceTopics) if (existing(t) === null) missing.add(t);
    for (const r of s.sourceTopicRegex) if (resolve(r).length === 0) missing.add(r);
  }
  if (missing.size > 0) throw new TopicConfigurationError(StreamsStatus.MissingSourceTopics, `Source topics ${summarizeTopics([...missing].sort())} are missing.`);
}

/** RepartitionTopics.setup: fixed counts as given, the others from what feeds them. */
function repartitionPartitionCounts(subs: Subtopology[], count: (name: string) => number | null, resolve: (regex: string) => string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of subs) for (const r of s.repartitionSourceTopics) if (r.partitions !== 0) counts.set(r.name, r.partitions);
  // Bounded: each pass decides at least one topic or stops.
  for (;;) {
    let needed = false;
    let progress = false;
    for (const s of subs) {
      for (const sink of s.repartitionSinkTopics) {
        if (counts.has(sink)) continue;
        let n: number | null = null;
        for (const r of s.repartitionSourceTopics) {
          const c = counts.get(r.name);
          if (c !== undefined && (n === null || c > n)) n = c;
        }
        for (const t of sourceTopicsOf(s, resolve)) {
          const c = count(t);
          if (c !== null && (n === null || c > n)) n = c;
        }
        if (n === null) needed = true;
        else {
          counts.set(sink, n);
          progress = true;
        }
      }
    }
    if (!needed) break;
    if (!progress) throw invalid('Failed to compute number of partitions for all repartition topics. There may be loops in the topology that cannot be resolved.');
  }
  for (const s of subs) {
    for (const r of s.repartitionSourceTopics) {
      if (!counts.has(r.name)) throw invalid('Failed to compute number of partitions for all repartition topics, because a repartition source topic is never used as a sink topic.');
    }
  }
  return counts;
}

/** CopartitionedTopicsEnforcer over every copartition group, writing decided counts into `decided`. */
function enforceCopartitioning(subs: Subtopology[], count: (name: string) => number | null, decided: Map<string, number>, resolve: (regex: string) => string[]): void {
  const fixed = new Set<string>();
  const flexible = new Set<string>();
  for (const s of subs) for (const r of s.repartitionSourceTopics) (r.partitions !== 0 ? fixed : flexible).add(r.name);
  for (const s of subs) {
    for (const group of copartitionGroupNames(s, resolve)) {
      if (group.size === 0) continue;
      const repartition = new Map<string, number>();
      const external = new Map<string, number>();
      for (const t of [...group].sort()) {
        const n = count(t);
        if (n === null) throw new Error(`Number of partitions is not set for topic: ${t}`);
        (fixed.has(t) || flexible.has(t) ? repartition : external).set(t, n);
      }
      let target: number;
      if (external.size === 0) {
        const fixedInGroup = [...repartition.keys()].filter((t) => fixed.has(t));
        if (fixedInGroup.length > 0) {
          target = repartition.get(fixedInGroup[0]!)!;
          for (const t of fixedInGroup) if (repartition.get(t) !== target) throw notSamePartitions(repartition);
        } else {
          target = Math.max(0, ...repartition.values());
          if (target === 0) throw invalid(`All topics in the copartition group had undefined partition number: ${[...repartition.keys()].join(', ')}`);
        }
      } else {
        target = external.values().next().value!;
        for (const n of external.values()) if (n !== target) throw notSamePartitions(external);
      }
      for (const [t, n] of repartition) {
        if (flexible.has(t)) decided.set(t, target);
        else if (n !== target) {
          throw new TopicConfigurationError(
            StreamsStatus.IncorrectlyPartitionedTopics,
            `Number of partitions [${n}] of repartition topic [${t}] doesn't match number of partitions [${target}] of the source topic.`,
          );
        }
      }
    }
  }
}

function notSamePartitions(counts: Map<string, number>): TopicConfigurationError {
  const listed = [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([t, n]) => `${t}=${n}`).join(', ');
  return new TopicConfigurationError(StreamsStatus.IncorrectlyPartitionedTopics, `Following topics do not have the same number of partitions: [{${listed}}]`);
}

function missingInternalTopics(subs: Subtopology[], decided: Map<string, number>, existing: (name: string) => number | null): InternalTopicToCreate[] {
  const wanted = new Map<string, InternalTopicToCreate>();
  for (const s of subs) {
    for (const t of [...s.repartitionSourceTopics, ...s.stateChangelogTopics]) {
      wanted.set(t.name, {
        name: t.name, numPartitions: decided.get(t.name)!, replicationFactor: t.replicationFactor !== 0 ? t.replicationFactor : -1,
        configs: t.topicConfigs.map((c) => ({ key: c.key, value: c.value })),
      });
    }
  }
  const out: InternalTopicToCreate[] = [];
  for (const name of [...wanted.keys()].sort()) {
    const want = wanted.get(name)!;
    const have = existing(name);
    if (have === null) out.push(want);
    else if (have !== want.numPartitions) {
      throw new TopicConfigurationError(
        StreamsStatus.IncorrectlyPartitionedTopics,
        `Existing topic ${name} has different number of partitions: expected ${want.numPartitions}, found ${have}`,
      );
    }
  }
  return out;
}
