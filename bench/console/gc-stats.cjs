// Preloaded into a benchmark's broker (node --require): counts its garbage collections by kind
// with their pause time, samples its heap, and writes both to $GCSTAT_DIR/<pid>.json at exit.
// (--trace-gc output is lost: it is block-buffered on the pipe when the broker is stopped.)
const { PerformanceObserver, constants } = require('node:perf_hooks');
const v8 = require('node:v8');
const fs = require('node:fs');
const kinds = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' };
const stats = {};
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const k = kinds[e.detail?.kind ?? e.kind] ?? String(e.detail?.kind);
    const s = (stats[k] ??= { n: 0, ms: 0 });
    s.n++; s.ms += e.duration;
  }
});
obs.observe({ entryTypes: ['gc'] });
let maxUsed = 0, maxTotal = 0;
setInterval(() => { const h = process.memoryUsage(); maxUsed = Math.max(maxUsed, h.heapUsed); maxTotal = Math.max(maxTotal, h.heapTotal); }, 200).unref();
process.on('exit', () => {
  const sp = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, Math.round(s.space_size / 1048576)]));
  fs.writeFileSync(`${process.env.GCSTAT_DIR}/${process.pid}.json`, JSON.stringify({ stats, maxUsedMB: Math.round(maxUsed / 1048576), maxTotalMB: Math.round(maxTotal / 1048576), spacesMB: sp, rssMB: Math.round(process.memoryUsage().rss / 1048576) }));
});
