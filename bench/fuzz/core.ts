/**
 * The fuzz loop shared by the command line (bench/fuzz/fuzz-decoders.ts) and the sample in
 * npm test (test/protocol/fuzz.test.ts): generate input `i`, run it through its decoders,
 * time it, sample memory, and stop at the first failure (or collect them all).
 *
 * Memory: every `memoryEvery` inputs the loop samples RSS, V8 heap and external memory
 * (Buffers live outside the V8 heap). Every `heapWindow` inputs it takes the live size —
 * heapUsed + external right after a full GC when `gc` is available, otherwise the smallest
 * sample of the window — and fails when that grew more than `heapGrowthLimit` past the first
 * window's.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MUTATIONS } from './mutate.js';
import { buildCorpus, type Corpus } from './corpus.js';
import { generate, STRATEGIES } from './cases.js';
import { FuzzStats, type FuzzFailure, type DecoderCount } from './stats.js';
import { describe, execute } from './targets.js';

export interface FuzzOptions {
  /** Inputs to run. */
  frames: number;
  seed: number;
  /** First input index (default 0); input i is the same for a given seed whatever the start. */
  start?: number;
  /** An input slower than this fails the run (default 2000 ms). */
  timeBudgetMs?: number;
  /** Collect distinct failures instead of stopping at the first (default false). */
  keepGoing?: boolean;
  memoryEvery?: number;
  heapWindow?: number;
  /** Allowed growth of the live heap + external memory (default 64 MiB). */
  heapGrowthLimit?: number;
  /** Force a GC at each heap window (exposes gc through v8 flags when needed). */
  forceGc?: boolean;
  /** Written with the index of the input being run, for a watchdog in another thread. */
  progress?: Int32Array;
  /** Called every `progressEvery` inputs. */
  onProgress?: (done: number, report: () => FuzzReport) => void;
  progressEvery?: number;
  /** A corpus built already (the test builds it once). */
  corpus?: Corpus;
}

export interface SlowInput {
  ms: number;
  index: number;
  strategy: string;
  params: string;
  bytes: number;
}

export interface FuzzReport {
  seed: number;
  start: number;
  inputs: number;
  durationMs: number;
  inputsPerSec: number;
  decoderCalls: number;
  decoders: Record<string, DecoderCount>;
  /** Message codecs (incl. headers and internal records): inputs aimed at each. */
  codecs: Record<string, number>;
  /** `<codec> v<version>` pairs reached, out of all. */
  codecVersionsReached: number;
  codecVersionsTotal: number;
  codecVersionsMissed: string[];
  strategies: Record<string, number>;
  mutations: Record<string, number>;
  errorsByType: Record<string, number>;
  faultsByType: Record<string, number>;
  slowest: SlowInput[];
  memory: { maxRssBytes: number; maxHeapUsedBytes: number; liveBaselineBytes: number; liveLastBytes: number; liveGrowthLimitBytes: number; gc: boolean };
  failures: FuzzFailure[];
  duplicateFailures: number;
  corpus: Record<string, number>;
}

/** A gc() function: the global one under --expose-gc, or one obtained by setting the flag. */
export function exposeGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const corpus = options.corpus ?? await buildCorpus();
  const seed = options.seed >>> 0;
  const start = options.start ?? 0;
  const budget = options.timeBudgetMs ?? 2000;
  const memoryEvery = options.memoryEvery ?? 1000;
  const heapWindow = options.heapWindow ?? 50_000;
  const growthLimit = options.heapGrowthLimit ?? 64 * 1024 * 1024;
  const progressEvery = options.progressEvery ?? 100_000;
  const gc = options.forceGc ? exposeGc() : undefined;
  const stats = new FuzzStats();
  const mutations = new Float64Array(MUTATIONS.length);
  const slowest: SlowInput[] = [];
  let maxRss = 0;
  let maxHeap = 0;
  let windowMin = Infinity;
  let liveBaseline = -1;
  let liveLast = 0;

  const began = performance.now();
  let done = 0;
  const report = (): FuzzReport => buildReport(corpus, stats, {
    seed, start, done, durationMs: performance.now() - began, mutations, slowest,
    memory: { maxRssBytes: maxRss, maxHeapUsedBytes: maxHeap, liveBaselineBytes: Math.max(0, liveBaseline), liveLastBytes: liveLast, liveGrowthLimitBytes: growthLimit, gc: gc !== undefined },
  });

  for (let index = start; index < start + options.frames; index++) {
    if (options.progress !== undefined) Atomics.store(options.progress, 0, index % 0x7fffffff);
    const { strategy, fuzzCase, mutations: applied } = generate(corpus, seed, index);
    for (let i = 0; i < applied.length; i++) mutations[i]! += applied[i]!;
    stats.strategies.set(strategy, (stats.strategies.get(strategy) ?? 0) + 1);
    const trial = { seed, index, strategy, params: describe(fuzzCase) };
    const t0 = performance.now();
    try {
      const pending = execute(fuzzCase, stats, trial);
      if (pending !== undefined) await pending;
    } catch (e) {
      stats.fail('harness', trial, 'harness', fuzzCase.data, e);
    }
    const ms = performance.now() - t0;
    done++;
    if (slowest.length < 5 || ms > slowest[slowest.length - 1]!.ms) {
      slowest.push({ ms, index, strategy, params: trial.params, bytes: fuzzCase.data.length });
      slowest.sort((a, b) => b.ms - a.ms);
      if (slowest.length > 5) slowest.pop();
    }
    if (ms > budget) stats.fail('slow', trial, 'time budget', fuzzCase.data, new Error(`input took ${ms.toFixed(0)} ms, budget ${budget} ms`));

    if (done % memoryEvery === 0) {
      const mem = process.memoryUsage();
      if (mem.rss > maxRss) maxRss = mem.rss;
      if (mem.heapUsed > maxHeap) maxHeap = mem.heapUsed;
      windowMin = Math.min(windowMin, mem.heapUsed + mem.external);
    }
    if (done % heapWindow === 0) {
      let live = windowMin;
      if (gc !== undefined) {
        gc();
        const mem = process.memoryUsage();
        live = mem.heapUsed + mem.external;
      }
      windowMin = Infinity;
      liveLast = live;
      if (liveBaseline < 0) liveBaseline = live;
      else if (live - liveBaseline > growthLimit) {
        stats.fail('heap', trial, 'memory', Buffer.alloc(0),
          new Error(`live heap + external grew from ${mb(liveBaseline)} to ${mb(live)} (limit +${mb(growthLimit)})`));
      }
    }
    if (options.onProgress !== undefined && done % progressEvery === 0) options.onProgress(done, report);
    if (stats.failures.length > 0 && options.keepGoing !== true) break;
  }
  return report();
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

interface RunState {
  seed: number;
  start: number;
  done: number;
  durationMs: number;
  mutations: Float64Array;
  slowest: SlowInput[];
  memory: FuzzReport['memory'];
}

function buildReport(corpus: Corpus, stats: FuzzStats, s: RunState): FuzzReport {
  const sorted = <T>(m: Map<string, T>): Record<string, T> => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const codecs = new Map<string, number>();
  for (const p of corpus.messagePairs) codecs.set(p.name, 0);
  for (const [pair, n] of stats.pairs) {
    const name = pair.replace(/ v-?\d+$/, '');
    codecs.set(name, (codecs.get(name) ?? 0) + n);
  }
  const missed = corpus.messagePairs.map((p) => `${p.name} v${p.version}`).filter((k) => !stats.pairs.has(k));
  let calls = 0;
  for (const d of stats.decoders.values()) calls += d.calls;
  return {
    seed: s.seed,
    start: s.start,
    inputs: s.done,
    durationMs: s.durationMs,
    inputsPerSec: s.done / (s.durationMs / 1000),
    decoderCalls: calls,
    decoders: sorted(stats.decoders),
    codecs: sorted(codecs),
    codecVersionsReached: corpus.messagePairs.length - missed.length,
    codecVersionsTotal: corpus.messagePairs.length,
    codecVersionsMissed: missed,
    strategies: Object.fromEntries(STRATEGIES.map((x) => [x, stats.strategies.get(x) ?? 0])),
    mutations: Object.fromEntries(MUTATIONS.map((x, i) => [x, s.mutations[i]!])),
    errorsByType: sorted(stats.errors),
    faultsByType: sorted(stats.faults),
    slowest: s.slowest,
    memory: s.memory,
    failures: stats.failures,
    duplicateFailures: stats.duplicateFailures,
    corpus: {
      goldenRequests: corpus.goldenRequests.length,
      goldenResponses: corpus.goldenResponses.length,
      codecVersions: corpus.messagePairs.length,
      batches: corpus.batches.length,
      compressed: corpus.compressed.length,
      recordSections: corpus.records.length,
    },
  };
}

/** The report as text: a summary, then each failure with what is needed to reproduce it. */
export function formatReport(r: FuzzReport): string {
  const lines: string[] = [];
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  lines.push(`## Decoder fuzz: seed ${r.seed}, inputs ${r.start}..${r.start + r.inputs - 1}`);
  lines.push('');
  lines.push(`- inputs: ${n(r.inputs)} (${n(r.decoderCalls)} decoder calls) in ${(r.durationMs / 1000).toFixed(1)} s, ${n(r.inputsPerSec)} inputs/s`);
  lines.push(`- failures: ${r.failures.length} distinct${r.duplicateFailures ? ` (+${r.duplicateFailures} repeats)` : ''}`);
  lines.push(`- memory: max RSS ${mib(r.memory.maxRssBytes)}, max heap used ${mib(r.memory.maxHeapUsedBytes)}, live heap+external ${mib(r.memory.liveBaselineBytes)} → ${mib(r.memory.liveLastBytes)} (limit +${mib(r.memory.liveGrowthLimitBytes)}, ${r.memory.gc ? 'after forced GC' : 'window minimum'})`);
  lines.push(`- codec × version pairs reached: ${r.codecVersionsReached}/${r.codecVersionsTotal}; codecs reached: ${Object.values(r.codecs).filter((x) => x > 0).length}/${Object.keys(r.codecs).length} (fewest inputs: ${Math.min(...Object.values(r.codecs))})`);
  lines.push(`- corpus: ${Object.entries(r.corpus).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push(`- slowest input: ${r.slowest.map((s) => `${s.ms.toFixed(1)} ms (#${s.index} ${s.strategy}, ${s.bytes} B, ${s.params})`).slice(0, 3).join('; ')}`);
  lines.push('');
  lines.push('| decoder | calls | ok | rejected |');
  lines.push('|---|---:|---:|---:|');
  for (const [name, d] of Object.entries(r.decoders)) lines.push(`| ${name} | ${n(d.calls)} | ${n(d.ok)} | ${n(d.rejected)} |`);
  lines.push('');
  lines.push('| error / fault | count |');
  lines.push('|---|---:|');
  for (const [name, c] of Object.entries(r.errorsByType)) lines.push(`| ${name} | ${n(c)} |`);
  for (const [name, c] of Object.entries(r.faultsByType)) lines.push(`| BatchFault.${name} (result) | ${n(c)} |`);
  lines.push('');
  lines.push(`strategies: ${Object.entries(r.strategies).map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  lines.push(`mutations: ${Object.entries(r.mutations).map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  for (const f of r.failures) {
    lines.push('');
    lines.push(`### FAILURE (${f.kind}) in ${f.decoder}: ${f.error}`);
    lines.push(`reproduce: node dist/bench/fuzz/fuzz-decoders.js --seed ${f.seed} --replay ${f.index}`);
    lines.push(`strategy ${f.strategy}; ${f.params}`);
    lines.push(`input (${f.inputHex.length / 2} bytes): ${f.inputHex.length > 8192 ? `${f.inputHex.slice(0, 8192)}...` : f.inputHex}`);
    lines.push(f.stack.split('\n').slice(0, 8).join('\n'));
  }
  return lines.join('\n');
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(0)} MiB`;
}
