/**
 * From subscriptions to topics: resolving members' regular expressions against the topics
 * that exist, and the subscription metadata (id and partition count of every subscribed
 * topic that exists) whose change — a topic created, deleted or given more partitions —
 * bumps the group epoch and so triggers a new target assignment.
 *
 * Kafka 4.0 compiles SubscribedTopicRegex with RE2/J and matches whole topic names; here it
 * is a JavaScript RegExp anchored at both ends. The common patterns (`orders-.*`,
 * `(a|b)\\..+`) mean the same in both; RE2-only syntax such as `\\pN` or `(?P<name>...)`
 * is refused as an invalid regular expression, and JavaScript-only syntax (look-arounds,
 * back-references) is accepted where Kafka would refuse it.
 */
import { ErrorCode } from '../../../protocol/generated/errors.js';
import type { TopicMetadata } from './consumer-records.js';
import { GroupError } from './errors.js';

/** The topics the coordinator can see (the broker's metadata store fits). */
export interface TopicsSource {
  topics(): Iterable<{ name: string; id: Buffer; partitions: readonly unknown[] }>;
  topic(name: string): { name: string; id: Buffer; partitions: readonly unknown[] } | undefined;
  topicById?(id: Buffer): { name: string } | undefined;
}

const compiled = new Map<string, RegExp>();

/** The regular expression, anchored; throws INVALID_REGULAR_EXPRESSION as Kafka does. */
export function compileRegex(regex: string): RegExp {
  let re = compiled.get(regex);
  if (re !== undefined) return re;
  try {
    re = new RegExp(`^(?:${regex})$`);
  } catch (err) {
    const description = err instanceof Error ? err.message : String(err);
    throw new GroupError(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex \`${regex}\` is not a valid regular expression: ${description}.`);
  }
  if (compiled.size > 10_000) compiled.clear();
  compiled.set(regex, re);
  return re;
}

/** Resolves regular expressions against the current topics, each once per resolver. */
export class RegexResolver {
  private readonly source: TopicsSource | null;
  private readonly cache = new Map<string, Set<string>>();

  constructor(source: TopicsSource | null) {
    this.source = source;
  }

  readonly resolve = (regex: string): ReadonlySet<string> => {
    let out = this.cache.get(regex);
    if (out !== undefined) return out;
    out = new Set();
    if (regex !== '' && this.source !== null) {
      const re = compileRegex(regex);
      for (const t of this.source.topics()) if (re.test(t.name)) out.add(t.name);
    }
    this.cache.set(regex, out);
    return out;
  };
}

/** Metadata of each named topic that exists. */
export function computeSubscriptionMetadata(names: Iterable<string>, source: TopicsSource | null): Map<string, TopicMetadata> {
  const out = new Map<string, TopicMetadata>();
  if (source === null) return out;
  for (const name of names) {
    const t = source.topic(name);
    if (t !== undefined) out.set(name, { id: t.id.toString('hex'), name, numPartitions: t.partitions.length });
  }
  return out;
}

export function subscriptionMetadataEqual(a: ReadonlyMap<string, TopicMetadata>, b: ReadonlyMap<string, TopicMetadata>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, t] of a) {
    const o = b.get(name);
    if (o === undefined || o.id !== t.id || o.numPartitions !== t.numPartitions) return false;
  }
  return true;
}
