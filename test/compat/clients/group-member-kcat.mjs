// Consumer group member driver for kcat's balanced consumer (kcat -G, Debian kcat / librdkafka).
//   node group-member-kcat.mjs member BOOTSTRAP TOPIC GROUP [key=value ...]
// Runs `kcat -G GROUP TOPIC` as a child and turns what it prints into the lines of
// group_member_confluent.py (see group-members.ts): a record line per record kcat writes to
// stdout (`-f '%p %o %s\n'`), and an assignment line per "rebalanced (assigned: ...)" /
// "(revoked: ...)" kcat writes to stderr. kcat commits by itself (enable.auto.commit, every
// 100 ms here, and on close), so there are no "committed" lines. `close` on stdin (or stdin's
// end) sends kcat SIGTERM, on which it closes its consumer (committing and leaving the group);
// a record kcat has polled but not printed when SIGTERM comes is dropped (kcat's consume_cb
// returns when !conf.run) while librdkafka has stored its offset, so close it when idle.
// Killing this driver's process group kills kcat too. kcat has no admin API: no `lag` mode.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';

const [mode, bootstrap, topic, group, ...rest] = process.argv.slice(2);
const opts = Object.fromEntries(rest.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
if (mode !== 'member') {
  console.error('kcat has no admin API (no committed offsets or lag)');
  process.exit(3);
}
const version = /Version (\S+) .*?librdkafka (\S+)/s.exec(spawnSync('kcat', ['-V'], { encoding: 'utf8' }).stdout);
out({ event: 'client', client: version ? `kcat ${version[1]} (librdkafka ${version[2]})` : 'kcat' });

const protocol = opts.protocol ?? 'classic';
const settings = protocol === 'consumer'
  ? ['-X', 'group.protocol=consumer']
  : ['-X', `session.timeout.ms=${opts.session ?? 10000}`, '-X', `heartbeat.interval.ms=${opts.heartbeat ?? 300}`];
const kcat = spawn('kcat', [
  '-b', bootstrap, '-G', group, topic, '-u', '-f', '%p %o %s\\n', '-X', `client.id=${opts.name ?? 'member'}`,
  '-X', 'auto.offset.reset=earliest', '-X', 'enable.auto.commit=true', '-X', 'auto.commit.interval.ms=100',
  '-X', 'fetch.wait.max.ms=100', ...settings,
], { stdio: ['ignore', 'pipe', 'pipe'] });
const lifetime = setTimeout(() => {
  console.error('lifetime over');
  kcat.kill('SIGKILL');
  process.exit(2);
}, Number(opts.lifetime ?? 300000));

createInterface({ input: kcat.stdout }).on('line', (line) => {
  const m = /^(\d+) (\d+) (.*)$/.exec(line);
  if (m) out({ event: 'record', partition: Number(m[1]), offset: Number(m[2]), value: m[3] });
  else out({ event: 'unparsed', line });
});
// "% Group G rebalanced (memberid ...): assigned: t [0], t [3]" / "... revoked: ..."
let assigned = new Set();
createInterface({ input: kcat.stderr }).on('line', (line) => {
  const parts = [...line.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
  if (/rebalanced.*(?:incremental )?assigned:/.test(line)) {
    assigned = /incremental/.test(line) ? new Set([...assigned, ...parts]) : new Set(parts);
    out({ event: 'assigned', partitions: [...assigned].sort((a, b) => a - b) });
  } else if (/rebalanced.*revoked:/.test(line)) {
    if (/incremental/.test(line)) for (const p of parts) assigned.delete(p);
    else assigned = new Set();
    out({ event: 'assigned', partitions: [...assigned].sort((a, b) => a - b) });
  } else if (line.trim() !== '') {
    process.stderr.write(`${line}\n`);
  }
});

let closing = false;
const exited = new Promise((resolve) => kcat.on('close', (code, signal) => resolve({ code, signal })));
exited.then(({ code, signal }) => {
  if (closing) return;
  console.error(`kcat exited by itself (${signal ?? code})`);
  process.exit(1);
});
const rl = createInterface({ input: process.stdin });
await new Promise((resolve) => {
  rl.on('line', (l) => l.trim() === 'close' && resolve());
  rl.on('close', resolve);
});
closing = true;
kcat.kill('SIGTERM');
const { code, signal } = await exited;
clearTimeout(lifetime);
if (code !== 0) {
  console.error(`kcat exited with ${signal ?? code} on SIGTERM`);
  process.exit(1);
}
out({ event: 'closed' });
process.exit(0);
