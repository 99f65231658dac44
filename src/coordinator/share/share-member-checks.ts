/**
 * What a share group heartbeat is checked against, apart from the manager: the request's own
 * validity and the member's epoch (Kafka's throwIfShareGroupHeartbeatRequestIsInvalid and
 * throwIfShareGroupMemberEpochIsInvalid, with their messages), whether a member's metadata
 * changed, and the digest of the subscribed topics' metadata that moves the group epoch.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { topicIdHex } from '../group/consumer/assignment.js';
import { GroupError } from '../group/consumer/errors.js';
import type { TopicsSource } from '../group/consumer/subscriptions.js';
import type { ShareMember } from './share-group.js';
import type { ShareHeartbeatRequest } from './share-group-manager.js';

/** Epoch a member sends to leave, and the coordinator answers for a member removed. */
export const LEAVE_GROUP_MEMBER_EPOCH = -1;

/** Kafka's throwIfShareGroupHeartbeatRequestIsInvalid. */
export function validate(req: ShareHeartbeatRequest): void {
  const invalid = (message: string) => new GroupError(ErrorCode.INVALID_REQUEST, message);
  if (req.memberId === '') throw invalid("MemberId can't be empty.");
  if (req.groupId === '') throw invalid("GroupId can't be empty.");
  if (req.rackId === '') throw invalid("RackId can't be empty.");
  if (req.memberEpoch === 0) {
    if (req.subscribedTopicNames === null || req.subscribedTopicNames.length === 0) throw invalid('SubscribedTopicNames must be set in first request.');
  } else if (req.memberEpoch < LEAVE_GROUP_MEMBER_EPOCH) {
    throw invalid('MemberEpoch is invalid.');
  }
}

/** Kafka's throwIfShareGroupMemberEpochIsInvalid: a rejoin (epoch 0) under the same id is accepted. */
export function checkMemberEpoch(member: ShareMember, received: number): void {
  if (received === 0) return;
  if (received > member.memberEpoch) {
    throw new GroupError(ErrorCode.FENCED_MEMBER_EPOCH, `The share group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  }
  if (received < member.memberEpoch && received !== member.previousMemberEpoch) {
    throw new GroupError(ErrorCode.FENCED_MEMBER_EPOCH, `The share group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  }
}

export function metadataDiffers(a: ShareMember, b: ShareMember): boolean {
  return a.rackId !== b.rackId || a.clientId !== b.clientId || a.clientHost !== b.clientHost || !sameNames(a.subscribedTopicNames, b.subscribedTopicNames);
}

export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((n) => set.has(n));
}

export function subscribedNames(members: Iterable<ShareMember>): string[] {
  const names = new Set<string>();
  for (const m of members) for (const t of m.subscribedTopicNames) names.add(t);
  return [...names].sort();
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;

/**
 * A 64-bit digest (FNV-1a) of the subscribed topics as the metadata shows them: name, id and
 * partition count of each that exists. It changes when a topic is created, deleted or
 * recreated, or gains partitions — what makes Kafka bump a group's epoch (KIP-1101's
 * MetadataHash; Kafka computes it with another hash, so the values differ).
 */
export function metadataHash(names: readonly string[], topics: TopicsSource): bigint {
  let h = FNV_OFFSET;
  for (const name of names) {
    const t = topics.topic(name);
    if (t === undefined) continue;
    const text = `${name}\u0000${topicIdHex(t.id)}\u0000${t.partitions.length}\n`;
    for (let i = 0; i < text.length; i++) h = ((h ^ BigInt(text.charCodeAt(i))) * FNV_PRIME) & MASK_64;
  }
  return BigInt.asIntN(64, h);
}
