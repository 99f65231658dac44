#!/usr/bin/env node
// Regenerates the cluster section of BENCHMARKS.md (between <!-- cluster:start --> and
// <!-- cluster:end -->) from the results files of bench/cluster/run.js in bench/results/
// ({ name: 'cluster', ... }). Other sections are left as they are.
//
//   node bench/report/cluster.js                 rewrite the section in BENCHMARKS.md
//   node bench/report/cluster.js --print FILE    print the section one results file (a --quick
//                                                run too) would give, and write nothing
//
// Per Node.js major version of Millrace the newest full run is shown; --quick runs and runs of
// one system (partial) are never shown in BENCHMARKS.md.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './vs-kafka.js';

const START = '<!-- cluster:start -->';
const END = '<!-- cluster:end -->';
const PRODUCE = 'produce-1k-acksall-rf3';

const fmt = (x, digits = 1) => (x === null || x === undefined ? '–' : String(Math.round(x * 10 ** digits) / 10 ** digits));
const all = (doc, system, workload, key) => doc.runs.filter((r) => r.system === system && r.workload === workload).map((r) => r[key]);
const med = (doc, system, workload, key) => median(all(doc, system, workload, key));
const each = (doc, system, workload, key, digits = 0) => all(doc, system, workload, key).map((x) => fmt(x, digits)).join(', ');
/** Each round's failover: its time, and for Millrace whether the killed leader was also the controller. */
const failovers = (doc, system) => doc.runs.filter((r) => r.system === system && r.workload === 'failover')
  .map((r) => `${fmt(r.failover_ms, 0)}${r.controller_node !== undefined && r.controller_node === r.killed_node ? ' (the controller too)' : ''}`).join(', ');

/** The section's text for one results file. */
export function renderRun(doc, file) {
  const out = [];
  const nodeMajor = String(doc.machine.node_millrace).replace(/^v(\d+).*/, '$1');
  out.push(`### Node ${nodeMajor}: \`${file}\` (${doc.date}, ${doc.rounds} round(s), Millrace ${String(doc.millrace.commit).slice(0, 7)})`);
  out.push('');
  out.push(`Machine: ${doc.machine.cpu}, ${doc.machine.cores} cores; Millrace on Node ${doc.machine.node_millrace}; ` +
    `Apache Kafka ${doc.kafka.version}, ${doc.kafka.layout}, JVM \`${doc.kafka.jvm_flags}\`; Millrace: ${doc.millrace.layout}. ` +
    `Load average at start/end: ${doc.machine.loadavg_start.join(' ')} / ${doc.machine.loadavg_end.join(' ')}.`);
  out.push('');
  const k = (w, key) => med(doc, 'kafka', w, key);
  const m = (w, key) => med(doc, 'millrace', w, key);
  const ratio = (a, b) => (a === null || b === null || b === 0 ? '–' : `${fmt(a / b, 2)}×`);
  out.push('| median of the rounds | Apache Kafka | Millrace | Millrace / Kafka | goal (issue 14) |');
  out.push('| --- | ---: | ---: | ---: | --- |');
  const row = (label, w, key, goal, digits = 1) =>
    out.push(`| ${label} | ${fmt(k(w, key), digits)} | ${fmt(m(w, key), digits)} | ${ratio(m(w, key), k(w, key))} | ${goal} |`);
  row('produce MB/s (RF=3, acks=all, 1 KiB)', PRODUCE, 'mb_per_s', '≥ 1.5×');
  row('produce p50 ms', PRODUCE, 'p50_ms', '', 0);
  row('produce p99 ms', PRODUCE, 'p99_ms', '≤ 0.5×', 0);
  row('broker CPU s during produce (3 brokers)', PRODUCE, 'cpu_s', '');
  row('metadata quorum CPU s during produce (KRaft controller / etcd)', PRODUCE, 'metadata_cpu_s', '', 2);
  row('failover ms (SIGKILL of the leader → first acks=all send after it acknowledged)', 'failover', 'failover_ms', '≤ 1×', 0);
  out.push(`| etcd proposals/s, idle | – | ${fmt(m('etcd-idle', 'proposals_per_s'), 2)} | | ~0 |`);
  out.push(`| etcd proposals/s, during produce | – | ${fmt(m('etcd-during-produce', 'proposals_per_s'), 2)} | | ~0 |`);
  out.push('');
  out.push(`Each round: produce MB/s Kafka ${each(doc, 'kafka', PRODUCE, 'mb_per_s', 1)}, Millrace ${each(doc, 'millrace', PRODUCE, 'mb_per_s', 1)}; ` +
    `failover ms Kafka ${failovers(doc, 'kafka')}, Millrace ${failovers(doc, 'millrace')}.`);
  const notes = doc.runs.flatMap((r) => (r.notes ?? []).map((n) => `${r.system} round ${r.round} ${r.workload}: ${n}`));
  if (notes.length) {
    out.push('');
    for (const n of notes) out.push(`- ${n}`);
  }
  out.push('');
  return out.join('\n');
}

/** The newest full run per Node major version, newest version first. */
function shownRuns(resultsDir) {
  const byNode = new Map();
  for (const f of fs.readdirSync(resultsDir).filter((x) => x.endsWith('.json')).sort()) {
    let doc;
    try {
      doc = JSON.parse(fs.readFileSync(path.join(resultsDir, f), 'utf8'));
    } catch {
      continue;
    }
    if (doc.name !== 'cluster' || doc.quick || doc.partial) continue;
    byNode.set(String(doc.machine.node_millrace).replace(/^v(\d+).*/, '$1'), { doc, file: `bench/results/${f}` });
  }
  return [...byNode.entries()].sort((a, b) => Number(b[0]) - Number(a[0])).map(([, v]) => v);
}

function section(root) {
  const out = ['## A 3-broker cluster: Apache Kafka vs Millrace (issue 14) — `node bench/cluster/run.js`', ''];
  const shown = shownRuns(path.join(root, 'bench', 'results'));
  if (shown.length === 0) out.push('No full run yet.', '');
  for (const { doc, file } of shown) out.push(renderRun(doc, file));
  out.push('How it is measured: `method` in each results file and the header of `bench/cluster/run.js`.');
  return out.join('\n');
}

/** Where a new section goes: before the transactions section (issue 15), so that the sections stay newest-issue first after the vs-kafka comparison. */
const INSERT_BEFORE = '## Transactions (issue 15)';

/**
 * Rewrites the cluster section of BENCHMARKS.md; without one yet, puts it before INSERT_BEFORE
 * (at the end when that heading is gone). Returns the paths written.
 */
export function regenerate({ root }) {
  const file = path.join(root, 'BENCHMARKS.md');
  const body = `${START}\n${section(root)}\n${END}`;
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Millrace benchmarks\n';
  const a = old.indexOf(START);
  const b = old.indexOf(END);
  const at = old.indexOf(`\n${INSERT_BEFORE}`);
  const text = a >= 0 && b > a
    ? old.slice(0, a) + body + old.slice(b + END.length)
    : at >= 0
      ? `${old.slice(0, at + 1)}${body}\n\n${old.slice(at + 1)}`
      : `${old.replace(/\s*$/, '')}\n\n${body}\n`;
  fs.writeFileSync(file, text);
  return ['BENCHMARKS.md'];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const i = process.argv.indexOf('--print');
  if (i >= 0) {
    const f = process.argv[i + 1];
    if (f === undefined) throw new Error('--print needs a results file');
    console.log(renderRun(JSON.parse(fs.readFileSync(f, 'utf8')), path.relative(root, path.resolve(f))));
  } else {
    console.log(regenerate({ root }).join('\n'));
  }
}
