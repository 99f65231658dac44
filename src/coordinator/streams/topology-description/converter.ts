/**
 * A topology description between the wire and the plugin (Kafka 4.4's
 * StreamsGroupTopologyDescriptionConverter): node types 1 source (its topics), 2 processor
 * (its stores), 3 sink (its topic, if any), each with its successors; lists de-duplicated in
 * order, as Kafka's sets are. A global store must be a source and a processor. The fields
 * one node type does not carry go back out as empty (or null), as Kafka writes them.
 */
import { ErrorCode } from '../../../protocol/generated/errors.js';
import type * as Req from '../../../protocol/generated/streams-group-topology-description-update-request.js';
import type * as Res from '../../../protocol/generated/streams-group-describe-response.js';
import { GroupError } from '../errors.js';

export const enum NodeType {
  Source = 1,
  Processor = 2,
  Sink = 3,
}

export interface DescriptionNode {
  type: NodeType;
  name: string;
  /** Source only. */
  topics: string[];
  /** Processor only. */
  stores: string[];
  /** Sink only (null: a sink choosing its topic per record). */
  sinkTopic: string | null;
  successors: string[];
}

export interface TopologyDescriptionValue {
  subtopologies: Array<{ subtopologyId: string; nodes: DescriptionNode[] }>;
  globalStores: Array<{ source: DescriptionNode; processor: DescriptionNode }>;
}

const NONE: string[] = [];

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

function fromWireNode(n: Req.TopologyDescriptionNode): DescriptionNode {
  switch (n.nodeType) {
    case NodeType.Source:
      return { type: NodeType.Source, name: n.name, topics: unique(n.sourceTopics), stores: NONE, sinkTopic: null, successors: unique(n.successors) };
    case NodeType.Processor:
      return { type: NodeType.Processor, name: n.name, topics: NONE, stores: unique(n.stores), sinkTopic: null, successors: unique(n.successors) };
    case NodeType.Sink:
      return { type: NodeType.Sink, name: n.name, topics: NONE, stores: NONE, sinkTopic: n.sinkTopic, successors: unique(n.successors) };
    default:
      throw new GroupError(ErrorCode.INVALID_REQUEST, `Unknown topology node type: ${n.nodeType}`);
  }
}

/** The request's description as the plugin keeps it; throws INVALID_REQUEST as Kafka's converter does. */
export function descriptionFromRequest(d: Req.TopologyDescription): TopologyDescriptionValue {
  const subtopologies = d.subtopologies.map((s) => ({ subtopologyId: s.subtopologyId, nodes: s.nodes.map(fromWireNode) }));
  const globalStores = d.globalStores.map((g) => {
    const source = fromWireNode(g.source);
    const processor = fromWireNode(g.processor);
    if (source.type !== NodeType.Source || processor.type !== NodeType.Processor) {
      throw new GroupError(ErrorCode.INVALID_REQUEST, 'Global store must be composed of a source and a processor node.');
    }
    return { source, processor };
  });
  return { subtopologies, globalStores };
}

function toWireNode(n: DescriptionNode): Res.TopologyDescriptionNode {
  return {
    name: n.name, nodeType: n.type, sourceTopics: n.type === NodeType.Source ? [...n.topics] : [], sinkTopic: n.type === NodeType.Sink ? n.sinkTopic : null,
    stores: n.type === NodeType.Processor ? [...n.stores] : [], successors: [...n.successors],
  };
}

/** The description as StreamsGroupDescribe v1 carries it. */
export function descriptionToDescribe(d: TopologyDescriptionValue): Res.TopologyDescription {
  return {
    subtopologies: d.subtopologies.map((s) => ({ subtopologyId: s.subtopologyId, nodes: s.nodes.map(toWireNode) })),
    globalStores: d.globalStores.map((g) => ({ source: toWireNode(g.source), processor: toWireNode(g.processor) })),
  };
}
