/**
 * Millrace's codecs against the two Node.js Kafka clients, on the same data in the same run:
 * Produce requests and Fetch responses carrying ≈ 1 MiB of record batches (16 partitions ×
 * 64 KiB, 1 KiB records), CRC32C of 1 MiB, and each compression codec on a 1 MiB records
 * section. See codec-cases.ts for exactly what each row runs. After a build:
 *
 *     node dist/bench/protocol/codecs.js            # markdown table; updates bench/results/
 *     node dist/bench/protocol/codecs.js --json     # the run as JSON on stdout
 *         [--rounds 21] [--round-ms 100] [--out <file> | --no-write] [--only <group substring>]
 *
 * Every variant of a case is timed in the same rounds, interleaved (measure.ts), by wall clock
 * and by process CPU time; MB/s figures are medians of the rounds, MB = 10^6 bytes. Ratio =
 * Millrace ÷ the other client in MB per CPU-second, against the Millrace variant doing the
 * same job (named in the table), taken as the median of the per-round ratios; above 1 is
 * faster. CPU time because on a shared machine the wall clock mostly measures preemption;
 * both figures are kept in the results file.
 * The results file keeps one run per Node.js version: running under another `node` binary
 * adds its run beside the others.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { dirname, join } from 'node:path';
import { findRepoRoot } from '../../tools/codegen/paths.js';
import { buildCases } from './codec-cases.js';
import { compare, pairedRatio, type Measured } from './measure.js';
import { kafkajsVersion, loadKafkajs, loadPlatformatic } from './others.js';

interface Comparison {
  group: string;
  client: string;
  other: string;
  millrace: string;
  /** Per CPU-second, medians. */
  otherMBps: number;
  millraceMBps: number;
  /** Millrace ÷ other in MB per CPU-second: the median of the per-round ratios (rounds are interleaved). */
  ratio: number;
  /** The same from wall-clock rounds. */
  wallRatio: number;
}

interface Run {
  node: string;
  date: string;
  command: string;
  rounds: number;
  roundMs: number;
  clients: Record<string, string>;
  notes: string[];
  results: Measured[];
  comparisons: Comparison[];
}

interface ResultsFile {
  /** `node`: the Node.js versions of the runs in the file. */
  machine: { cpu: string; cores: number; os: string; memoryGiB: number; node: string[] };
  runs: Run[];
}

function parseArgs(argv: string[]): { json: boolean; rounds: number; roundMs: number; out: string | null; only: string | null } {
  const a = { json: false, rounds: 21, roundMs: 100, out: '' as string | null, only: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') a.json = true;
    else if (arg === '--rounds') a.rounds = Math.max(5, Number(argv[++i]));
    else if (arg === '--round-ms') a.roundMs = Number(argv[++i]);
    else if (arg === '--out') a.out = argv[++i]!;
    else if (arg === '--no-write') a.out = null;
    else if (arg === '--only') a.only = argv[++i]!;
    else throw new Error(`unknown argument ${arg}`);
  }
  return a;
}

const fmt = (x: number | null): string => (x === null ? 'n/a' : x >= 100 ? x.toFixed(0) : x.toFixed(1));

function table(run: Run): string {
  const lines = [
    `### Node.js ${run.node} — ${run.date}, median of ${run.rounds} interleaved rounds × ${run.roundMs} ms`,
    '',
    '| case | implementation | MB/s per CPU-second | MB/s wall clock | Millrace/other (CPU) |',
    '|---|---|---:|---:|---:|',
  ];
  // Millrace rows are numbered per case (M1, M2, ...) so a ratio can say which it is against.
  const tags = new Map<string, string>();
  let group = '';
  let m = 0;
  for (const r of run.results) {
    if (r.group !== group) {
      group = r.group;
      m = 0;
    }
    if (r.client === 'millrace') tags.set(`${r.group}|${r.name}`, `M${++m}`);
  }
  for (const r of run.results) {
    const tag = tags.get(`${r.group}|${r.name}`);
    const cs = run.comparisons.filter((x) => x.group === r.group && x.other === r.name);
    const ratio = cs.map((c) => `${c.ratio.toFixed(2)}×${cs.length > 1 ? ` vs ${tags.get(`${c.group}|${c.millrace}`)}` : ''}`).join(', ');
    const note = r.note ? ` (${r.note})` : '';
    lines.push(`| ${r.group} | ${tag ? `${tag} ` : ''}${r.name}${note} | ${fmt(r.cpuMbPerSec)} | ${fmt(r.mbPerSec)} | ${ratio} |`);
  }
  lines.push('', ...run.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const kj = loadKafkajs();
  const pf = await loadPlatformatic();
  const cases = buildCases(kj, pf).filter((c) => args.only === null || c.group.includes(args.only));
  const options = { rounds: args.rounds, roundMs: args.roundMs, warmupMs: 300 };
  const results: Measured[] = [];
  const comparisons: Comparison[] = [];
  for (const c of cases) {
    if (!args.json) process.stderr.write(`${c.group} ...\n`);
    if (c.verify !== undefined) await c.verify();
    const measured = await compare(c.group, c.bytes, c.variants, options);
    results.push(...measured);
    for (const v of c.variants) {
      const other = measured.find((m) => m.name === v.name)!;
      for (const vs of v.vs ?? []) {
        const ours = measured.find((m) => m.name === vs);
        if (ours === undefined) throw new Error(`${v.name}: no Millrace variant named ${vs}`);
        if (other.cpuMbPerSec === null || ours.cpuMbPerSec === null) continue;
        comparisons.push({
          group: c.group, client: v.client, other: v.name, millrace: vs, otherMBps: other.cpuMbPerSec, millraceMBps: ours.cpuMbPerSec,
          ratio: pairedRatio(ours.cpuRounds, other.cpuRounds), wallRatio: pairedRatio(ours.rounds, other.rounds),
        });
      }
    }
  }
  const run: Run = {
    node: process.version,
    date: new Date().toISOString(),
    command: `${process.execPath} ${process.argv.slice(1).join(' ')}`,
    rounds: args.rounds,
    roundMs: args.roundMs,
    clients: { kafkajs: kafkajsVersion(), '@platformatic/kafka': pf.version },
    notes: [
      `Bytes per case: ${cases.map((c) => `${c.group}: ${c.bytes} B (${c.basis})`).join('; ')}.`,
      `@platformatic/kafka's crc32c loader found @node-rs/crc32: ${pf.crc32cIsNative} (it prefers it, as Millrace does; its wrapper copies the buffer into a new Uint8Array first).`,
      'kafkajs and @platformatic/kafka do not verify batch CRCs when decoding fetched records; Millrace\'s decodeBatchSync does unless told not to, and its ratios are taken with the check on.',
    ],
    results,
    comparisons,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
  else process.stdout.write(`${table(run)}\n`);
  if (args.out !== null) writeResults(args.out, run);
}

function writeResults(out: string, run: Run): void {
  const path = out !== '' ? out : join(findRepoRoot(), 'bench', 'results', `${run.date.slice(0, 10)}-protocol-codecs.json`);
  const cpu = cpus();
  let file: ResultsFile = {
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, os: `${osType()} ${release()}`, memoryGiB: Math.round(totalmem() / 2 ** 30), node: [] },
    runs: [],
  };
  if (existsSync(path)) file = { ...JSON.parse(readFileSync(path, 'utf8')) as ResultsFile, machine: file.machine };
  file.runs = [...file.runs.filter((r) => r.node !== run.node), run].sort((a, b) => (a.node < b.node ? -1 : 1));
  file.machine.node = file.runs.map((r) => r.node);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  process.stderr.write(`wrote ${path}\n`);
}

await main();
