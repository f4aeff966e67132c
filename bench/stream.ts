// Benchmark for streamed flows (issue 14): a long synthetic stream in capture time, generated in
// memory as it is read (no file), with a steady churn of short flows, fed to `flows --stream`'s
// engine (src/analyses/flows/stream.ts). Reports the resident set size at points of capture time (it should
// stay flat: ended flows leave the table) and records per second of wall time.
//
//   npm run bench:stream                          # 30 minutes of capture time, 200 new flows/s
//   node dist/bench/stream.js --minutes 30 --rate 200 --long 50 [--batch]
//
// The stream: every second, `--rate` new TCP flows (client 10.1.x.y to one of 50 servers on port
// 443, unique 5-tuples): SYN, SYN-ACK, ACK, a 200-byte request, a 1000-byte answer, FIN, FIN, ACK
// over 102 ms; plus `--long` UDP flows that send one packet every second for the whole stream. So
// about 8 x rate packets per second and 20 flows open at any time besides the long ones.
// `--batch` runs the same stream through the batch flow table (no expiry) to show what streaming
// saves: there memory grows with the flows seen.

import { writePcapHeader } from './gen-mix.js';
import { streamFlows, DEFAULT_EXPIRY } from '../src/analyses/flows/stream.js';
import { runAnalyses } from '../src/engine/analyze.js';

interface Options { minutes: number; rate: number; long: number; batch: boolean }

function options(argv: string[]): Options {
  const o: Options = { minutes: 30, rate: 200, long: 50, batch: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--batch') o.batch = true;
    else if (a === '--minutes') o.minutes = Number(argv[++i]);
    else if (a === '--rate') o.rate = Number(argv[++i]);
    else if (a === '--long') o.long = Number(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const T0 = 1_700_000_000;
const SYN = 0x02, ACK = 0x10, FIN = 0x01, PSH = 0x08;

/** One packet to write: time (µs since T0), addresses, ports, protocol, TCP flags, payload length. */
interface Ev { us: number; src: number; dst: number; sport: number; dport: number; tcp: boolean; flags: number; len: number }

/** Ethernet + IPv4 + TCP/UDP frame with a zero payload of `len` bytes into b at off; returns the next offset. */
function writeFrame(b: Buffer, off: number, e: Ev): number {
  const l4 = e.tcp ? 20 : 8;
  const ipLen = 20 + l4 + e.len;
  b.writeUInt32LE(Math.floor(e.us / 1e6) + T0, off);
  b.writeUInt32LE(e.us % 1e6, off + 4);
  b.writeUInt32LE(14 + ipLen, off + 8);
  b.writeUInt32LE(14 + ipLen, off + 12);
  let p = off + 16;
  b.fill(0, p, p + 14 + ipLen);
  b[p] = 0x52; b[p + 1] = 0x54; b[p + 5] = 2; b[p + 6] = 0x52; b[p + 7] = 0x54; b[p + 11] = 1;
  b.writeUInt16BE(0x0800, p + 12);
  p += 14;
  b[p] = 0x45; b.writeUInt16BE(ipLen, p + 2); b[p + 8] = 64; b[p + 9] = e.tcp ? 6 : 17;
  b.writeUInt32BE(e.src >>> 0, p + 12); b.writeUInt32BE(e.dst >>> 0, p + 16);
  p += 20;
  b.writeUInt16BE(e.sport, p); b.writeUInt16BE(e.dport, p + 2);
  if (e.tcp) { b[p + 12] = 0x50; b[p + 13] = e.flags; b.writeUInt16BE(65535, p + 14); }
  else b.writeUInt16BE(8 + e.len, p + 4);
  return p + l4 + e.len;
}

/** The stream as chunks of pcap bytes; `onSecond(s)` is called as capture second s begins. */
async function* stream(o: Options, onSecond: (s: number) => void): AsyncGenerator<Uint8Array> {
  const buf = Buffer.alloc(4 << 20);
  let off = writePcapHeader(buf, 0);
  let pending: Ev[] = [];
  let flow = 0;
  const seconds = o.minutes * 60;
  for (let s = 0; s <= seconds; s++) {
    onSecond(s);
    if (s < seconds) {
      for (let i = 0; i < o.rate; i++, flow++) {
        const start = s * 1e6 + Math.floor((i * 1e6) / o.rate);
        const client = (10 << 24) | (1 << 16) | (flow % 60000), server = (10 << 24) | (2 << 16) | (1 + (flow % 50));
        const port = 1024 + Math.floor(flow / 60000);
        const c2s = (dt: number, flags: number, len = 0): Ev => ({ us: start + dt, src: client, dst: server, sport: port, dport: 443, tcp: true, flags, len });
        const s2c = (dt: number, flags: number, len = 0): Ev => ({ us: start + dt, src: server, dst: client, sport: 443, dport: port, tcp: true, flags, len });
        pending.push(c2s(0, SYN), s2c(1000, SYN | ACK), c2s(2000, ACK), c2s(50_000, PSH | ACK, 200), s2c(60_000, PSH | ACK, 1000),
          c2s(100_000, FIN | ACK), s2c(101_000, FIN | ACK), c2s(102_000, ACK));
      }
      for (let j = 0; j < o.long; j++) {
        pending.push({ us: s * 1e6 + 500_000 + j, src: (10 << 24) | (3 << 16) | j, dst: (10 << 24) | (4 << 16) | 1, sport: 4000 + j, dport: 8125, tcp: false, flags: 0, len: 64 });
      }
    }
    pending.sort((a, b) => a.us - b.us);
    const end = (s + 1) * 1e6;
    let k = 0;
    for (; k < pending.length && pending[k].us < end; k++) {
      if (off > buf.length - 2048) { yield new Uint8Array(buf.subarray(0, off)); off = 0; }
      off = writeFrame(buf, off, pending[k]);
    }
    pending = pending.slice(k);
  }
  if (off > 0) yield new Uint8Array(buf.subarray(0, off));
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const started = process.hrtime.bigint();
  let records = 0, outputBytes = 0, peak = 0;
  const rows: { minute: number; rssMiB: number; records: number; wallS: number }[] = [];
  const everyS = Math.max(60, Math.floor((o.minutes * 60) / 6 / 60) * 60);
  const onSecond = (s: number) => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
    if (s % everyS === 0) {
      rows.push({ minute: s / 60, rssMiB: rss / 1048576, records, wallS: Number(process.hrtime.bigint() - started) / 1e9 });
    }
  };
  let flows = 0;
  if (o.batch) {
    const run = await runAnalyses([stream(o, onSecond)], { quiet: true, standard: 'bgp', workers: 1 });
    flows = run.flows.finish().flowCount;
  } else {
    const r = await streamFlows([stream(o, onSecond)], { quiet: true }, { ...DEFAULT_EXPIRY }, (rec) => {
      records++;
      outputBytes += JSON.stringify(rec).length + 1;
    });
    flows = r.summary.flowCount;
  }
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const packets = o.minutes * 60 * (o.rate * 8 + o.long);
  process.stdout.write(`${o.batch ? 'batch flow table' : 'flows --stream'}: ${o.minutes} min of capture time, ${o.rate} new TCP flows/s + ${o.long} long UDP flows, ` +
    `${packets} packets, ${flows} flows, ${records} records (${(outputBytes / 1048576).toFixed(1)} MiB of JSON) in ${wall.toFixed(1)} s wall: ` +
    `${Math.round(records / wall)} records/s, ${Math.round(packets / wall)} packets/s; peak RSS ${(peak / 1048576).toFixed(0)} MiB\n\n`);
  process.stdout.write('| Capture time (min) | RSS (MiB) | Records written | Wall time (s) |\n|---:|---:|---:|---:|\n');
  for (const r of rows) process.stdout.write(`| ${r.minute} | ${r.rssMiB.toFixed(0)} | ${r.records} | ${r.wallS.toFixed(1)} |\n`);
}

void main();
