#!/usr/bin/env node
// Regenerates the Kafka-vs-Millrace section of BENCHMARKS.md (between <!-- vs-kafka:start -->
// and <!-- vs-kafka:end -->) and its SVG charts in bench/charts/, from every results file in
// bench/results/ that holds vs-kafka runs ({ system: 'kafka'|'millrace', workload, round, ... }).
// Other sections of BENCHMARKS.md are left as they are.
//
//   node bench/report/vs-kafka.js
//
// Per Node.js major version of Millrace, the newest full run is shown (a --quick run only when
// there is no full run for that version); runs of a subset of workloads or systems are skipped.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chart, fmt } from './svg.js';

const START = '<!-- vs-kafka:start -->';
const END = '<!-- vs-kafka:end -->';
const SYSTEMS = ['kafka', 'millrace'];
const LABELS = { kafka: 'Apache Kafka', millrace: 'Millrace' };

/** Display order; workloads not listed follow in the order first seen. */
const ORDER = [
  'cold-start',
  'produce-1k-acks1',
  'produce-1k-acksall',
  'produce-100b-acks1',
  'produce-1k-lz4',
  'produce-1k-zstd',
  'consume-1k',
  'consume-100b',
  'e2e-latency-1k',
  'e2e-20mbs-1k',
  'kcat-produce-1k-acks1',
  'kcat-produce-1k-acksall',
  'kcat-produce-1k',
  'kcat-consume-1k',
  'kcat-consume-100b',
];

/** Metrics shown in the table: key, label, whether higher is better. */
const METRICS = [
  { key: 'startup_ms', label: 'spawn → first ack, ms', higher: false },
  { key: 'mb_per_s', label: 'MB/s', higher: true },
  { key: 'records_per_s', label: 'records/s', higher: true },
  { key: 'avg_ms', label: 'avg latency ms', higher: false },
  { key: 'p50_ms', label: 'p50 ms', higher: false },
  { key: 'p99_ms', label: 'p99 ms', higher: false },
  { key: 'p999_ms', label: 'p99.9 ms', higher: false },
  { key: 'rss_mb', label: 'peak RSS MB', higher: false },
  { key: 'cpu_s', label: 'broker CPU s', higher: false },
  { key: 'cpu_s_per_gb', label: 'broker CPU s per GB', higher: false },
];

/**
 * A run's value of a metric. `cpu_s_per_gb` is derived: broker CPU seconds per GB (2^30 bytes)
 * of record values moved (records × record_bytes; for compressed workloads the uncompressed
 * bytes), for the produce and consume workloads; results files from before it existed have the
 * fields it needs.
 */
export function metricOf(r, key) {
  if (key !== 'cpu_s_per_gb') return r[key];
  if (!/^(kcat-)?(produce|consume)-/.test(r.workload)) return undefined;
  if (typeof r.cpu_s !== 'number' || !(r.records > 0) || !(r.record_bytes > 0)) return undefined;
  return r.cpu_s / ((r.records * r.record_bytes) / 2 ** 30);
}

export function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function isVsKafka(doc) {
  return (
    doc &&
    Array.isArray(doc.runs) &&
    doc.runs.length > 0 &&
    doc.runs.every((r) => SYSTEMS.includes(r.system) && typeof r.workload === 'string' && typeof r.round === 'number')
  );
}

/** Loads every vs-kafka results file: [{ file, doc }]. */
export function loadResults(resultsDir) {
  if (!fs.existsSync(resultsDir)) return [];
  const out = [];
  for (const name of fs.readdirSync(resultsDir).sort()) {
    if (!name.endsWith('.json')) continue;
    let doc;
    try {
      doc = JSON.parse(fs.readFileSync(path.join(resultsDir, name), 'utf8'));
    } catch {
      continue;
    }
    if (isVsKafka(doc)) out.push({ file: name, doc });
  }
  return out;
}

function nodeMajor(doc) {
  const v = doc.millrace?.node ?? doc.machine?.node_millrace ?? doc.machine?.node ?? '';
  const m = /v?(\d+)/.exec(String(v));
  return m ? Number(m[1]) : 0;
}

/**
 * A run of a subset of the workloads or systems (`--workloads`, `--systems`), e.g. a before/after
 * comparison of one code path: kept in bench/results, never shown as the run of a Node version.
 */
export function isPartial(doc) {
  if (typeof doc.partial === 'boolean') return doc.partial;
  const cmd = String(doc.command ?? '');
  return /--workloads\b/.test(cmd) || !SYSTEMS.every((s) => doc.runs.some((r) => r.system === s));
}

/** Newest complete full run per Node.js major (or newest complete quick run when there is no full one). */
export function pick(results) {
  const byNode = new Map();
  for (const r of results) {
    if (isPartial(r.doc)) continue;
    const k = nodeMajor(r.doc);
    const list = byNode.get(k) ?? [];
    list.push(r);
    byNode.set(k, list);
  }
  const chosen = [];
  for (const k of [...byNode.keys()].sort((a, b) => a - b)) {
    const list = byNode.get(k);
    const stamp = (r) => `${r.doc.started_at ?? r.doc.date ?? ''} ${r.file}`;
    const full = list.filter((r) => !r.doc.quick).sort((a, b) => stamp(a).localeCompare(stamp(b)));
    const quick = list.filter((r) => r.doc.quick).sort((a, b) => stamp(a).localeCompare(stamp(b)));
    chosen.push((full.length ? full : quick).at(-1));
  }
  return chosen;
}

function workloadsOf(doc) {
  const seen = [];
  for (const r of doc.runs) if (!seen.includes(r.workload)) seen.push(r.workload);
  const known = ORDER.filter((w) => seen.includes(w));
  return [...known, ...seen.filter((w) => !ORDER.includes(w))];
}

/** Medians per workload, system and metric, plus range, count and status. */
export function summarize(doc) {
  const rows = [];
  for (const w of workloadsOf(doc)) {
    const per = {};
    for (const s of SYSTEMS) {
      const rs = doc.runs.filter((r) => r.workload === w && r.system === s);
      const ok = rs.filter((r) => !r.error && r.status !== 'n/a');
      const stats = {};
      for (const m of METRICS) {
        const vals = ok.map((r) => metricOf(r, m.key)).filter((x) => typeof x === 'number');
        stats[m.key] = vals.length ? { median: median(vals), min: Math.min(...vals), max: Math.max(...vals), n: vals.length } : null;
      }
      const na = rs.find((r) => r.status === 'n/a');
      const failed = rs.filter((r) => r.error);
      const notes = [...new Set(rs.map((r) => r.note).filter(Boolean))];
      per[s] = { stats, runs: rs.length, ok: ok.length, na: na ? na.note ?? 'n/a' : null, failed: failed.map((r) => r.error), notes };
    }
    rows.push({ workload: w, per });
  }
  return rows;
}

function cell(stat) {
  if (!stat) return '–';
  if (stat.n > 1 && stat.min !== stat.max) return `${fmt(stat.median)} <sub>(${fmt(stat.min)}–${fmt(stat.max)})</sub>`;
  return fmt(stat.median);
}

function ratio(m, k) {
  if (!m || !k || !(k.median > 0) || m.median === null) return '–';
  const r = m.median / k.median;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

function tableFor(doc) {
  const rows = summarize(doc);
  const lines = [
    '| workload | metric | Apache Kafka | Millrace | Millrace/Kafka |',
    '| --- | --- | ---: | ---: | ---: |',
  ];
  const notes = [];
  for (const row of rows) {
    const k = row.per.kafka;
    const m = row.per.millrace;
    let first = true;
    const name = () => {
      const n = first ? `\`${row.workload}\`` : '';
      first = false;
      return n;
    };
    if (m.na && !k.ok) {
      lines.push(`| ${name()} | | n/a | n/a | ${m.na} |`);
      continue;
    }
    let any = false;
    for (const metric of METRICS) {
      const ks = k.stats[metric.key];
      const ms = m.stats[metric.key];
      if (!ks && !ms) continue;
      any = true;
      const mCell = m.na ? (first ? m.na : '') : m.ok === 0 && m.failed.length ? 'failed' : cell(ms);
      const kCell = k.na ? (first ? k.na : '') : k.ok === 0 && k.failed.length ? 'failed' : cell(ks);
      const arrow = metric.higher ? '↑' : '↓';
      lines.push(`| ${name()} | ${metric.label} ${arrow} | ${kCell} | ${mCell} | ${m.na || k.na ? '' : ratio(ms, ks)} |`);
    }
    if (!any) {
      const why = (s) => (s.na ? s.na : s.failed.length ? `failed: ${s.failed[0]}` : '–');
      lines.push(`| ${name()} | | ${why(k)} | ${why(m)} | |`);
    }
    for (const s of SYSTEMS) {
      for (const n of row.per[s].notes) notes.push(`\`${row.workload}\` ${LABELS[s]}: ${n}`);
      for (const f of [...new Set(row.per[s].failed)]) notes.push(`\`${row.workload}\` ${LABELS[s]} failed: ${f}`);
    }
  }
  return { table: lines.join('\n'), notes: [...new Set(notes)] };
}

/** Issue 7's goals (and issue 12's CPU per GB): Millrace/Kafka ratio of a metric per workload, and the bound it must meet. */
const GOALS = [
  { goal: 'produce MB/s ≥ 1.2× Kafka', metric: 'mb_per_s', atLeast: 1.2, workloads: ['produce-1k-acks1', 'produce-1k-acksall', 'produce-100b-acks1', 'kcat-produce-1k-acks1', 'kcat-produce-1k-acksall'] },
  { goal: 'consume MB/s ≥ 1.2× Kafka', metric: 'mb_per_s', atLeast: 1.2, workloads: ['consume-1k', 'consume-100b', 'kcat-consume-1k', 'kcat-consume-100b'] },
  { goal: 'e2e p99 ≤ 0.8× Kafka at 20 MB/s', metric: 'p99_ms', atMost: 0.8, workloads: ['e2e-20mbs-1k'] },
  { goal: 'cold start ≤ 1/20 of Kafka', metric: 'startup_ms', atMost: 0.05, workloads: ['cold-start'] },
  { goal: 'RSS ≤ 1/4 of Kafka', metric: 'rss_mb', atMost: 0.25, workloads: null },
  {
    goal: 'broker CPU per GB produced ≤ Kafka (issue 12)',
    metric: 'cpu_s_per_gb',
    atMost: 1,
    workloads: ['produce-1k-acks1', 'produce-1k-acksall', 'produce-100b-acks1', 'produce-1k-lz4', 'produce-1k-zstd', 'kcat-produce-1k-acks1', 'kcat-produce-1k-acksall'],
  },
];

/** A table of each goal, the ratio reached per workload, and whether it is met. */
function goalsFor(doc) {
  const rows = summarize(doc);
  const lines = ['| goal | workload | Millrace/Kafka | met |', '| --- | --- | ---: | :---: |'];
  for (const g of GOALS) {
    const reached = [];
    for (const row of rows) {
      if (g.workloads !== null && !g.workloads.includes(row.workload)) continue;
      const m = row.per.millrace.stats[g.metric];
      const k = row.per.kafka.stats[g.metric];
      if (!m || !k || !(k.median > 0)) continue;
      reached.push({ workload: row.workload, m, k, r: m.median / k.median });
    }
    // A goal over every workload (RSS) shows only the worst one.
    const shown = g.workloads === null && reached.length > 0 ? [reached.reduce((a, b) => (b.r > a.r ? b : a))] : reached;
    for (const { workload, m, k, r } of shown) {
      const met = g.atLeast !== undefined ? r >= g.atLeast : r <= g.atMost;
      const label = g.workloads === null ? `worst: \`${workload}\`` : `\`${workload}\``;
      lines.push(`| ${g.goal} | ${label} | ${ratio(m, k)} | ${met ? 'yes' : '**no**'} |`);
    }
  }
  return lines.length > 2 ? lines.join('\n') : null;
}

function chartsFor(doc, base, chartsDir) {
  const rows = summarize(doc);
  const med = (row, s, key) => row.per[s].stats[key]?.median ?? null;
  const noteOf = (row) => (row.per.millrace.na ? 'n/a (needs consumer groups)' : 'n/a');
  const sub = `${doc.rounds} round(s), medians; ${doc.machine?.cores ?? '?'} cores, ${doc.machine?.cpu ?? ''}; Millrace on Node ${doc.millrace?.node ?? '?'}${doc.quick ? '; QUICK run (small sizes)' : ''}`;
  const files = {};
  const tp = rows.filter((r) => SYSTEMS.some((s) => med(r, s, 'mb_per_s') !== null) || r.per.millrace.na);
  files.throughput = chart({
    title: 'Throughput (higher is better)',
    subtitle: sub,
    series: SYSTEMS,
    labels: LABELS,
    panels: [
      { title: 'MB/s', unit: 'MB/s', groups: tp.map((r) => ({ label: r.workload, values: { kafka: med(r, 'kafka', 'mb_per_s'), millrace: med(r, 'millrace', 'mb_per_s') }, note: noteOf(r) })) },
      {
        title: 'records/s',
        unit: 'records/s',
        groups: rows
          .filter((r) => (SYSTEMS.some((s) => med(r, s, 'records_per_s') !== null) || r.per.millrace.na))
          .map((r) => ({ label: r.workload, values: { kafka: med(r, 'kafka', 'records_per_s'), millrace: med(r, 'millrace', 'records_per_s') }, note: noteOf(r) })),
      },
    ],
  });
  const lat = rows.filter((r) => SYSTEMS.some((s) => med(r, s, 'p99_ms') !== null));
  files.latency = chart({
    title: 'Latency percentiles (lower is better)',
    subtitle: sub,
    series: SYSTEMS,
    labels: LABELS,
    panels: lat.map((r) => ({
      title: r.workload,
      unit: 'ms',
      groups: [
        ['avg', 'avg_ms'],
        ['p50', 'p50_ms'],
        ['p99', 'p99_ms'],
        ['p99.9', 'p999_ms'],
      ].map(([label, key]) => ({ label, values: { kafka: med(r, 'kafka', key), millrace: med(r, 'millrace', key) } })),
    })),
  });
  const res = rows.filter((r) => SYSTEMS.some((s) => med(r, s, 'rss_mb') !== null));
  const cold = rows.find((r) => r.workload === 'cold-start');
  files.resources = chart({
    title: 'Broker process resources (lower is better)',
    subtitle: sub,
    series: SYSTEMS,
    labels: LABELS,
    panels: [
      ...(cold ? [{ title: 'cold start: spawn → first acknowledged produce', unit: 'ms', groups: [{ label: 'cold-start', values: { kafka: med(cold, 'kafka', 'startup_ms'), millrace: med(cold, 'millrace', 'startup_ms') } }] }] : []),
      { title: 'peak RSS during the workload', unit: 'MB', groups: res.map((r) => ({ label: r.workload, values: { kafka: med(r, 'kafka', 'rss_mb'), millrace: med(r, 'millrace', 'rss_mb') } })) },
      { title: 'broker CPU seconds during the workload', unit: 'CPU s', groups: res.filter((r) => r.workload !== 'cold-start').map((r) => ({ label: r.workload, values: { kafka: med(r, 'kafka', 'cpu_s'), millrace: med(r, 'millrace', 'cpu_s') } })) },
    ],
  });
  fs.mkdirSync(chartsDir, { recursive: true });
  const written = {};
  for (const [kind, svg] of Object.entries(files)) {
    const name = `${base}-${kind}.svg`;
    fs.writeFileSync(path.join(chartsDir, name), svg);
    written[kind] = name;
  }
  return written;
}

function millraceChanges(doc) {
  const m = doc.millrace ?? {};
  if (Array.isArray(m.uncommitted_changes)) return m.uncommitted_changes.length ? ` plus ${m.uncommitted_changes.length} uncommitted change(s) in the working tree` : '';
  return m.src_dirty ? ' (with uncommitted changes in src/, see the results file)' : '';
}

function sizesLine(doc) {
  const s = doc.scale ?? {};
  const parts = [];
  if (s.records1k) parts.push(`${s.records1k.toLocaleString('en-US')} × 1 KiB (ProducerPerformance, ConsumerPerformance)`);
  if (s.records100b) parts.push(`${s.records100b.toLocaleString('en-US')} × 100 B`);
  if (s.e2eMessages) parts.push(`${s.e2eMessages.toLocaleString('en-US')} EndToEndLatency round trips`);
  if (s.kcatRecords) parts.push(`${s.kcatRecords.toLocaleString('en-US')} × 1 KiB through kcat`);
  return parts.join(', ');
}

/**
 * The generated section (without markers); `written` collects the chart files it wrote.
 * @param {string} root
 * @param {string[]} [written]
 */
export function section(root, written = []) {
  const resultsDir = path.join(root, 'bench', 'results');
  const chartsDir = path.join(root, 'bench', 'charts');
  const chosen = pick(loadResults(resultsDir));
  const out = [];
  out.push('## Apache Kafka vs Millrace (issue 7)');
  out.push('');
  out.push('Generated by `node bench/report/vs-kafka.js` from `bench/results/*vs-kafka*.json`; rerun everything with');
  out.push('`npm run bench:vs-kafka` (`bench/vs-kafka/README.md`). Both brokers run on the same machine in the same');
  out.push("run, alternating, on fresh data directories, driven by Kafka's own load tools and kcat. Cells are medians");
  out.push('over the rounds, with the range in small print; ↑ = higher is better, ↓ = lower is better.');
  out.push('');
  if (chosen.length === 0) {
    out.push('_No results yet._');
    return out.join('\n');
  }
  for (const { file, doc } of chosen) {
    const base = file.replace(/\.json$/, '');
    const m = doc.machine ?? {};
    out.push(`### Millrace on Node ${doc.millrace?.node ?? '?'} — \`bench/results/${file}\`${doc.quick ? ' (quick smoke run: small sizes, not representative)' : ''}`);
    out.push('');
    out.push(
      `${doc.date}, ${doc.rounds} round(s), ${Math.round((doc.duration_s ?? 0) / 60)} min; ${m.cores ?? '?'} × ${m.cpu ?? '?'}, ${m.memory_gb ?? '?'} GB RAM, ${m.os ?? ''}; ` +
        `Apache Kafka ${doc.kafka?.version ?? '?'} on ${m.java ?? 'Java'} (\`${doc.kafka?.jvm_flags ?? ''}\`); kcat: ${m.kcat ?? '?'}; Millrace at \`${String(doc.millrace?.commit ?? '?').slice(0, 10)}\`${millraceChanges(doc)}.`,
    );
    out.push(`Sizes per round: ${sizesLine(doc)}. Load average at start/end: ${(m.loadavg_start ?? []).join(' ')} / ${(m.loadavg_end ?? []).join(' ')}.`);
    out.push('');
    const { table, notes: runNotes } = tableFor(doc);
    const notes = [...(Array.isArray(doc.notes) ? doc.notes : []), ...runNotes];
    out.push(table);
    out.push('');
    const goals = goalsFor(doc);
    if (goals !== null) {
      out.push("Issue 7's goals (and issue 12's CPU per GB) against this run (medians; `BENCHMARKS.md` § Goals says what limits the ones missed):");
      out.push('');
      out.push(goals);
      out.push('');
    }
    if (notes.length) {
      out.push('Notes from the runs:');
      out.push('');
      for (const n of notes) out.push(`- ${n}`);
      out.push('');
    }
    const charts = chartsFor(doc, base, chartsDir);
    written.push(...Object.values(charts));
    out.push(`![throughput](bench/charts/${charts.throughput}) ![latency](bench/charts/${charts.latency}) ![resources](bench/charts/${charts.resources})`);
    out.push('');
  }
  out.push('How it is measured: see `method` in each results file and `bench/vs-kafka/README.md`.');
  return out.join('\n');
}

/**
 * Rewrites the vs-kafka section of BENCHMARKS.md (creating the file, or appending the section,
 * when absent) and the charts. Returns the paths written, relative to root.
 */
export function regenerate({ root }) {
  const file = path.join(root, 'BENCHMARKS.md');
  const charts = [];
  const body = `${START}\n${section(root, charts)}\n${END}`;
  let text;
  if (!fs.existsSync(file)) {
    text = `# Millrace benchmarks\n\n${body}\n`;
  } else {
    const old = fs.readFileSync(file, 'utf8');
    const a = old.indexOf(START);
    const b = old.indexOf(END);
    if (a >= 0 && b > a) text = old.slice(0, a) + body + old.slice(b + END.length);
    else text = `${old.replace(/\s*$/, '')}\n\n${body}\n`;
  }
  fs.writeFileSync(file, text);
  // Charts of results no longer shown are removed (only this generator's *-vs-kafka*.svg files).
  const chartsDir = path.join(root, 'bench', 'charts');
  if (fs.existsSync(chartsDir)) {
    for (const f of fs.readdirSync(chartsDir)) {
      if (/-vs-kafka.*\.svg$/.test(f) && !charts.includes(f)) fs.rmSync(path.join(chartsDir, f));
    }
  }
  return ['BENCHMARKS.md', ...charts.map((f) => `bench/charts/${f}`)];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  console.log(regenerate({ root }).join('\n'));
}
