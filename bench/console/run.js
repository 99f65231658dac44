// What the HTTP console costs the produce path: broker produce MB/s with the console on and
// Prometheus scraping /metrics every second, against the console off (issue 18's goal: within
// 3%). Each round runs both, in alternating order (on/off, off/on, ...), each on a fresh broker
// process and data directory; the load is `millrace perf produce` (1 KiB records, 6 partitions).
//
//   node bench/console/run.js [--dist dist] [--records 2000000] [--rounds 5] [--acks 1]
//        [--scrape-ms 1000] [--port 19893] [--console-port 19894] [--out FILE] [--gc-stats]
//        [--data-root DIR]
//
// --data-root puts the brokers' data directories under DIR (a tmpfs such as /dev/shm takes the
// disk's writeback out of the comparison).
// --gc-stats adds each broker's garbage collections (counts and pause ms by kind, peak heap) to its row.
//
// Build first (`npm run build`); run on a quiet machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readOptions } from '../../tools/cli-args.js';
import { cpuSeconds, run } from '../vs-kafka/proc.js';
import { median } from '../report/vs-kafka.js';
import { launcher, startMillrace, stopMillrace } from '../perf/harness.js';

const { values: o } = readOptions(process.argv.slice(2), {
  dist: { type: 'string', default: 'dist' },
  records: { type: 'number', default: '2000000' },
  rounds: { type: 'number', default: '5' },
  acks: { type: 'string', default: '1' },
  'scrape-ms': { type: 'number', default: '1000' },
  port: { type: 'number', default: '19893' },
  'console-port': { type: 'number', default: '19894' },
  out: { type: 'string' },
  'gc-stats': { type: 'boolean' },
  'data-root': { type: 'string' },
});
const dist = path.resolve(o.dist);
const records = o.records;
const rounds = o.rounds;
const scrapeMs = o['scrape-ms'];
const port = o.port;
const consolePort = o['console-port'];
// With --gc-stats each broker preloads gc-stats.cjs, which counts its collections and writes them
// to this folder when it exits.
const gcDir = fs.mkdtempSync(path.join(os.tmpdir(), 'millrace-console-gc-'));
process.env.GCSTAT_DIR = gcDir;

/** Scrapes /metrics every `scrapeMs` until stopped, as Prometheus would; counts scrapes and bytes. */
function scrapeLoop(url) {
  const stats = { scrapes: 0, bytes: 0, failures: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const next = performance.now() + scrapeMs;
      try {
        const res = await fetch(url);
        const body = await res.text();
        if (res.status === 200) {
          stats.scrapes++;
          stats.bytes += body.length;
        } else stats.failures++;
      } catch {
        stats.failures++;
      }
      const wait = next - performance.now();
      if (wait > 0 && !stopped) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return { stats, stop: async () => { stopped = true; await loop; } };
}

async function once(mode, round) {
  let row;
  const dataDir = fs.mkdtempSync(path.join(o['data-root'] ?? os.tmpdir(), 'millrace-console-bench-'));
  const overrides = { 'num.partitions': 6, 'console.listeners': mode === 'on' ? `http://127.0.0.1:${consolePort}` : '' };
  const nodeArgs = o['gc-stats'] ? ['--require', fileURLToPath(new URL('./gc-stats.cjs', import.meta.url))] : [];
  const broker = await startMillrace(dist, { port, dataDir, overrides, nodeArgs });
  const scraper = mode === 'on' ? scrapeLoop(`http://127.0.0.1:${consolePort}/metrics`) : null;
  try {
    const bootstrap = `127.0.0.1:${port}`;
    const perf = (n) => run(process.execPath, [...launcher(dist), 'perf', 'produce', '--bootstrap-server', bootstrap, '--topic', 'load',
      '--num-records', String(n), '--record-size', '1024', '--acks', o.acks, '--json', '--quiet']);
    const warm = await perf(Math.min(records, 50000));
    if (warm.code !== 0) throw new Error(`warm-up: ${warm.stderr}`);
    const load1 = os.loadavg()[0];
    const cpu0 = cpuSeconds(broker.pid);
    const r = await perf(records);
    const cpu = cpuSeconds(broker.pid) - cpu0;
    if (r.code !== 0) throw new Error(`perf produce: exit ${r.code} ${r.stderr.slice(-400)}`);
    const report = JSON.parse(r.stdout);
    row = {
      mode, round, mb_per_s: report.mb_per_s, records_per_s: report.records_per_s, broker_cpu_s: +cpu.toFixed(2),
      broker_us_per_record: +(cpu * 1e6 / records).toFixed(3), load1: +load1.toFixed(2),
      ...(scraper === null ? {} : { scrapes: scraper.stats.scrapes, scrape_failures: scraper.stats.failures, scrape_kb: +(scraper.stats.bytes / Math.max(1, scraper.stats.scrapes) / 1024).toFixed(1) }),
    };
    return row;
  } finally {
    await scraper?.stop();
    await stopMillrace(broker, dataDir, 300);
    if (o['gc-stats']) {
      const file = path.join(gcDir, `${broker.pid}.json`);
      if (row !== undefined && fs.existsSync(file)) row.gc = JSON.parse(fs.readFileSync(file, 'utf8'));
    }
    if (row !== undefined) process.stderr.write(`${JSON.stringify(row)}\n`);
  }
}

const rows = [];
for (let round = 1; round <= rounds; round++) {
  for (const mode of round % 2 === 1 ? ['on', 'off'] : ['off', 'on']) rows.push(await once(mode, round));
}
const of = (mode, key) => median(rows.filter((r) => r.mode === mode).map((r) => r[key]));
const summary = {
  on: { mb_per_s: of('on', 'mb_per_s'), broker_us_per_record: of('on', 'broker_us_per_record') },
  off: { mb_per_s: of('off', 'mb_per_s'), broker_us_per_record: of('off', 'broker_us_per_record') },
};
summary.on_vs_off_pct = +((summary.on.mb_per_s / summary.off.mb_per_s - 1) * 100).toFixed(2);
// Each round's on against its own off, then their median: the machine drifts over a long run
// (page cache, writeback), and a round's two runs are the closest in time.
const paired = [];
for (let round = 1; round <= rounds; round++) {
  const on = rows.find((r) => r.round === round && r.mode === 'on');
  const off = rows.find((r) => r.round === round && r.mode === 'off');
  paired.push((on.mb_per_s / off.mb_per_s - 1) * 100);
}
summary.paired_median_pct = +median(paired).toFixed(2);
summary.goal = 'console on with a 1 s scrape within 3% of console off';
const result = { date: new Date().toISOString(), node: process.version, records, rounds, scrape_ms: scrapeMs, acks: o.acks, cpus: os.cpus().length, summary, rows };
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
if (o.out !== undefined) fs.writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
