// Summarizes a V8 .cpuprofile: self time per function (top N) and inclusive time of chosen
// frames, so profiles of the produce path can be compared in text.
//
//   node bench/perf/cpuprofile-top.js FILE.cpuprofile [N]
import fs from 'node:fs';

const [file, nArg] = process.argv.slice(2);
const n = Number(nArg ?? 30);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
const selfUs = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (dt[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const label = (cf) => `${cf.functionName || '(anonymous)'} ${(cf.url || '').replace(/^.*\/(src|node_modules)\//, '$1/')}:${cf.lineNumber + 1}`;
const self = new Map();
const incl = new Map();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  const k = label(node.callFrame);
  self.set(k, (self.get(k) ?? 0) + us);
  // Inclusive: every distinct frame on the stack gets the sample once.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const kk = label(byId.get(cur).callFrame);
    if (seen.has(kk)) continue;
    seen.add(kk);
    incl.set(kk, (incl.get(kk) ?? 0) + us);
  }
}
const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
console.log(`total ${(total / 1e6).toFixed(2)} s sampled, idle ${(idle / 1e6).toFixed(2)} s, busy ${((total - idle) / 1e6).toFixed(2)} s`);
const pct = (us) => `${((us / (total - idle)) * 100).toFixed(1).padStart(5)}%`;
console.log('\nself time (% of busy):');
for (const [k, us] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(us)}  ${k}`);
console.log('\ninclusive time (% of busy):');
for (const [k, us] of [...incl].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(root)')).sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(us)}  ${k}`);
