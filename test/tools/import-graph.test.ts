// The layering of docs/design.md, checked on the source: dependencies point one way,
// protocol <- storage <- broker <- coordinators and cluster wiring, so storage can be tested
// with no network and replication can build on the broker without circles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../tools/config-docs.js';

const src = path.join(repoRoot(), 'src');

/** What each top-level folder of src/ may import besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  protocol: [],
  common: ['protocol'],
  storage: ['protocol', 'common'],
  client: ['protocol', 'common'],
  perf: ['client', 'protocol', 'common'],
  coordinator: ['protocol', 'storage', 'common'],
  cluster: ['protocol', 'storage', 'common'],
  // TLS settings, principals and SASL mechanisms; SCRAM credentials live in the cluster metadata.
  security: ['protocol', 'common', 'cluster'],
  // The broker's replica fetchers reach other brokers through the client's connection
  // (as Kafka's brokers use its clients' NetworkClient); the client knows nothing of the broker.
  broker: ['protocol', 'storage', 'common', 'coordinator', 'cluster', 'client', 'security'],
  // The HTTP console (metrics, JSON API, web UI) shows the broker: it sits above it, and
  // nothing below imports it (the broker starts it through BrokerOptions.services). Its API
  // acts on the broker through the client, over the broker's listener, as the logged-in principal.
  console: ['broker', 'cluster', 'coordinator', 'client', 'storage', 'security', 'common', 'protocol'],
  cli: ['broker', 'client', 'cluster', 'common', 'perf', 'protocol', 'storage', 'coordinator', 'security', 'console', '(root)'],
  '(root)': ['broker', 'client', 'cluster', 'common', 'perf', 'protocol', 'storage', 'coordinator', 'security', 'cli', 'console'],
};

/** Inside the broker: the network layer knows nothing of handlers or services above it. */
const BROKER_NETWORK_ALLOWED = ['network', 'settings'];

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The top-level folder of src/ a path is in ('(root)' for files directly in src/). */
function layer(file: string): string {
  const parts = path.relative(src, file).split(path.sep);
  return parts.length > 1 ? parts[0]! : '(root)';
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/g)) {
    out.push(path.resolve(path.dirname(file), m[1]!));
  }
  for (const m of text.matchAll(/\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)) out.push(path.resolve(path.dirname(file), m[1]!));
  return out;
}

test('src/ folders import only the layers below them', () => {
  const wrong: string[] = [];
  for (const file of files(src)) {
    const from = layer(file);
    const allowed = ALLOWED[from];
    assert.ok(allowed !== undefined, `src/${from} has no rule here: add it to ALLOWED`);
    for (const target of imports(file)) {
      if (!target.startsWith(src + path.sep)) {
        wrong.push(`${path.relative(src, file)} imports ${path.relative(src, target)} (outside src/)`);
        continue;
      }
      const to = layer(target);
      if (to !== from && !allowed.includes(to)) wrong.push(`${path.relative(src, file)} imports ${path.relative(src, target)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the broker network layer imports nothing of the broker above it', () => {
  const network = path.join(src, 'broker', 'network');
  const wrong: string[] = [];
  for (const file of files(network)) {
    for (const target of imports(file)) {
      const rel = path.relative(path.join(src, 'broker'), target).split(path.sep);
      if (rel[0] === '..') continue; // outside broker/: checked above
      if (rel.length === 1 || !BROKER_NETWORK_ALLOWED.includes(rel[0]!)) wrong.push(`${path.relative(src, file)} imports ${path.relative(src, target)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the rule table is not vacuous: a storage file importing the broker would be caught', () => {
  assert.equal(ALLOWED.storage!.includes('broker'), false);
  for (const [from, allowed] of Object.entries(ALLOWED)) {
    if (from !== 'cli' && from !== '(root)') assert.equal(allowed.includes('console'), false, `src/${from} may not import the console above it`);
  }
  assert.equal(ALLOWED.protocol!.length, 0);
  assert.ok(files(src).length > 100);
  assert.ok(imports(path.join(src, 'storage', 'partition-log.ts')).length > 0);
});
