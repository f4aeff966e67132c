// The cost of FlowTable.add alone, in ns per packet, on a capture: the first `--snap` bytes of
// every record are loaded into memory once, then each pass decodes every packet and extracts its
// facts (pass A) or does that and adds it to a fresh flow table (pass B); add's cost is
// (min B - min A) / packets in CPU time (process.cpuUsage: less
// sensitive to a loaded machine than wall time) over `--runs` runs of each (default 5). Not a test: figures depend on the machine.
//
//   node dist/bench/flow-add.js FILE [--packets N] [--snap 128] [--runs 5]

import { forEachRecord } from '../src/reader/capture.js';
import { PacketDecoder } from '../dissectors/decoder.js';
import { PacketFacts, extractFacts } from '../src/analyses/facts.js';
import { FlowTable } from '../src/analyses/flows/flowtable.js';

interface Loaded { data: Uint8Array; off: Uint32Array; cap: Uint16Array; len: Uint32Array; sec: Float64Array; nsec: Int32Array; lt: Uint16Array; n: number }

async function load(file: string, max: number, snap: number): Promise<Loaded> {
  const data = new Uint8Array(max * snap);
  const off = new Uint32Array(max), cap = new Uint16Array(max), len = new Uint32Array(max);
  const sec = new Float64Array(max), nsec = new Int32Array(max), lt = new Uint16Array(max);
  let n = 0, at = 0;
  await forEachRecord(file, (r) => {
    if (n >= max) return;
    const c = Math.min(r.caplen, snap);
    data.set(r.buf.subarray(r.offset, r.offset + c), at);
    off[n] = at; cap[n] = c; len[n] = r.len; sec[n] = r.tsSec; nsec[n] = r.tsNsec; lt[n] = r.linktype;
    at += c; n++;
  });
  return { data, off, cap, len, sec, nsec, lt, n };
}

function pass(L: Loaded, withTable: boolean): { ms: number; flows: number } {
  const decoder = new PacketDecoder({});
  const facts = new PacketFacts();
  const table = new FlowTable();
  const t0 = process.cpuUsage();
  for (let i = 0; i < L.n; i++) {
    const st = decoder.decode(L.data, L.off[i], L.cap[i], L.len[i], L.lt[i]);
    extractFacts(st, L.len[i], facts);
    if (withTable) table.add(st, facts, L.sec[i], L.nsec[i], 0);
  }
  const t = process.cpuUsage(t0);
  return { ms: (t.user + t.system) / 1e3, flows: table.size };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, d: number) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : d; };
  const file = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
  if (!file) { process.stderr.write('usage: flow-add FILE [--packets N] [--snap 128] [--runs 5]\n'); process.exit(2); }
  const L = await load(file, opt('--packets', 2_000_000), opt('--snap', 128));
  // Each pass's fastest run, then the difference: the least disturbed figure of each on a shared
  // machine (a difference taken run by run is as noisy as both runs together).
  let bestA = Infinity, bestB = Infinity, flows = 0;
  for (let r = 0; r < opt('--runs', 5); r++) {
    const a = pass(L, false), b = pass(L, true);
    flows = b.flows;
    bestA = Math.min(bestA, a.ms); bestB = Math.min(bestB, b.ms);
  }
  const best = bestB - bestA;
  process.stdout.write(`${L.n} packets, ${flows} flows: decode+facts ${bestA.toFixed(0)} ms, +add ${bestB.toFixed(0)} ms: add ${(best * 1e6 / L.n).toFixed(0)} ns/packet\n`);
}

void main();
