// Kafka 4.4's Feature.defaultVersion as cluster/features.ts applies it: each level's bootstrap
// metadata.version decides a new cluster's default, so share.version 2 (the share groups'
// dead-letter queue, bootstrapped at 4.4-IV0 = 31) is the default only from there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FEATURE_LEVELS, METADATA_VERSION_MAX, SUPPORTED_FEATURES, defaultFeatureLevel } from '../../src/cluster/features.js';

const feature = (name: string) => SUPPORTED_FEATURES.find((f) => f.name === name)!;

test('share.version defaults: 0 before 4.2-IV0, 1 from it, 2 from 4.4-IV0', () => {
  const share = feature('share.version');
  assert.equal(share.max, 2);
  assert.deepEqual([27, 28, 29, 30, 31, 33].map((mv) => defaultFeatureLevel(share, mv)), [0, 1, 1, 1, 2, 2]);
});

test('the other features\' defaults follow their bootstrap levels', () => {
  assert.deepEqual([21, 22].map((mv) => defaultFeatureLevel(feature('group.version'), mv)), [0, 1]);
  assert.deepEqual([23, 24].map((mv) => defaultFeatureLevel(feature('transaction.version'), mv)), [0, 2]);
  assert.deepEqual([28, 29].map((mv) => defaultFeatureLevel(feature('streams.version'), mv)), [0, 1]);
  // EligibleLeaderReplicasVersion.ELRV_1 bootstraps at 4.1-IV0 (26).
  assert.deepEqual([25, 26].map((mv) => defaultFeatureLevel(feature('eligible.leader.replicas.version'), mv)), [0, 1]);
});

test('a new cluster finalizes the defaults at the highest metadata.version here', () => {
  assert.equal(METADATA_VERSION_MAX, 33);
  assert.deepEqual(Object.fromEntries(DEFAULT_FEATURE_LEVELS), { 'metadata.version': 33, 'group.version': 1, 'streams.version': 1, 'transaction.version': 2, 'share.version': 2, 'eligible.leader.replicas.version': 1 });
});
