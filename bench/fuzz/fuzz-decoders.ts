/**
 * Fuzzes every decoder of src/protocol with random and mutated frames (see core.ts, cases.ts
 * and targets.ts for what is fed to what). After a build:
 *
 *     node dist/bench/fuzz/fuzz-decoders.js --frames 1000000 [--seed N]
 *         [--start I] [--keep-going] [--budget-ms 2000] [--hang-ms 30000] [--json out.json]
 *     node dist/bench/fuzz/fuzz-decoders.js --seed N --replay I     # one input, in detail
 *
 * Exit status 1 when any decoder let something other than ProtocolDecodeError out, broke an
 * invariant, took longer than the budget, hung, or when memory grew past its bound; the
 * report prints the seed, index and hex of each such input. The loop runs in a worker thread;
 * this thread is the watchdog that names the input a hang is stuck on.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { generate } from './cases.js';
import { buildCorpus } from './corpus.js';
import { formatReport, type FuzzOptions, type FuzzReport } from './core.js';
import { FuzzStats } from './stats.js';
import { describe, execute } from './targets.js';

interface Args {
  frames: number;
  seed: number;
  start: number;
  keepGoing: boolean;
  budgetMs: number;
  hangMs: number;
  json: string | null;
  replay: number | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    frames: 1_000_000, seed: (Date.now() ^ (process.pid << 16)) >>> 0, start: 0, keepGoing: false,
    budgetMs: 2000, hangMs: 30_000, json: null, replay: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--frames') args.frames = Number(value());
    else if (a === '--seed') args.seed = Number(value()) >>> 0;
    else if (a === '--start') args.start = Number(value());
    else if (a === '--keep-going') args.keepGoing = true;
    else if (a === '--budget-ms') args.budgetMs = Number(value());
    else if (a === '--hang-ms') args.hangMs = Number(value());
    else if (a === '--json') args.json = value();
    else if (a === '--replay') args.replay = Number(value());
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

async function replay(seed: number, index: number): Promise<number> {
  const corpus = await buildCorpus();
  const { strategy, fuzzCase } = generate(corpus, seed, index);
  console.log(`seed ${seed} input ${index}: strategy ${strategy}; ${describe(fuzzCase)}`);
  console.log(`input (${fuzzCase.data.length} bytes): ${fuzzCase.data.toString('hex')}`);
  const stats = new FuzzStats();
  const trial = { seed, index, strategy, params: describe(fuzzCase) };
  const t0 = performance.now();
  await execute(fuzzCase, stats, trial);
  console.log(`took ${(performance.now() - t0).toFixed(2)} ms`);
  for (const [name, d] of stats.decoders) console.log(`  ${name}: ${d.ok ? 'ok' : 'rejected'}`);
  for (const [type, n] of stats.errors) console.log(`  error ${type} x${n}`);
  for (const [type, n] of stats.faults) console.log(`  fault ${type} x${n}`);
  for (const f of stats.failures) console.log(`FAILURE (${f.kind}) in ${f.decoder}: ${f.error}\n${f.stack}`);
  return stats.failures.length > 0 ? 1 : 0;
}

async function fuzz(args: Args): Promise<number> {
  console.error(`fuzzing ${args.frames} inputs from #${args.start} with seed ${args.seed} (node ${process.version}, ${cpus()[0]?.model ?? 'cpu'})`);
  const progress = new SharedArrayBuffer(4);
  const options: Omit<FuzzOptions, 'progress' | 'onProgress' | 'corpus'> = {
    frames: args.frames, seed: args.seed, start: args.start, keepGoing: args.keepGoing, timeBudgetMs: args.budgetMs, forceGc: true,
  };
  const worker = new Worker(new URL('./worker.js', import.meta.url), {
    workerData: { options, progress },
    resourceLimits: { maxOldGenerationSizeMb: 2048 },
  });
  const current = new Int32Array(progress);
  const report = await new Promise<FuzzReport | string>((resolve) => {
    let last = -1;
    let since = performance.now();
    const watchdog = setInterval(() => {
      const now = Atomics.load(current, 0);
      if (now !== last) {
        last = now;
        since = performance.now();
      } else if (performance.now() - since > args.hangMs) {
        clearInterval(watchdog);
        void worker.terminate();
        resolve(`HANG: input #${now} has run for more than ${args.hangMs} ms`);
      }
    }, 250);
    worker.on('message', (m: { type: string; done?: number; inputsPerSec?: number; failures?: number; maxRss?: number; report?: FuzzReport }) => {
      if (m.type === 'progress') {
        console.error(`  ${m.done} inputs, ${Math.round(m.inputsPerSec!)}/s, ${m.failures} failures, max RSS ${(m.maxRss! / 1048576).toFixed(0)} MiB`);
      } else if (m.type === 'report') {
        clearInterval(watchdog);
        resolve(m.report!);
      }
    });
    worker.on('error', (e) => {
      clearInterval(watchdog);
      resolve(`WORKER DIED at input #${Atomics.load(current, 0)}: ${e.stack ?? String(e)}`);
    });
    worker.on('exit', (code) => {
      clearInterval(watchdog);
      resolve(`WORKER EXITED (${code}) at input #${Atomics.load(current, 0)}`);
    });
  });
  if (typeof report === 'string') {
    const index = Atomics.load(current, 0);
    console.log(report);
    console.log(`reproduce: node dist/bench/fuzz/fuzz-decoders.js --seed ${args.seed} --replay ${index}`);
    const corpus = await buildCorpus();
    const { strategy, fuzzCase } = generate(corpus, args.seed, index);
    console.log(`strategy ${strategy}; ${describe(fuzzCase)}\ninput (${fuzzCase.data.length} bytes): ${fuzzCase.data.toString('hex')}`);
    return 1;
  }
  await worker.terminate();
  console.log(formatReport(report));
  if (args.json !== null) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  return report.failures.length > 0 ? 1 : 0;
}

const args = parseArgs(process.argv.slice(2));
process.exitCode = args.replay !== null ? await replay(args.seed, args.replay) : await fuzz(args);
