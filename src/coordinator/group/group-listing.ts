/**
 * DescribeGroups and ListGroups across the four kinds of group the coordinator holds: classic
 * groups answer for themselves; consumer groups are described as classic ones (Kafka's
 * conversion); streams and share groups are Dead to DescribeGroups (GROUP_ID_NOT_FOUND from v6).
 */
import type { DescribedGroup } from '../../protocol/generated/describe-groups-response.js';
import type { ListedGroup } from '../../protocol/generated/list-groups-response.js';
import type { GroupManager } from './classic/group-manager.js';
import type { ConsumerGroupManager } from './consumer/consumer-group-manager.js';
import { describeConsumerGroupAsClassic, describeModernGroupAsClassic, listedConsumerGroup } from './consumer/consumer-group-describe.js';
import type { StreamsGroupManager } from '../streams/streams-group-manager.js';
import { listedStreamsGroup } from '../streams/streams-group-describe.js';
import type { ShareGroupManager } from '../share/share-group-manager.js';
import { SHARE_GROUP_TYPE } from '../share/share-group.js';

/** The coordinator's group managers. */
export interface GroupKinds {
  readonly groups: GroupManager;
  readonly consumer: ConsumerGroupManager;
  readonly streams: StreamsGroupManager;
  readonly share: ShareGroupManager;
}

export function describeGroup(kinds: GroupKinds, groupId: string, apiVersion: number): DescribedGroup {
  const consumer = kinds.consumer.group(groupId);
  if (consumer !== undefined) return describeConsumerGroupAsClassic(consumer, apiVersion);
  if (kinds.streams.group(groupId) !== undefined || kinds.share.group(groupId) !== undefined) return describeModernGroupAsClassic(groupId, apiVersion);
  return kinds.groups.describe(groupId, apiVersion);
}

/** ListGroups: classic, consumer, streams and share groups, filtered by state and type (case-insensitive). */
export function listGroups(kinds: GroupKinds, statesFilter: readonly string[], typesFilter: readonly string[]): ListedGroup[] {
  const out = kinds.groups.list(statesFilter, typesFilter);
  const states = new Set(statesFilter.map((s) => s.trim().toLowerCase()));
  const types = new Set(typesFilter.map((t) => t.trim().toLowerCase()));
  const add = <G extends { stateName: string }>(type: string, groups: Iterable<G>, listed: (g: G) => ListedGroup): void => {
    if (types.size > 0 && !types.has(type)) return;
    for (const g of groups) if (states.size === 0 || states.has(g.stateName.toLowerCase())) out.push(listed(g));
  };
  add('consumer', kinds.consumer.groups.values(), listedConsumerGroup);
  add('streams', kinds.streams.groups.values(), listedStreamsGroup);
  // Kafka's ShareGroup: protocol type and group type "share".
  add(SHARE_GROUP_TYPE, kinds.share.groups.values(), (g) => ({ groupId: g.groupId, protocolType: SHARE_GROUP_TYPE, groupState: g.stateName, groupType: SHARE_GROUP_TYPE }));
  return out;
}
