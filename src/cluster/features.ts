/**
 * Cluster features (KIP-584, KIP-778, KIP-1022): the levels Millrace supports, the levels a
 * new cluster finalizes, and the rules of UpdateFeatures as Kafka 4.4's QuorumController
 * applies them (FeatureControlManager.updateFeatures). The stores keep the finalized levels
 * (the local store in its metadata file, a cluster under `<root>features`); ApiVersions
 * reports them and the handlers that Kafka gates on a feature read them from there.
 */
import { ErrorCode } from '../protocol/generated/errors.js';

export const METADATA_VERSION = 'metadata.version';
export const GROUP_VERSION = 'group.version';
export const TRANSACTION_VERSION = 'transaction.version';
export const STREAMS_VERSION = 'streams.version';
export const SHARE_VERSION = 'share.version';
export const ELIGIBLE_LEADER_REPLICAS_VERSION = 'eligible.leader.replicas.version';

export interface SupportedFeature {
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

/**
 * `metadata.version` 4.4-IV2 (33), what a new Kafka 4.4 cluster finalizes. Kafka 4.4's
 * MetadataVersion gates, above 4.0-IV3 (25): Fetch v18 between brokers at 4.1-IV1 (27),
 * ListOffsets v11 at 4.2-IV1 (29), cordoned log directories (KIP-1066) at 4.3-IV0 (30) and
 * CIDR ACL host patterns at 4.4-IV1 (32), all served. 4.4-IV0 (31) gates nothing of its own
 * (it is share.version 2's bootstrap level: a new cluster finalizes the share groups'
 * dead-letter queue from it). 4.4-IV2 (33) gates controller unregistration
 * (ClusterControlManager.unregisterController writing KRaft controller registrations), which
 * only KRaft controllers see: nothing of it reaches brokers or clients, and Millrace, whose
 * controller lives in etcd, has no controller registrations to remove.
 */
export const METADATA_VERSION_MAX = 33;
/** 4.3-IV0: MetadataVersion.isCordonedLogDirsSupported (KIP-1066). */
export const METADATA_VERSION_CORDONED_LOG_DIRS = 30;
/** 4.4-IV1: MetadataVersion.isCidrAclSupported. */
export const METADATA_VERSION_CIDR_ACLS = 32;
/** EligibleLeaderReplicasVersion.ELRV_1's dependency: metadata.version 4.0-IV1. */
const ELR_MIN_METADATA_VERSION = 23;
/** Kafka 4.x's MetadataVersion.MINIMUM_VERSION, 3.3-IV3: the lowest level a 4.x cluster may run. */
export const METADATA_VERSION_MIN = 7;

/**
 * What this broker supports, as Kafka 4.4 names the features: `group.version` 1 is the KIP-848
 * consumer protocol, `transaction.version` 2 transactions v2 (KIP-890), `streams.version` 1
 * the KIP-1071 streams protocol, `share.version` 1 share groups (KIP-932) and 2 their
 * dead-letter queue (KIP-1191), `eligible.leader.replicas.version` 1 the eligible leader
 * replicas of KIP-966 (elr.ts). `kraft.version` (no KRaft) is not Millrace's.
 */
export const SUPPORTED_FEATURES: readonly SupportedFeature[] = [
  { name: METADATA_VERSION, min: METADATA_VERSION_MIN, max: METADATA_VERSION_MAX },
  { name: GROUP_VERSION, min: 0, max: 1 },
  { name: STREAMS_VERSION, min: 0, max: 1 },
  { name: TRANSACTION_VERSION, min: 0, max: 2 },
  { name: SHARE_VERSION, min: 0, max: 2 },
  { name: ELIGIBLE_LEADER_REPLICAS_VERSION, min: 0, max: 1 },
];

/** Kafka 4.4 features Millrace does not have: only level 0 (what they are here) may be set. */
const OTHER_KAFKA_FEATURES: ReadonlySet<string> = new Set(['kraft.version']);

const SUPPORTED_BY_NAME: ReadonlyMap<string, SupportedFeature> = new Map(SUPPORTED_FEATURES.map((f) => [f.name, f]));

/**
 * Kafka 4.4's bootstrapMetadataVersion of each level above 0 (FeatureVersion): the lowest
 * metadata.version at which Feature.defaultVersion picks it. share.version 2 bootstraps at
 * 4.4-IV0 (31) and declares no dependency (Map.of()), so UpdateFeatures may set it at any
 * metadata.version; only a new cluster's default waits for 4.4-IV0.
 * eligible.leader.replicas.version 1 bootstraps at 4.1-IV0 (26) and depends on 4.0-IV1 (23).
 */
const BOOTSTRAP_METADATA_VERSION: ReadonlyMap<string, readonly number[]> = new Map([
  [GROUP_VERSION, [22]], // GV_1: 4.0-IV0
  [TRANSACTION_VERSION, [24, 24]], // TV_1 and TV_2: 4.0-IV2
  [STREAMS_VERSION, [29]], // SV_1: 4.2-IV1
  [SHARE_VERSION, [28, 31]], // SV_1: 4.2-IV0, SV_2: 4.4-IV0
  [ELIGIBLE_LEADER_REPLICAS_VERSION, [26]], // ELRV_1: 4.1-IV0
]);

/** Feature.defaultVersion: the highest supported level whose bootstrap metadata.version is at most `metadataVersion`. */
export function defaultFeatureLevel(f: SupportedFeature, metadataVersion: number): number {
  if (f.name === METADATA_VERSION) return metadataVersion;
  const bootstraps = BOOTSTRAP_METADATA_VERSION.get(f.name) ?? [];
  let level = 0;
  for (let l = 1; l <= f.max && l <= bootstraps.length; l++) if (bootstraps[l - 1]! <= metadataVersion) level = l;
  return level;
}

/**
 * The levels a new cluster finalizes: Kafka's Feature.defaultVersion at the highest
 * metadata.version here (group.version 1, transaction.version 2, streams.version 1,
 * eligible.leader.replicas.version 1, and share.version 1 below 4.4-IV0, 2 from it). A store that has never had an UpdateFeatures
 * answers these.
 */
export const DEFAULT_FEATURE_LEVELS: ReadonlyMap<string, number> = new Map(SUPPORTED_FEATURES.map((f) => [f.name, defaultFeatureLevel(f, METADATA_VERSION_MAX)]));

/** The finalized levels (every supported feature, 0 meaning off) and the epoch ApiVersions reports. */
export interface FinalizedFeatures {
  readonly levels: ReadonlyMap<string, number>;
  /** Grows with every change, so clients (which keep the highest epoch they saw) take the new levels. */
  readonly epoch: bigint;
  /** Stored levels of features this version does not know (written by a newer Millrace). */
  readonly unknown?: ReadonlyMap<string, number>;
}

export const DEFAULT_FINALIZED_FEATURES: FinalizedFeatures = { levels: DEFAULT_FEATURE_LEVELS, epoch: 1n };

/**
 * Features that upgrading Millrace does not turn on: Kafka finalizes
 * eligible.leader.replicas.version 1 only when it formats a new cluster (its bootstrap
 * records); an existing cluster keeps 0 until UpdateFeatures sets it. So a store that knows
 * no level for one (levels stored by an older Millrace, or none stored in a cluster that
 * predates the bootstrap record) reads 0.
 */
const OFF_UNTIL_SET: readonly string[] = [ELIGIBLE_LEADER_REPLICAS_VERSION];

/** The levels of an existing cluster that has none stored: the defaults, OFF_UNTIL_SET at 0. */
export const UPGRADED_FINALIZED_FEATURES: FinalizedFeatures = {
  levels: new Map([...DEFAULT_FEATURE_LEVELS].map(([name, level]) => [name, OFF_UNTIL_SET.includes(name) ? 0 : level])),
  epoch: 1n,
};

/** Finalized levels from stored ones: stored levels over the defaults (OFF_UNTIL_SET at 0), unknown names set apart. */
export function finalizedFrom(stored: Readonly<Record<string, number>> | undefined, epoch: bigint): FinalizedFeatures {
  if (stored === undefined) return { levels: DEFAULT_FEATURE_LEVELS, epoch };
  const levels = new Map(UPGRADED_FINALIZED_FEATURES.levels);
  const unknown = new Map<string, number>();
  for (const [name, level] of Object.entries(stored)) (SUPPORTED_BY_NAME.has(name) ? levels : unknown).set(name, level);
  return unknown.size === 0 ? { levels, epoch } : { levels, epoch, unknown };
}

/**
 * ClusterControlManager.processRegistrationFeature for this broker: Kafka's message refusing
 * its registration when a finalized level lies outside the range it supports (a feature it
 * does not know is 0-0; metadata.version defaults to 1), else null. A broker of an older
 * version then cannot join a cluster whose levels it does not serve.
 */
export function registrationRefusal(features: FinalizedFeatures): string | null {
  const refuse = (name: string, level: number, min: number, max: number): string =>
    `Unable to register because the broker does not support finalized version ${level} of ${name}. The broker wants a version between ${min} and ${max}, inclusive.`;
  for (const f of SUPPORTED_FEATURES) {
    const level = features.levels.get(f.name) ?? (f.name === METADATA_VERSION ? 1 : 0);
    if (level < f.min || level > f.max) return refuse(f.name, level, f.min, f.max);
  }
  for (const [name, level] of features.unknown ?? []) if (level !== 0) return refuse(name, level, 0, 0);
  return null;
}

/** Whether the finalized metadata.version has cordoned log directories (Kafka's isCordonedLogDirsSupported). */
export function cordonedLogDirsSupported(features: FinalizedFeatures): boolean {
  return featureLevel(features, METADATA_VERSION) >= METADATA_VERSION_CORDONED_LOG_DIRS;
}

/** Whether the finalized metadata.version takes CIDR ACL host patterns (Kafka's isCidrAclSupported). */
export function cidrAclsSupported(features: FinalizedFeatures): boolean {
  return featureLevel(features, METADATA_VERSION) >= METADATA_VERSION_CIDR_ACLS;
}

/** A feature's finalized level; 0 (off) for one this broker does not have. */
export function featureLevel(features: FinalizedFeatures, name: string): number {
  return features.levels.get(name) ?? 0;
}

/** Kafka's FeatureUpdate.UpgradeType codes. */
export const UpgradeType = { Unknown: 0, Upgrade: 1, SafeDowngrade: 2, UnsafeDowngrade: 3 } as const;

export interface FeatureUpdate {
  feature: string;
  level: number;
  upgradeType: number;
}

export interface FeatureUpdateError {
  errorCode: number;
  message: string;
}

/**
 * metadata.version levels whose step from the level below changed the metadata's format
 * (Kafka's MetadataVersion didMetadataChange): a downgrade across one of them could lose
 * metadata, so Kafka refuses it.
 */
const METADATA_CHANGED_AT: ReadonlySet<number> = new Set([7, 8, 11, 13, 14, 15, 17, 23, 30, 32, 33]);

/** Kafka's MetadataVersion.checkIfMetadataChanged for a downgrade from `from` to `to`. */
function metadataChangedBetween(from: number, to: number): boolean {
  for (let v = from; v > to; v--) if (METADATA_CHANGED_AT.has(v)) return true;
  return false;
}

const invalidUpdate = (feature: string, level: number, reason: string): FeatureUpdateError => ({
  errorCode: ErrorCode.INVALID_UPDATE_VERSION,
  message: `Invalid update version ${level} for feature ${feature}. ${reason}`,
});

/** Kafka's VersionRange.toString. */
function rangeText(f: SupportedFeature): string {
  return f.min === f.max ? `${f.min}` : `${f.min}-${f.max}`;
}

/** QuorumFeatures.reasonNotSupported: a feature `who` lacks is DISABLED, 0-0. */
function reasonNotSupported(level: number, who: string, range: SupportedFeature | undefined): string | null {
  const r = range ?? { name: '', min: 0, max: 0 };
  if (level >= r.min && level <= r.max) return null;
  return r.max === 0 ? `${who} does not support this feature.` : `${who} only supports versions ${rangeText(r)}`;
}

/** A registered broker's supported ranges (BrokerRecord.features). */
export interface RegisteredFeatures {
  readonly nodeId: number;
  readonly features: Readonly<Record<string, readonly [number, number]>>;
}

/** This broker's supported ranges as it registers them. */
export function supportedRanges(): Record<string, [number, number]> {
  return Object.fromEntries(SUPPORTED_FEATURES.map((f) => [f.name, [f.min, f.max]]));
}

/**
 * Validates UpdateFeatures against the finalized levels as Kafka 4.4's controller does, the
 * updates in request order and the first error failing them all: the new levels (all
 * updates applied) or the error. `nodeId` names the controller in Kafka's messages.
 */
export function planFeatureUpdates(
  current: FinalizedFeatures,
  updates: readonly FeatureUpdate[],
  nodeId: number,
  brokers: ReadonlyArray<RegisteredFeatures> = [],
): Map<string, number> | FeatureUpdateError {
  const next = new Map(current.levels);
  for (const u of updates) {
    const error = checkUpdate(current, u, nodeId, brokers);
    if (error !== null) return error;
    if (SUPPORTED_BY_NAME.has(u.feature)) next.set(u.feature, u.level);
  }
  return next;
}

export function isFeatureUpdateError(r: Map<string, number> | FeatureUpdateError): r is FeatureUpdateError {
  return !(r instanceof Map);
}

function checkUpdate(current: FinalizedFeatures, u: FeatureUpdate, nodeId: number, brokers: ReadonlyArray<RegisteredFeatures>): FeatureUpdateError | null {
  const { feature, level } = u;
  if (u.upgradeType !== UpgradeType.Upgrade && u.upgradeType !== UpgradeType.SafeDowngrade && u.upgradeType !== UpgradeType.UnsafeDowngrade) {
    return invalidUpdate(feature, level, 'The controller does not support the given upgrade type.');
  }
  const currentLevel = featureLevel(current, feature);
  if (level < 0) return invalidUpdate(feature, level, 'A feature version cannot be less than 0.');
  // QuorumFeatures.reasonNotLocallySupported: a feature this broker lacks is DISABLED, 0-0.
  const notHere = reasonNotSupported(level, `Local controller ${nodeId}`, SUPPORTED_BY_NAME.get(feature));
  if (notHere !== null) return invalidUpdate(feature, level, notHere);
  // Then every registered broker's range (ClusterFeatureSupportDescriber.brokerSupported).
  for (const b of brokers) {
    const range = b.features[feature];
    const notThere = reasonNotSupported(level, `Broker ${b.nodeId}`, range === undefined ? undefined : { name: feature, min: range[0], max: range[1] });
    if (notThere !== null) return invalidUpdate(feature, level, notThere);
  }
  if (level < currentLevel && u.upgradeType === UpgradeType.Upgrade) {
    return invalidUpdate(feature, level, "Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade.");
  }
  if (level > currentLevel && u.upgradeType !== UpgradeType.Upgrade) return invalidUpdate(feature, level, "Can't downgrade to a newer version.");
  if (feature === METADATA_VERSION) {
    if (level < currentLevel && metadataChangedBetween(currentLevel, level)) {
      const reason = u.upgradeType === UpgradeType.UnsafeDowngrade
        ? 'Unsafe metadata downgrade is not supported in this version.'
        : 'Refusing to perform the requested downgrade because it might delete metadata information.';
      return { errorCode: ErrorCode.INVALID_UPDATE_VERSION, message: `Unsupported metadata.version downgrade from ${currentLevel} to ${level}. ${reason}` };
    }
    return null;
  }
  // Feature.featureFromName: level 0 of a feature Kafka does not know passes the range check
  // above. Kafka's own features Millrace lacks stay at 0, which Kafka would accept.
  if (!SUPPORTED_BY_NAME.has(feature) && !OTHER_KAFKA_FEATURES.has(feature)) return invalidUpdate(feature, level, `Feature ${feature} not found.`);
  // Feature.validateVersion: of Kafka 4.4's features here only eligible.leader.replicas.version 1
  // declares a dependency, on metadata.version 4.0-IV1 (23); the others need no more than the
  // 3.3-IV3 every level here has (their bootstrap metadata.version only sets a new cluster's
  // defaults). A downgrade of metadata.version below 23 is refused above (23 changed metadata).
  if (feature === ELIGIBLE_LEADER_REPLICAS_VERSION && level >= 1) {
    const mv = featureLevel(current, METADATA_VERSION);
    if (mv < ELR_MIN_METADATA_VERSION) {
      return invalidUpdate(feature, level, `${feature} could not be set to ${level} because it depends on metadata.version=${ELR_MIN_METADATA_VERSION} (4.0-IV1)`);
    }
  }
  return null;
}
