#!/usr/bin/env node
// Issue 7's benchmark rig: Apache Kafka vs Millrace on this machine, side by side.
//
//   npm run bench:vs-kafka [-- options]        (= node bench/vs-kafka/run.js [options])
//
// For each round, for each system (the order alternates between rounds), on a fresh data
// directory: start the broker as its own process and time the cold start to the first
// acknowledged produce, create the topics with Kafka's TopicCommand, then run the workloads of
// workloads.js, reading the broker's peak RSS and CPU seconds around each one. Writes
// bench/results/<date>-vs-kafka[-quick]-node<major>.json and regenerates the vs-kafka section of
// BENCHMARKS.md (bench/report/vs-kafka.js). See bench/vs-kafka/README.md.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIBS_DIR, KAFKA_JVM_FLAGS } from '../../tools/kafka/kafka-process.js';
import { portFree, resourceMark, resourcesSince, round, run } from './proc.js';
import { spawnKafka, spawnMillrace, waitFirstAck } from './systems.js';
import { ensureJsonPayloadFile } from './payload.js';
import { ALIASES, createTopics, ensureKcatFile, WORKLOADS } from './workloads.js';
import { readOptions } from '../../tools/cli-args.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const cacheDir = path.join(repoRoot, 'bench', '.cache', 'vs-kafka');

const USAGE = `usage: node bench/vs-kafka/run.js [options]
  --quick               smoke run: 1 round, 50k x 1 KiB, 200k x 100 B, 1k round trips, 50k x 1 KiB via kcat
  --rounds N            rounds (default 3; each runs Kafka and Millrace, alternating who goes first)
  --scale F             multiply every record count (default 1: 2M x 1 KiB as in the issue)
  --records N           1 KiB records for the ProducerPerformance/ConsumerPerformance workloads
  --node PATH           Node.js binary that runs Millrace (default: the one running this script)
  --millrace-ref REF    the commit of Millrace to measure (default HEAD): its src/, bin/ and
                        package.json are exported with git archive and compiled with tsc into
                        .tmp/vs-kafka/millrace-<sha>, so others' uncommitted edits are not measured
  --millrace-worktree   measure the working tree as it is instead (compiled into .tmp/vs-kafka/millrace-worktree)
  --baseline-ref REF    also measure Millrace at REF, as a third system "millrace-baseline" in the same
                        rounds (the order rotates), so a change is compared before/after on the same
                        machine state; such a run is kept out of BENCHMARKS.md' vs-kafka section
                        (bench/report/before-after.js FILE compares its two builds)
  --millrace-root DIR   a folder that already has bin/millrace.js, dist/ and package.json
  --systems LIST        kafka,millrace (default both)
  --workloads LIST      names from workloads.js (default all); cold-start always runs. A run with a
                        subset (or one system) is marked partial and left out of BENCHMARKS.md
  --millrace-no-groups  record the consumer-group workloads as n/a for Millrace (for commits before
                        consumer groups, issue 6)
  --port N              first of three ports (Kafka, Kafka controller, Millrace); default 29092,
                        moved up by 3 until all are free
  --out FILE            results file (default bench/results/<date>-vs-kafka[-quick]-node<major>.json)
  --no-report           do not regenerate BENCHMARKS.md
  --note TEXT           a note stored in the results file (repeatable)`;

function parseArgs(argv) {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE);
    process.exit(0);
  }
  let v;
  try {
    ({ values: v } = readOptions(argv, {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'number' },
      scale: { type: 'number', default: '1' },
      records: { type: 'number' },
      node: { type: 'string' },
      'millrace-root': { type: 'string' },
      'millrace-ref': { type: 'string', default: 'HEAD' },
      'millrace-worktree': { type: 'boolean', default: false },
      'baseline-ref': { type: 'string' },
      systems: { type: 'string', default: 'kafka,millrace' },
      workloads: { type: 'string' },
      port: { type: 'number', default: '29092' },
      out: { type: 'string' },
      'no-report': { type: 'boolean', default: false },
      note: { type: 'string', multiple: true, default: [] },
      'millrace-no-groups': { type: 'boolean', default: false },
    }));
  } catch (err) {
    throw new Error(`${err.message}\n${USAGE}`);
  }
  const resolved = (p) => (p === undefined ? undefined : path.resolve(p));
  const o = {
    quick: v.quick,
    rounds: v.rounds ?? (v.quick ? 1 : 3),
    scale: v.scale,
    records: v.records,
    node: resolved(v.node) ?? process.execPath,
    millraceRoot: resolved(v['millrace-root']),
    millraceRef: v['millrace-ref'],
    millraceWorktree: v['millrace-worktree'],
    baselineRef: v['baseline-ref'],
    systems: v.systems.split(','),
    workloads: v.workloads?.split(',').map((w) => ALIASES[w] ?? w),
    port: v.port,
    out: resolved(v.out),
    report: !v['no-report'],
    notes: v.note,
    millraceNoGroups: v['millrace-no-groups'],
  };
  for (const s of o.systems) if (s !== 'kafka' && s !== 'millrace') throw new Error(`unknown system ${s}`);
  if (o.baselineRef !== undefined) o.systems.push('millrace-baseline');
  if (o.workloads) {
    for (const w of o.workloads) if (!WORKLOADS.some((x) => x.name === w)) throw new Error(`unknown workload ${w}`);
  }
  return o;
}

function sizesFor(o) {
  const base = o.quick
    ? { records1k: 50_000, records100b: 200_000, e2eMessages: 1_000, kcatRecords: 50_000, e2eRateRecords: 61_440 }
    : { records1k: 2_000_000, records100b: 2_000_000, e2eMessages: 10_000, kcatRecords: 2_000_000, e2eRateRecords: 409_600 };
  const s = (n) => Math.max(1, Math.round(n * o.scale));
  return {
    records1k: o.records ?? s(base.records1k),
    records100b: s(base.records100b),
    e2eMessages: s(base.e2eMessages),
    kcatRecords: s(base.kcatRecords),
    e2eRateRecords: s(base.e2eRateRecords),
  };
}

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    // java -version writes to stderr
    return String(/** @type {any} */ (e).stderr ?? '').trim() || null;
  }
}

function machineInfo(nodeBin) {
  const cpus = os.cpus();
  let distro = null;
  try {
    distro = /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? null;
  } catch {}
  const javaLine = sh('sh', ['-c', 'java -version 2>&1 | head -2 | tail -1']);
  return {
    hostname: os.hostname(),
    cpu: cpus[0]?.model ?? null,
    cores: cpus.length,
    memory_gb: round(os.totalmem() / 2 ** 30, 1),
    os: `${distro ?? os.type()} (${os.type()} ${os.release()})`,
    disk: sh('sh', ['-c', `df -hT ${JSON.stringify(repoRoot)} | tail -1 | awk '{print $1" "$2}'`]),
    node_millrace: sh(nodeBin, ['-v']),
    node_rig: process.version,
    java: javaLine,
    kcat: (() => {
      const v = sh('sh', ['-c', 'kcat -V 2>&1']) ?? '';
      const m = /Version (\S+).*librdkafka (\S+)/.exec(v);
      return m ? `kcat ${m[1]} (librdkafka ${m[2]})` : v.split('\n')[0] || null;
    })(),
    kafka: fs.existsSync(path.join(DEFAULT_LIBS_DIR, '.complete')) ? fs.readFileSync(path.join(DEFAULT_LIBS_DIR, '.complete'), 'utf8').trim() : null,
    loadavg_start: os.loadavg().map((x) => round(x, 2)),
  };
}

/** What Millrace is measured: a commit (exported from git) or the working tree (with its changes listed). */
function millraceSource(o) {
  if (o.millraceRoot) return { kind: 'root', root: o.millraceRoot, commit: null, changes: [] };
  const commit = commitOf(o.millraceRef, '--millrace-ref');
  if (!o.millraceWorktree) return { kind: 'commit', ref: o.millraceRef, commit, changes: [] };
  const status = sh('git', ['-C', repoRoot, 'status', '--porcelain', '--', 'src', 'bin', 'package.json']) ?? '';
  return { kind: 'worktree', commit, changes: status.split('\n').filter(Boolean) };
}

function commitOf(ref, option) {
  const commit = sh('git', ['-C', repoRoot, 'rev-parse', '--verify', `${ref}^{commit}`]);
  if (!commit || !/^[0-9a-f]{40}$/.test(commit)) throw new Error(`${option} ${ref} is not a commit`);
  return commit;
}

/**
 * Compiles Millrace into a private folder (bin/millrace.js, dist/, package.json), so concurrent
 * rebuilds of dist/ and edits in the checkout cannot change what is measured mid-run.
 */
async function buildMillrace(src) {
  const tag = src.kind === 'commit' ? src.commit.slice(0, 12) : 'worktree';
  const root = path.join(repoRoot, '.tmp', 'vs-kafka', `millrace-${tag}`);
  const done = path.join(root, '.complete');
  if (src.kind === 'commit' && fs.existsSync(done)) return root;
  fs.rmSync(done, { force: true });
  let projectDir = repoRoot;
  if (src.kind === 'commit') {
    // A clean export of the commit's sources; node_modules resolve from the checkout above.
    fs.rmSync(root, { recursive: true, force: true });
    fs.mkdirSync(root, { recursive: true });
    execFileSync('sh', ['-c', `git -C "$1" archive --format=tar "$2" src bin tools package.json tsconfig.json | tar -x -C "$3"`, 'sh', repoRoot, src.commit, root]);
    projectDir = root;
  }
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = await run(
    process.execPath,
    [tsc, '-p', path.join(projectDir, 'tsconfig.json'), '--outDir', path.join(root, 'dist'), '--tsBuildInfoFile', path.join(root, 'tsbuildinfo')],
    { cwd: projectDir, timeoutMs: 300000 },
  );
  if (r.code !== 0) throw new Error(`tsc failed:\n${r.stdout}${r.stderr}`);
  // Since the CLI is bundled (tools/bundle-cli.ts), bin/millrace.js loads dist/bundle/.
  const bundler = path.join(root, 'dist', 'tools', 'bundle-cli.js');
  if (fs.existsSync(bundler)) {
    const b = await run(process.execPath, [bundler, '--dist', path.join(root, 'dist')], { cwd: repoRoot, timeoutMs: 300000 });
    if (b.code !== 0) throw new Error(`bundling failed:\n${b.stdout}${b.stderr}`);
  }
  if (src.kind === 'worktree') {
    // bin/millrace.js imports ../dist/bundle/cli/main.js (older commits: ../dist/src/cli/main.js), which reads ../../../package.json.
    fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, 'bin', 'millrace.js'), path.join(root, 'bin', 'millrace.js'));
    fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(root, 'package.json'));
  }
  fs.writeFileSync(done, `${src.commit}\n`);
  return root;
}

function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function log(msg) {
  process.stderr.write(`[vs-kafka ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** @type {Set<import('./systems.js').BrokerProcess>} */
const live = new Set();
function killLive() {
  for (const b of live) {
    try {
      process.kill(b.pid, 'SIGKILL');
    } catch {}
  }
}
process.on('exit', killLive);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killLive();
    process.exit(130);
  });
}

function entry(system, workload, roundNo, extra) {
  return {
    system,
    workload,
    round: roundNo,
    mb_per_s: null,
    records_per_s: null,
    p50_ms: null,
    p99_ms: null,
    p999_ms: null,
    rss_mb: null,
    cpu_s: null,
    ...extra,
  };
}

async function runSystem(system, roundNo, o, ctxBase, runs) {
  const host = '127.0.0.1';
  const tag = `${system}-r${roundNo}`;
  const dir = path.join(cacheDir, 'run', tag);
  const logsDir = path.join(cacheDir, 'logs', tag);
  fs.rmSync(logsDir, { recursive: true, force: true });
  fs.mkdirSync(logsDir, { recursive: true });
  const logFile = path.join(logsDir, 'tools.log');
  // The two Millrace builds never run at once: they share a port.
  const port = system === 'kafka' ? o.port : o.port + 2;
  execFileSync('sync');
  log(`round ${roundNo}: ${system} starting (data ${dir})`);
  const b =
    system === 'kafka'
      ? await spawnKafka({ dir, logsDir, host, port: o.port, controllerPort: o.port + 1 })
      : await spawnMillrace({ dir, logsDir, host, port, node: o.node, root: system === 'millrace-baseline' ? ctxBase.baselineRoot : ctxBase.millraceRoot });
  live.add(b);
  let stopInfo = null;
  try {
    const load1 = round(os.loadavg()[0], 2);
    let cold;
    try {
      cold = await waitFirstAck(b, { host, port, logFile });
    } catch (e) {
      runs.push(entry(system, 'cold-start', roundNo, { error: String(/** @type {Error} */ (e).message), load1 }));
      throw e;
    }
    const res = resourcesSince({ pid: b.pid, cpu: 0, peakReset: false });
    runs.push(
      entry(system, 'cold-start', roundNo, {
        startup_ms: cold.startup_ms,
        tcp_ms: cold.tcp_ms,
        kcat_attempts: cold.kcat_attempts,
        ...(b.info.format_ms !== undefined ? { format_ms: b.info.format_ms } : {}),
        ...res,
        rss_peak_scope: 'process lifetime',
        load1,
      }),
    );
    log(`round ${roundNo}: ${system} first ack after ${cold.startup_ms} ms (tcp ${cold.tcp_ms} ms), rss ${res.rss_mb} MB`);

    /** @type {import('./workloads.js').Ctx} */
    const ctx = { ...ctxBase, system, bootstrap: b.bootstrap, logFile };
    await createTopics(ctx);

    for (const w of WORKLOADS) {
      if (o.workloads && !o.workloads.includes(w.name)) continue;
      if (w.needsGroups && system !== 'kafka' && o.millraceNoGroups) {
        runs.push(entry(system, w.name, roundNo, { status: 'n/a', note: 'n/a: needs consumer groups (issue 6)' }));
        continue;
      }
      execFileSync('sync');
      const load = round(os.loadavg()[0], 2);
      const mark = resourceMark(b.pid);
      try {
        const m = await w.run(ctx);
        const r = resourcesSince(mark);
        const { notes, ...metrics } = m;
        const e = entry(system, w.name, roundNo, { ...metrics, ...r, load1: load });
        if (Array.isArray(notes) && notes.length > 0) e.note = notes.join('; ');
        runs.push(e);
        log(
          `round ${roundNo}: ${system} ${w.name}: ${e.mb_per_s ?? '-'} MB/s, ${e.records_per_s ?? '-'} rec/s, p50/p99/p99.9 ${e.p50_ms ?? '-'}/${e.p99_ms ?? '-'}/${e.p999_ms ?? '-'} ms, rss ${e.rss_mb} MB, cpu ${e.cpu_s} s${e.note ? ` (${e.note})` : ''}`,
        );
      } catch (err) {
        const r = resourcesSince(mark);
        runs.push(entry(system, w.name, roundNo, { error: String(/** @type {Error} */ (err).message), ...r, load1: load }));
        log(`round ${roundNo}: ${system} ${w.name} FAILED: ${/** @type {Error} */ (err).message}`);
      }
      if (!b.alive()) throw new Error(`${system} exited during ${w.name}; see ${logsDir}`);
    }
  } finally {
    stopInfo = await b.stop();
    live.delete(b);
    log(`round ${roundNo}: ${system} stopped in ${stopInfo.ms} ms (exit ${stopInfo.code ?? stopInfo.signal})`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const { logs, ...info } = b.info;
  return { system, round: roundNo, pid: b.pid, ...info, stop_ms: stopInfo.ms, exit: stopInfo.code ?? stopInfo.signal };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const sizes = sizesFor(o);

  // Three consecutive free ports below the ephemeral range (others' tests use random ports).
  const wanted = o.port;
  for (let tries = 0; ; tries++) {
    const free = await Promise.all([o.port, o.port + 1, o.port + 2].map((p) => portFree('127.0.0.1', p)));
    if (free.every(Boolean)) break;
    if (tries === 20) throw new Error(`no three free ports from ${wanted}; pass --port`);
    o.port += 3;
  }
  // Kafka's tools drive both systems, so the jars are always needed.
  const fetched = await run('bash', [path.join(repoRoot, 'tools', 'kafka', 'fetch.sh')], { timeoutMs: 600000 });
  if (fetched.code !== 0) throw new Error(`tools/kafka/fetch.sh failed:\n${fetched.stdout}${fetched.stderr}`);
  const source = millraceSource(o);
  let millraceRoot = o.millraceRoot;
  if (o.systems.includes('millrace') && !millraceRoot) {
    log(source.kind === 'commit' ? `building Millrace at ${o.millraceRef} (${source.commit.slice(0, 12)})` : 'building Millrace from the working tree');
    millraceRoot = await buildMillrace(source);
  }
  const baseline = o.baselineRef === undefined ? null : { kind: 'commit', ref: o.baselineRef, commit: commitOf(o.baselineRef, '--baseline-ref'), changes: [] };
  let baselineRoot;
  if (baseline !== null) {
    log(`building the baseline, Millrace at ${o.baselineRef} (${baseline.commit.slice(0, 12)})`);
    baselineRoot = await buildMillrace(baseline);
  }
  log(`generating kcat input (${sizes.kcatRecords} x 1 KiB)`);
  const kcatFile = ensureKcatFile(path.join(cacheDir, 'input'), sizes.kcatRecords);

  const machine = machineInfo(o.node);
  const nodeMajor = (machine.node_millrace ?? process.version).replace(/^v(\d+).*/, '$1');
  const out =
    o.out ?? path.join(repoRoot, 'bench', 'results', `${today()}-vs-kafka${o.quick ? '-quick' : ''}-node${nodeMajor}.json`);
  log(`sizes ${JSON.stringify(sizes)}, ${o.rounds} round(s), Millrace on Node ${machine.node_millrace}; results -> ${path.relative(repoRoot, out)}`);

  const runs = [];
  const brokers = [];
  const payloadFile = ensureJsonPayloadFile(path.join(cacheDir, 'input'));
  const ctxBase = { sizes, kcatFile, payloadFile, millraceRoot, baselineRoot };
  for (let r = 1; r <= o.rounds; r++) {
    // Two systems alternate; three rotate, so each goes first, second and third once in three rounds.
    const shift = o.systems.length > 2 ? (r - 1) % o.systems.length : 0;
    const rotated = [...o.systems.slice(shift), ...o.systems.slice(0, shift)];
    const order = o.systems.length > 2 || r % 2 === 1 ? rotated : [...o.systems].reverse();
    for (const system of order) {
      try {
        brokers.push(await runSystem(system, r, o, ctxBase, runs));
      } catch (e) {
        log(`round ${r}: ${system} aborted: ${/** @type {Error} */ (e).message}`);
        brokers.push({ system, round: r, error: String(/** @type {Error} */ (e).message) });
      }
    }
  }

  machine.loadavg_end = os.loadavg().map((x) => round(x, 2));
  const result = {
    name: 'vs-kafka',
    description: "Issue 7: Apache Kafka vs Millrace on the same machine, same workloads, Kafka's own load tools and kcat",
    date: today(),
    started_at: startedAt,
    duration_s: Math.round((performance.now() - t0) / 1000),
    command: `node bench/vs-kafka/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    quick: o.quick,
    // A subset of the workloads or of the systems: kept in bench/results, not shown in BENCHMARKS.md.
    partial: Boolean(o.workloads) || o.systems.length !== 2,
    workloads: WORKLOADS.filter((w) => !o.workloads || o.workloads.includes(w.name)).map((w) => ({ name: w.name, tool: w.tool, description: w.description })),
    rounds: o.rounds,
    scale: o.records !== undefined ? { ...sizes, note: '--records given' } : { factor: o.scale, ...sizes },
    machine,
    kafka: {
      version: machine.kafka,
      jvm_flags: KAFKA_JVM_FLAGS.join(' '),
      config: 'single-node KRaft (broker,controller), tools/kafka/kafka-process.js serverProperties() defaults',
    },
    millrace: {
      commit: source.commit,
      source: source.kind === 'commit' ? `git archive ${source.ref} (${source.commit})` : source.kind === 'worktree' ? 'working tree' : `--millrace-root ${source.root}`,
      ...(source.kind === 'worktree' ? { uncommitted_changes: source.changes } : {}),
      node: machine.node_millrace,
      ...(baseline !== null ? { baseline: { commit: baseline.commit, source: `git archive ${baseline.ref} (${baseline.commit})` } } : {}),
      command: 'node bin/millrace.js start --override listeners=PLAINTEXT://127.0.0.1:<port> --override log.dirs=<fresh dir>',
    },
    method: [
      'Each round starts each system once on a fresh data directory; the order alternates between rounds.',
      'cold-start: spawn of the broker process (after `StorageTool format` for Kafka, timed separately as format_ms) until kcat has a produce acknowledged to a topic the broker auto-creates; tcp_ms is when the port first accepted a connection.',
      "Topics: created with Kafka's TopicCommand, 6 partitions (EndToEndLatency's topic: 1, as the tool would create it), replication factor 1.",
      "Java tools run with Kafka's tool JVM flags (-Xmx512M for the perf tools, -Xmx256M otherwise); `sync` runs before each workload.",
      'rss_mb: peak RSS (VmHWM) of the broker process during the workload (reset through /proc/<pid>/clear_refs before it); cpu_s: utime+stime of the broker process during the workload. For cold-start: lifetime peak and CPU until the first ack.',
      'MB = 2^20 bytes (as Kafka tools print it). ProducerPerformance and EndToEndLatency report whole-millisecond percentiles.',
    ],
    notes: o.notes,
    brokers,
    runs,
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  log(`wrote ${path.relative(repoRoot, out)} in ${result.duration_s} s`);

  if (o.report) {
    const { regenerate } = await import('../report/vs-kafka.js');
    const written = regenerate({ root: repoRoot });
    log(`regenerated ${written.join(', ')}`);
  }
}

main().catch((e) => {
  log(`failed: ${e instanceof Error ? e.stack : String(e)}`);
  killLive();
  process.exit(1);
});
