/**
 * Traces one record of the confluent producer through its librdkafka debug log (a soak run with
 * MILLRACE_FAULTS_RDKAFKA_DEBUG=eos,msg,protocol writes DIR/logs/confluent-producer.log), run by
 * hand after a soak that found a duplicate:
 *   node dist/test/faults/rdkafka-trace.js LOG PARTITION EPOCH SEQ
 * EPOCH and SEQ are the first copy's, as the checker reports them. The record's message id is
 * the partition's epoch base message id (the RESETSEQ lines) plus SEQ; printed are the epoch
 * changes, and every MessageSet line of the partition whose messages include that id (sent,
 * delivered, failed and why), with the sequence errors and drains of the same moments.
 *
 *   node dist/test/faults/rdkafka-trace.js LOG --bumps
 * lists every epoch bump and, per partition, the messages it renumbered that an earlier request
 * had carried and failed, by that request's error (out-of-order refusals left out: those were
 * not written). Each is a duplicate if that earlier write did reach the log that survived,
 * which librdkafka rules out for NOT_LEADER_OR_FOLLOWER and NOT_ENOUGH_REPLICAS but a leader
 * that appended and then lost leadership answers NOT_LEADER_OR_FOLLOWER too.
 */
import { readFileSync } from 'node:fs';

const SET = /faults \[(\d+)\]: (Produce )?MessageSet with (\d+) message\(s\) \((?:[^)]*?, )?MsgId (\d+), BaseSeq (-?\d+)/;

if (process.argv[3] === '--bumps') {
  listBumps(readFileSync(process.argv[2]!, 'utf8').split('\n'));
  process.exit(0);
}

function listBumps(lines: string[]): void {
  // per partition, every failed MessageSet but those the broker refused as out of order (not written)
  const failures = new Map<number, Array<{ line: number; first: number; count: number; error: string }>>();
  let bumpsSeen = 0;
  const totals = new Map<string, number>();
  lines.forEach((l, i) => {
    const m = SET.exec(l);
    if (m !== null && m[2] === undefined && l.includes('encountered error') && !l.includes('out of order sequence')) {
      const p = Number(m[1]);
      let list = failures.get(p);
      if (list === undefined) failures.set(p, (list = []));
      list.push({ line: i + 1, first: Number(m[4]), count: Number(m[3]), error: l.replace(/.*encountered error: /, '').replace(/ \[NOT LEADER\]$/, '') });
    }
    const b = /NEWPID.*faults \[(\d+)\] changed PID\{Id:(\d+),Epoch:(\d+)\} -> PID\{Id:\d+,Epoch:(\d+)\} with base MsgId (\d+)/.exec(l);
    if (b === null) return;
    const p = Number(b[1]);
    const base = Number(b[5]);
    if (p === 0) bumpsSeen++;
    // each renumbered message that an earlier request carried and failed: by that failure's error
    const byError = new Map<string, Set<number>>();
    for (const f of failures.get(p) ?? []) {
      for (let id = Math.max(f.first, base); id < f.first + f.count; id++) {
        let ids = byError.get(f.error);
        if (ids === undefined) byError.set(f.error, (ids = new Set()));
        ids.add(id);
      }
    }
    const what = [...byError].map(([e, ids]) => `${ids.size} after ${e}`);
    for (const [e, ids] of byError) totals.set(e, (totals.get(e) ?? 0) + ids.size);
    if (what.length > 0) process.stdout.write(`line ${i + 1}: partition ${p} epoch ${b[3]} -> ${b[4]} from MsgId ${base}; renumbered after a failed send: ${what.join('; ')}\n`);
  });
  process.stdout.write(`epoch bumps: ${bumpsSeen}; messages renumbered after a failed send, by the error: ${JSON.stringify(Object.fromEntries(totals))}\n`);
}

const [file, partitionArg, epochArg, seqArg] = process.argv.slice(2);
if (file === undefined || seqArg === undefined) throw new Error('usage: rdkafka-trace LOG PARTITION EPOCH SEQ | LOG --bumps');
const partition = Number(partitionArg);
const epoch = Number(epochArg);
const seq = Number(seqArg);
const lines = readFileSync(file, 'utf8').split('\n');
const tag = `faults [${partition}]`;

// epoch base message ids of the partition, in order: epoch 0 starts at 1 (the first reset)
const bases: Array<{ line: number; base: number }> = [];
lines.forEach((l, i) => {
  const m = /RESETSEQ.*faults \[(\d+)\] resetting epoch base seq from \d+ to (\d+)/.exec(l);
  if (m !== null && Number(m[1]) === partition) bases.push({ line: i, base: Number(m[2]) });
});
const bumps = lines.flatMap((l, i) => (/bumped epoch to PID\{Id:\d+,Epoch:(\d+)\}|Acquired PID|PID\{Id:\d+,Epoch:\d+\} -> /.test(l) ? [i] : []));
process.stdout.write(`epoch base message ids of partition ${partition}: ${bases.map((b) => b.base).join(', ')}\n`);
// the first reset is the producer id's first epoch (0); each later one follows an epoch bump
const base = bases[epoch]?.base;
if (base === undefined) throw new Error(`no epoch ${epoch} base for partition ${partition}`);
const msgid = base + seq;
process.stdout.write(`epoch ${epoch} seq ${seq} of partition ${partition} is message id ${msgid}\n\n`);

const shown = new Set<number>();
const show = (i: number): void => {
  if (!shown.has(i)) shown.add(i);
};
lines.forEach((l, i) => {
  const m = SET.exec(l);
  if (m !== null && Number(m[1]) === partition) {
    const first = Number(m[4]);
    if (first <= msgid && msgid < first + Number(m[3])) show(i);
  }
  if (/ERRSEQ|DUPSEQ|fatal|FATAL/.test(l) && l.includes(tag)) show(i);
});
for (const i of bumps) show(i);
for (const b of bases) show(b.line);
const stamp = (l: string): string => {
  const t = /^%\d\|(\d+\.\d+)\|/.exec(l);
  return t === null ? '' : new Date(Number(t[1]) * 1000).toISOString().slice(11, 23);
};
for (const i of [...shown].sort((a, b) => a - b)) process.stdout.write(`${i + 1} ${stamp(lines[i]!)} ${lines[i]!.replace(/^%\d\|[\d.]+\|/, '').slice(0, 700)}\n`);
