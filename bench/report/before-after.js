// Before/after of one change on the vs-kafka rig's workloads: two results files (each a run of
// bench/vs-kafka/run.js, the first usually with --millrace-ref <commit before>), a Markdown
// table of the medians per produce and consume workload and system, and Millrace's change in
// MB/s and in broker CPU per GB. Kafka runs in both files, so its row shows how much the machine itself moved
// between the two runs.
//
//   node bench/report/before-after.js BEFORE.json AFTER.json [--workloads a,b]
//   node bench/report/before-after.js RUN.json [--workloads a,b]
//
// With one file (a run with --baseline-ref), "before" is its millrace-baseline system and
// "after" its millrace system, measured in the same rounds; Kafka's row is then the same in both.

import fs from 'node:fs';
import { median, metricOf } from './vs-kafka.js';

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('--') && !args[args.indexOf(a) - 1]?.startsWith('--workloads'));
if (files.length !== 1 && files.length !== 2) {
  console.error('usage: node bench/report/before-after.js BEFORE.json AFTER.json | RUN.json [--workloads a,b]');
  process.exit(2);
}
const wIdx = args.indexOf('--workloads');
const only = wIdx >= 0 ? args[wIdx + 1].split(',') : null;
const docs = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
const sameRun = docs.length === 1;
if (sameRun && !docs[0].runs.some((r) => r.system === 'millrace-baseline')) {
  console.error(`${files[0]} has no millrace-baseline runs (measure with --baseline-ref)`);
  process.exit(2);
}
const [before, after] = sameRun ? splitBaseline(docs[0]) : docs;
if (sameRun) files.push(files[0]);

/** One run with a baseline as two documents: the baseline build as "millrace", then the measured one. */
function splitBaseline(doc) {
  const base = doc.runs.filter((r) => r.system === 'millrace-baseline').map((r) => ({ ...r, system: 'millrace' }));
  const others = doc.runs.filter((r) => r.system !== 'millrace-baseline');
  return [
    { ...doc, runs: [...others.filter((r) => r.system === 'kafka'), ...base], millrace: { ...doc.millrace, source: doc.millrace?.baseline?.source } },
    { ...doc, runs: others },
  ];
}

function med(doc, system, workload, key) {
  return median(doc.runs.filter((r) => r.system === system && r.workload === workload).map((r) => metricOf(r, key)));
}

const fmt = (x, digits = 1) => (x === null || x === undefined ? '–' : x.toFixed(digits));
const pct = (a, b) => (a === null || b === null ? '–' : `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(0)}%`);

const workloads = before.runs
  .map((r) => r.workload)
  .filter((w, i, all) => all.indexOf(w) === i && /produce|consume/.test(w) && (only === null || only.includes(w)))
  .filter((w) => after.runs.some((r) => r.workload === w));

const lines = [
  `${sameRun ? 'One run, both builds in the same rounds. ' : ''}Before: \`${files[0]}\` (${before.millrace?.source ?? '?'}, Node ${before.millrace?.node ?? '?'}); after: \`${files[1]}\` (${after.millrace?.source ?? '?'}, Node ${after.millrace?.node ?? '?'}). Medians of ${before.rounds ?? '?'} and ${after.rounds ?? '?'} rounds.`,
  '',
  '| workload | system | MB/s before | MB/s after | change | CPU s/GB before | CPU s/GB after | change |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const w of workloads) {
  for (const system of sameRun ? ['millrace'] : ['kafka', 'millrace']) {
    const mb = [med(before, system, w, 'mb_per_s'), med(after, system, w, 'mb_per_s')];
    const cpu = [med(before, system, w, 'cpu_s_per_gb'), med(after, system, w, 'cpu_s_per_gb')];
    lines.push(`| ${w} | ${system} | ${fmt(mb[0])} | ${fmt(mb[1])} | ${pct(mb[0], mb[1])} | ${fmt(cpu[0], 2)} | ${fmt(cpu[1], 2)} | ${pct(cpu[0], cpu[1])} |`);
  }
}
console.log(lines.join('\n'));
