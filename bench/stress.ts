// Stress inputs for the memory and time budgets of the README's "Reliability" section: each
// input is generated here (classic pcap, Ethernet, microsecond timestamps, little-endian),
// then the built CLI runs on it with the default options and its peak RSS and wall time are
// printed as a Markdown table.
//
//   npm run build && npm run bench:stress [-- --only flows5m,syn1m,bgp1m5,frag1m,ooo] [--dir DIR] [--keep]
//
// Inputs (written to DIR, default $TMPDIR/tunnelscope-stress, removed afterwards unless --keep):
//   flows5m  5,000,000 UDP packets, each its own 5-tuple (distinct source address and port)
//   syn1m    1,000,000 SYNs to TCP port 179 from 20,000 addresses (each a new connection)
//   bgp1m5   one BGP session (handshake, OPENs, KEEPALIVEs) announcing 1,200,000 IPv4 /24s in
//            IPv4 NLRI and 300,000 IPv6 /48s in MP_REACH_NLRI (RFC 4271, RFC 4760), 1,000 AS paths,
//            then 1,000 packets between addresses inside the announced prefixes
//   frag1m   1,000,000 first fragments of IPv4 datagrams, each with its own IP ID
//   ooo      30,000 BGP connections, each with 128 one-byte segments past a hole
// Peak RSS is GNU time's %M (maximum resident set size of the child), CPU its %U + %S; wall time
// is measured here (on a shared machine, CPU time says more than wall time).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePcapHeader } from './gen-mix.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(ROOT, 'bin', 'tunnelscope.js');
const GNU_TIME = '/usr/bin/time';

// ---------------------------------------------------------------------------------------------
// A classic pcap writer over one preallocated buffer, flushed with fs.writeSync.

class PcapWriter {
  private readonly fd: number;
  private readonly buf = Buffer.alloc(8 * 1024 * 1024);
  private pos = 0;
  private usec = 0;
  packets = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
    this.pos = writePcapHeader(this.buf, 0);
  }

  /** Reserves a record of `len` bytes and returns the offset of its data in buf(). */
  record(len: number): number {
    if (this.pos + 16 + len > this.buf.length) this.flush();
    const b = this.buf, p = this.pos;
    this.usec += 3;
    b.writeUInt32LE(1_700_000_000 + Math.floor(this.usec / 1e6), p);
    b.writeUInt32LE(this.usec % 1e6, p + 4);
    b.writeUInt32LE(len, p + 8);
    b.writeUInt32LE(len, p + 12);
    this.pos = p + 16 + len;
    this.packets++;
    return p + 16;
  }

  get data(): Buffer {
    return this.buf;
  }

  flush(): void {
    fs.writeSync(this.fd, this.buf, 0, this.pos);
    this.pos = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

const ETH = 14, IP4 = 20, TCPH = 20, UDPH = 8;

/** Ethernet header at o: fixed MACs, the given EtherType. */
function eth(b: Buffer, o: number, type: number): void {
  b.writeUInt32BE(0x02000000, o); b.writeUInt16BE(0x0001, o + 4);
  b.writeUInt32BE(0x02000000, o + 6); b.writeUInt16BE(0x0002, o + 10);
  b.writeUInt16BE(type, o + 12);
}

/** IPv4 header at o (RFC 791) with its checksum. */
function ipv4(b: Buffer, o: number, src: number, dst: number, proto: number, payload: number, id = 0, fragField = 0x4000): void {
  b.writeUInt32BE((0x45 << 24) | (IP4 + payload), o);
  b.writeUInt16BE(id & 0xffff, o + 4);
  b.writeUInt16BE(fragField, o + 6);
  b[o + 8] = 64; b[o + 9] = proto;
  b.writeUInt16BE(0, o + 10);
  b.writeUInt32BE(src >>> 0, o + 12);
  b.writeUInt32BE(dst >>> 0, o + 16);
  let sum = 0;
  for (let i = 0; i < IP4; i += 2) sum += b.readUInt16BE(o + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  b.writeUInt16BE(~sum & 0xffff, o + 10);
}

/** TCP header at o (RFC 9293), no options; the checksum is left 0 (not verified by the tool). */
function tcp(b: Buffer, o: number, sport: number, dport: number, seq: number, ack: number, flags: number): void {
  b.writeUInt16BE(sport, o); b.writeUInt16BE(dport, o + 2);
  b.writeUInt32BE(seq >>> 0, o + 4); b.writeUInt32BE(ack >>> 0, o + 8);
  b[o + 12] = 5 << 4; b[o + 13] = flags;
  b.writeUInt16BE(65535, o + 14); b.writeUInt32BE(0, o + 16);
}

const SYN = 0x02, ACK = 0x10, PSH_ACK = 0x18, SYN_ACK = 0x12;
const ip = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

/** One IPv4/TCP packet with `payload` bytes taken from `data` (or none). */
function tcpPacket(w: PcapWriter, src: number, dst: number, sport: number, dport: number, seq: number, ack: number,
  flags: number, data?: Uint8Array, from = 0, len = 0): void {
  const o = w.record(ETH + IP4 + TCPH + len), b = w.data;
  eth(b, o, 0x0800);
  ipv4(b, o + ETH, src, dst, 6, TCPH + len);
  tcp(b, o + ETH + IP4, sport, dport, seq, ack, flags);
  if (len) b.set(data!.subarray(from, from + len), o + ETH + IP4 + TCPH);
}

// ---------------------------------------------------------------------------------------------
// Generators

function genFlows(file: string, n: number): void {
  const w = new PcapWriter(file);
  for (let i = 0; i < n; i++) {
    const o = w.record(ETH + IP4 + UDPH + 16), b = w.data;
    eth(b, o, 0x0800);
    ipv4(b, o + ETH, ip(172, 16, 0, 0) + (i >>> 10), ip(192, 168, 1, 1), 17, UDPH + 16);
    const u = o + ETH + IP4;
    b.writeUInt16BE(1024 + (i & 1023), u); b.writeUInt16BE(5000, u + 2);
    b.writeUInt16BE(UDPH + 16, u + 4); b.writeUInt16BE(0, u + 6);
    b.fill(0, u + UDPH, u + UDPH + 16);
  }
  w.close();
}

function genSyns(file: string, n: number): void {
  const w = new PcapWriter(file);
  const server = ip(192, 168, 0, 1);
  for (let i = 0; i < n; i++) {
    // 20,000 source addresses (more than the sessions tracked), each with ~50 connections.
    const src = ip(10, 0, 0, 0) + (i % 20_000);
    tcpPacket(w, src, server, 1024 + Math.floor(i / 20_000), 179, i * 7919, 0, SYN);
  }
  w.close();
}

function genFragments(file: string, n: number): void {
  const w = new PcapWriter(file);
  for (let i = 0; i < n; i++) {
    const o = w.record(ETH + IP4 + 24), b = w.data;
    eth(b, o, 0x0800);
    // First fragment (offset 0, MF set) of a UDP datagram that never completes; IDs distinct per source.
    ipv4(b, o + ETH, ip(172, 17, 0, 0) + (i >>> 16), ip(192, 168, 2, 1), 17, 24, i & 0xffff, 0x2000);
    const u = o + ETH + IP4;
    b.writeUInt16BE(4000, u); b.writeUInt16BE(5001, u + 2); b.writeUInt16BE(1400, u + 4); b.writeUInt16BE(0, u + 6);
    b.fill(0, u + 8, u + 24);
  }
  w.close();
}

/** BGP message header (RFC 4271 4.1): marker, length, type. */
function bgpHeader(out: number[], type: number, bodyLen: number): void {
  for (let i = 0; i < 16; i++) out.push(0xff);
  const len = 19 + bodyLen;
  out.push(len >> 8, len & 255, type);
}

function bgpOpen(asn: number, routerId: number): number[] {
  // Capabilities: multiprotocol IPv4 unicast, IPv6 unicast; 4-octet AS.
  const caps = [2, 6, 1, 4, 0, 1, 0, 1, 2, 6, 1, 4, 0, 2, 0, 1, 2, 6, 65, 4, (asn >>> 24) & 255, (asn >>> 16) & 255, (asn >>> 8) & 255, asn & 255];
  const body = [4, (asn >> 8) & 255, asn & 255, 0, 90, routerId >>> 24, (routerId >>> 16) & 255, (routerId >>> 8) & 255, routerId & 255, caps.length, ...caps];
  const out: number[] = [];
  bgpHeader(out, 1, body.length);
  return out.concat(body);
}

function keepalive(): number[] {
  const out: number[] = [];
  bgpHeader(out, 4, 0);
  return out;
}

/** Path attributes ORIGIN IGP, AS_PATH (one AS_SEQUENCE of 4-octet ASNs), plus `extra`. */
function pathAttrs(asPath: number[], extra: number[]): number[] {
  const seg = [2, asPath.length];
  for (const a of asPath) seg.push(a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255);
  return [0x40, 1, 1, 0, 0x40, 2, seg.length, ...seg, ...extra];
}

/** UPDATE with IPv4 NLRI: /24s 11.0.0.0 + k * 256 for k in [first, first + count). */
function updateV4(first: number, count: number, asPath: number[], nextHop: number): number[] {
  const attrs = pathAttrs(asPath, [0x40, 3, 4, nextHop >>> 24, (nextHop >>> 16) & 255, (nextHop >>> 8) & 255, nextHop & 255]);
  const nlri: number[] = [];
  for (let k = first; k < first + count; k++) {
    const net = (ip(11, 0, 0, 0) + k * 256) >>> 0;
    nlri.push(24, net >>> 24, (net >>> 16) & 255, (net >>> 8) & 255);
  }
  const body = [0, 0, attrs.length >> 8, attrs.length & 255, ...attrs, ...nlri];
  const out: number[] = [];
  bgpHeader(out, 2, body.length);
  return out.concat(body);
}

/** UPDATE with MP_REACH_NLRI (RFC 4760) of IPv6 /48s 2001:db8::/32-style: 2a00:k::/48. */
function updateV6(first: number, count: number, asPath: number[]): number[] {
  const nh = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const nlri: number[] = [];
  for (let k = first; k < first + count; k++) nlri.push(48, 0x2a, 0x00, (k >>> 24) & 255, (k >>> 16) & 255, (k >>> 8) & 255, k & 255);
  const mp = [0, 2, 1, 16, ...nh, 0, ...nlri];
  const mpAttr = mp.length > 255 ? [0x90, 14, mp.length >> 8, mp.length & 255, ...mp] : [0x80, 14, mp.length, ...mp];
  const attrs = pathAttrs(asPath, mpAttr);
  const body = [0, 0, attrs.length >> 8, attrs.length & 255, ...attrs];
  const out: number[] = [];
  bgpHeader(out, 2, body.length);
  return out.concat(body);
}

/** Sends a byte stream from `a` to `b` in segments of up to `mss`; the receiver ACKs each. */
class TcpSide {
  constructor(readonly w: PcapWriter, readonly src: number, readonly dst: number, readonly sport: number, readonly dport: number,
    public seq: number, public peerSeq: number) {}
  send(bytes: Uint8Array, mss = 8000): void {
    for (let o = 0; o < bytes.length; o += mss) {
      const len = Math.min(mss, bytes.length - o);
      tcpPacket(this.w, this.src, this.dst, this.sport, this.dport, this.seq, this.peerSeq, PSH_ACK, bytes, o, len);
      this.seq = (this.seq + len) >>> 0;
      tcpPacket(this.w, this.dst, this.src, this.dport, this.sport, this.peerSeq, this.seq, ACK);
    }
  }
}

export const BGP_V4_PREFIXES = 1_200_000;
export const BGP_V6_PREFIXES = 300_000;

function genBgp(file: string, v4: number, v6: number): void {
  const w = new PcapWriter(file);
  const a = ip(192, 168, 50, 1), bb = ip(192, 168, 50, 2);
  const isnA = 1000, isnB = 5000;
  tcpPacket(w, a, bb, 40000, 179, isnA, 0, SYN);
  tcpPacket(w, bb, a, 179, 40000, isnB, isnA + 1, SYN_ACK);
  tcpPacket(w, a, bb, 40000, 179, isnA + 1, isnB + 1, ACK);
  const sa = new TcpSide(w, a, bb, 40000, 179, isnA + 1, isnB + 1);
  const sb = new TcpSide(w, bb, a, 179, 40000, isnB + 1, isnA + 1);
  sa.send(Uint8Array.from(bgpOpen(65001, a)));
  sb.peerSeq = sa.seq;
  sb.send(Uint8Array.from([...bgpOpen(65002, bb), ...keepalive()]));
  sa.peerSeq = sb.seq;
  sa.send(Uint8Array.from(keepalive()));
  sb.peerSeq = sa.seq;
  // 1,000 prefixes per UPDATE (4,000 bytes of NLRI, RFC 4271's 4,096-byte limit), batched
  // several messages per segment.
  const PER = 1000;
  const batch: number[][] = [];
  let n = 0;
  const flush = () => {
    if (!batch.length) return;
    const total = batch.reduce((s, m) => s + m.length, 0);
    const bytes = new Uint8Array(total);
    let o = 0;
    for (const m of batch) { bytes.set(m, o); o += m.length; }
    sa.send(bytes, 60000);
    batch.length = 0;
  };
  for (let k = 0; k < v4; k += PER, n++) {
    batch.push(updateV4(k, Math.min(PER, v4 - k), [65001, 64512 + (n % 1000), 3356], a));
    if (batch.length === 12) flush();
  }
  for (let k = 0; k < v6; k += 500, n++) {
    batch.push(updateV6(k, Math.min(500, v6 - k), [65001, 64512 + (n % 1000)]));
    if (batch.length === 12) flush();
  }
  flush();
  // Traffic between addresses inside announced prefixes (routed) and outside them (underlay).
  for (let i = 0; i < 1000; i++) {
    const inside = (ip(11, 0, 0, 10) + (i % v4) * 256) >>> 0;
    tcpPacket(w, inside, ip(172, 20, 0, 1), 30000 + i, 443, i, 0, SYN);
  }
  w.close();
}

function genOutOfOrder(file: string, conns: number, segs: number): void {
  const w = new PcapWriter(file);
  const server = ip(192, 168, 0, 1);
  const payload = Uint8Array.of(0xff);
  for (let c = 0; c < conns; c++) {
    const src = ip(10, 1, 0, 0) + c;
    tcpPacket(w, src, server, 40000, 179, 1000, 0, SYN);
    // Bytes 2, 3, ... past a one-byte hole at ISN+1: every segment waits in the buffer.
    for (let s = 0; s < segs; s++) tcpPacket(w, src, server, 40000, 179, 1000 + 2 + s, 0, PSH_ACK & ~ACK, payload, 0, 1);
  }
  w.close();
}

// ---------------------------------------------------------------------------------------------
// Running the CLI

interface Run { rssMiB: number; wallS: number; cpuS: number; exit: number; outBytes: number; jsonValid: boolean | null; stderrTail: string }

function run(args: string[], json: boolean, dir: string): Promise<Run> {
  const timeFile = path.join(dir, 'time.txt');
  const outFile = path.join(dir, 'out.txt');
  const useTime = fs.existsSync(GNU_TIME);
  const cmd = useTime ? GNU_TIME : process.execPath;
  const argv = useTime ? ['-f', '%U %S %M', '-o', timeFile, process.execPath, CLI, ...args] : [CLI, ...args];
  return new Promise((resolve, reject) => {
    const out = fs.openSync(outFile, 'w');
    const start = process.hrtime.bigint();
    const child = spawn(cmd, argv, { stdio: ['ignore', out, 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = Number(process.hrtime.bigint() - start) / 1e9;
      fs.closeSync(out);
      let rssMiB = NaN, cpuS = NaN;
      if (useTime) {
        // GNU time may put "Command exited with non-zero status N" before the format line.
        const lines = fs.readFileSync(timeFile, 'utf8').trim().split('\n');
        const [user, sys, maxRss] = lines[lines.length - 1].split(' ').map(Number);
        rssMiB = maxRss / 1024;
        cpuS = user + sys;
      }
      const outBytes = fs.statSync(outFile).size;
      let jsonValid: boolean | null = null;
      if (json) {
        try {
          // `flows --json` prints one flow object per line (NDJSON); the others one document.
          const text = fs.readFileSync(outFile, 'utf8');
          if (args[0] === 'flows') for (const line of text.split('\n')) { if (line) JSON.parse(line); }
          else JSON.parse(text);
          jsonValid = true;
        } catch {
          jsonValid = false;
        }
      }
      fs.rmSync(outFile, { force: true });
      resolve({ rssMiB, wallS, cpuS, exit: code ?? -1, outBytes, jsonValid, stderrTail: err.trim().split('\n').slice(-1)[0] ?? '' });
    });
  });
}

interface Case {
  input: string;
  label: string;
  gen: (file: string) => void;
  runs: { args: string[]; budgetMiB?: number; budgetS?: number }[];
}

const GiB = 1024;

const CASES: Case[] = [
  {
    input: 'flows5m', label: '5M distinct 5-tuples (UDP)', gen: (f) => genFlows(f, 5_000_000),
    runs: [
      { args: ['analyze', '--json'], budgetMiB: GiB },
      { args: ['analyze', '--json', '--max-flows', '100000'], budgetMiB: 250 },
      { args: ['flows', '--json', '--max-flows', '100000'], budgetMiB: 250 },
      { args: ['overhead', '--json', '--max-flows', '100000'], budgetMiB: 250 },
    ],
  },
  {
    input: 'syn1m', label: '1M SYNs to TCP port 179', gen: (f) => genSyns(f, 1_000_000),
    runs: [
      { args: ['bgp', '--json'], budgetMiB: GiB, budgetS: 60 },
      { args: ['analyze', '--json'], budgetMiB: GiB, budgetS: 60 },
    ],
  },
  {
    input: 'bgp1m5', label: 'BGP session announcing 1.5M prefixes (1.2M IPv4, 300k IPv6)',
    gen: (f) => genBgp(f, BGP_V4_PREFIXES, BGP_V6_PREFIXES),
    runs: [
      { args: ['bgp', '--json'], budgetMiB: GiB },
      { args: ['analyze', '--json'], budgetMiB: GiB },
      { args: ['flows', '--json'], budgetMiB: GiB },
    ],
  },
  {
    input: 'frag1m', label: '1M distinct IPv4 fragment IDs', gen: (f) => genFragments(f, 1_000_000),
    runs: [{ args: ['analyze', '--json'], budgetMiB: GiB }],
  },
  {
    input: 'ooo', label: '30,000 BGP connections x 128 one-byte out-of-order segments', gen: (f) => genOutOfOrder(f, 30_000, 128),
    runs: [{ args: ['bgp', '--json'], budgetMiB: GiB }],
  },
];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = opt('--only')?.split(',');
  const dir = opt('--dir') ?? path.join(os.tmpdir(), 'tunnelscope-stress');
  const keep = argv.includes('--keep');
  fs.mkdirSync(dir, { recursive: true });
  const rows: string[] = [];
  let failed = 0;
  for (const c of CASES) {
    if (only && !only.includes(c.input)) continue;
    const file = path.join(dir, `${c.input}.pcap`);
    if (!fs.existsSync(file)) {
      const t0 = Date.now();
      c.gen(file);
      process.stderr.write(`generated ${file} (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MiB) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    const size = fs.statSync(file).size;
    for (const r of c.runs) {
      const json = r.args.includes('--json');
      const res = await run([...r.args, '--quiet', file], json, dir);
      const okRss = r.budgetMiB === undefined || !(res.rssMiB > r.budgetMiB);
      const okTime = r.budgetS === undefined || res.wallS <= r.budgetS;
      const ok = okRss && okTime && res.exit === 0 && res.jsonValid !== false;
      if (!ok) failed++;
      const budget = [r.budgetMiB !== undefined ? `≤ ${r.budgetMiB >= GiB ? `${r.budgetMiB / GiB} GiB` : `${r.budgetMiB} MiB`}` : '', r.budgetS !== undefined ? `≤ ${r.budgetS} s` : ''].filter(Boolean).join(', ');
      rows.push(`| ${c.label} (${(size / 2 ** 20).toFixed(0)} MiB) | \`${r.args.join(' ')}\` | ${res.rssMiB.toFixed(0)} MiB | ${res.wallS.toFixed(1)} s | ${res.cpuS.toFixed(1)} s | ${budget || '-'} | ${res.exit}${res.jsonValid === null ? '' : res.jsonValid ? ', valid JSON' : ', INVALID JSON'} (${(res.outBytes / 2 ** 20).toFixed(1)} MiB) | ${ok ? 'yes' : 'NO'} |`);
      process.stderr.write(`${rows[rows.length - 1]}${res.exit !== 0 ? `  stderr: ${res.stderrTail}` : ''}\n`);
    }
    if (!keep) fs.rmSync(file, { force: true });
  }
  const load = os.loadavg()[0].toFixed(1);
  process.stdout.write([
    '| Input | Command | Peak RSS | Wall time | CPU (user+sys) | Budget | Exit, output | Within budget |',
    '|---|---|---:|---:|---:|---|---|---|',
    ...rows,
    '',
    `Node ${process.version}, ${os.cpus().length} cores, load average ${load} at the end.`,
  ].join('\n') + '\n');
  if (!keep) fs.rmSync(path.join(dir, 'time.txt'), { force: true });
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  void main();
}

