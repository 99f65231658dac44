// Compat consumer driver for kcat (librdkafka's CLI, Debian package `kcat`).
//   node kcat.mjs BOOTSTRAP TOPIC COUNT TIMEOUT_MS
// Runs `kcat -C` (simple consumer: every partition assigned, no group) from the beginning until
// COUNT records or the end of every partition, with a binary-safe -f format (key and payload
// lengths, then their raw bytes), and turns its output into the JSON lines every driver prints
// (see test/compat/README.md). kcat prints headers as `name=value` CSV, so header values read
// through kcat must not contain ',', '=' or newlines, and it prints a null header value as
// `name=NULL`, read back here as null (a header whose value is the text NULL would be too).
import { spawn, execFileSync } from 'node:child_process';

const [bootstrap, topic, count, timeoutMs] = process.argv.slice(2);
const KCAT = process.env.KCAT ?? 'kcat';

const versionLine = execFileSync(KCAT, ['-V'], { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('Version')) ?? '';
const m = /^Version (\S+) .*librdkafka (\S+)/.exec(versionLine);
console.log(JSON.stringify({ client: m ? `kcat ${m[1]} (librdkafka ${m[2]})` : versionLine.trim() }));

const FORMAT = '%p %o %T %K %S\\n%k%s\\n%h\\n';
const child = spawn(KCAT, ['-C', '-q', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-c', count,
  '-X', 'client.id=millrace-compat-kcat', '-f', FORMAT], { stdio: ['ignore', 'pipe', 'inherit'] });
const timer = setTimeout(() => {
  console.error(`kcat did not finish within ${timeoutMs} ms`);
  child.kill('SIGKILL');
}, Number(timeoutMs));

const chunks = [];
child.stdout.on('data', (c) => chunks.push(c));
child.on('close', (code, signal) => {
  clearTimeout(timer);
  const out = Buffer.concat(chunks);
  let pos = 0;
  const line = () => {
    const nl = out.indexOf(0x0a, pos);
    if (nl < 0) throw new Error(`kcat output ends inside a record at byte ${pos}`);
    const s = out.subarray(pos, nl).toString('utf8');
    pos = nl + 1;
    return s;
  };
  const bytes = (n) => {
    if (n < 0) return null;
    if (pos + n > out.length) throw new Error(`kcat output ends inside a record at byte ${pos}`);
    const b = out.subarray(pos, pos + n);
    pos += n;
    return b.toString('base64');
  };
  try {
    while (pos < out.length) {
      const [partition, offset, timestamp, keyLength, valueLength] = line().split(' ').map(Number);
      const key_b64 = bytes(keyLength);
      const value_b64 = bytes(valueLength);
      if (line() !== '') throw new Error(`kcat output: no newline after the payload at byte ${pos}`);
      const csv = line();
      const headers = csv === '' ? [] : csv.split(',').map((h) => {
        const eq = h.indexOf('=');
        if (eq < 0) throw new Error(`kcat header without '=': ${h}`);
        const value = h.slice(eq + 1);
        return [h.slice(0, eq), value === 'NULL' ? null : Buffer.from(value, 'utf8').toString('base64')];
      });
      console.log(JSON.stringify({ partition, offset, key_b64, value_b64, headers, timestamp }));
    }
  } catch (e) {
    console.error(e.message);
    process.exitCode = 1;
  }
  if (code !== 0) {
    console.error(`kcat exited with ${code ?? signal}`);
    process.exitCode = code === null ? 2 : code;
  }
});
