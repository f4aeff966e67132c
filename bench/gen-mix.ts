// Deterministic generator for the benchmark capture: a classic pcap (LINKTYPE_ETHERNET,
// microsecond timestamps, little-endian) holding the traffic mix a Kubernetes node sees.
//
//   VXLAN/UDP 4789 (VNI 4096, Calico)    inner Ethernet/IPv4/TCP between pod IPs
//   VXLAN/UDP 8472 (VNI 1, flannel)      same, outer UDP source port = hash of the inner flow
//   IP-in-IP (IPv4 protocol 4)           inner IPv4/TCP between pod IPs
//   NVGRE (GRE K bit, proto 0x6558)      key = VSID << 8 | flowId, inner Ethernet/IPv4/TCP
//   plain TCP and UDP between node IPs   some of it 802.1Q tagged
//   BGP KEEPALIVE on TCP 179             between the local node and its peers
//
// Data packets are full size (outer IPv4 total length 1500), the reverse direction of TCP flows
// carries pure ACKs. Every flow keeps its 5-tuple, sequence numbers grow, IP IDs count up per
// direction and timestamps advance by 1..6 microseconds. Records are assembled in one large
// preallocated buffer that is flushed with fs.writeSync; the same seed gives the same bytes.
//
//   node dist/bench/gen-mix.js [--packets N] [--out PATH] [--flows N] [--seed N]

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface GenOptions {
  packets: number;
  out: string;
  flows: number;
  seed: number;
}

export interface GenResult {
  packets: number;
  fileBytes: number;
  flows: number;
  seconds: number;
}

// ---------------------------------------------------------------------------------------------
// PRNG: mulberry32, 32-bit state, plenty for traffic shaping.

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform uint32. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
}

// ---------------------------------------------------------------------------------------------
// Topology

const LOCAL_NODE = 0;
const NODE_COUNT = 24;
const BGP_PEERS = 8;
const ETH_IPV4 = 0x0800;
const ETH_VLAN = 0x8100;
const ETH_TEB = 0x6558; // transparent Ethernet bridging (NVGRE payload)
const IP_IPIP = 4;
const IP_TCP = 6;
const IP_UDP = 17;
const IP_GRE = 47;
const OUTER_IP = 1500; // outer IPv4 total length of every data packet

const TCP_ACK = 0x10;
const TCP_PSH_ACK = 0x18;

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** A MAC address kept as two numbers (high 16 bits, low 32 bits) so writing it is two stores. */
interface Mac {
  hi: number;
  lo: number;
}

function mac(prefix: number, id: number): Mac {
  // Locally administered unicast: 02:xx:...
  return { hi: 0x0200 | (prefix & 0xff), lo: (0x4b000000 | (id & 0xffffff)) >>> 0 };
}

const nodeIp = (n: number): number => ipv4(192, 168, 10, 11 + n);
const nodeMac = (n: number): Mac => mac(0x10, n);
const vtepMac = (n: number, flannel: boolean): Mac => mac(flannel ? 0x20 : 0x66, n);
const podIp = (n: number, host: number): number => ipv4(10, 244, n, 2 + host);
const podMac = (n: number, host: number): Mac => mac(0x30 + n, host);

// ---------------------------------------------------------------------------------------------
// Flows

const enum Kind {
  VxlanCalico,
  VxlanFlannel,
  IpIp,
  Nvgre,
  Tcp,
  Udp,
  Bgp,
}

/** One direction of a flow. */
interface Dir {
  outerSrc: number;
  outerDst: number;
  outerSrcMac: Mac;
  outerDstMac: Mac;
  innerSrc: number;
  innerDst: number;
  innerSrcMac: Mac;
  innerDstMac: Mac;
  sport: number;
  dport: number;
  entropyPort: number; // outer UDP source port of VXLAN
  seq: number;
  acked: number; // the peer's seq this direction acknowledged last
  outerId: number;
  innerId: number;
}

interface Flow {
  kind: Kind;
  vlan: number; // 0 = untagged
  vni: number;
  greKey: number;
  fwd: Dir; // data direction
  rev: Dir; // ACK direction
}

/** Hash of an inner 5-tuple, mapped into the Linux ephemeral range like udp_flow_src_port. */
function entropyPort(src: number, dst: number, sport: number, dport: number, proto: number): number {
  let h = 0x811c9dc5;
  for (const v of [src, dst, (sport << 16) | dport, proto]) {
    h = Math.imul(h ^ (v & 0xffff), 0x01000193);
    h = Math.imul(h ^ (v >>> 16), 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return 32768 + ((h >>> 0) % (61000 - 32768));
}

function makeDir(
  rng: Rng,
  outerSrc: number, outerDst: number, outerSrcMac: Mac, outerDstMac: Mac,
  innerSrc: number, innerDst: number, innerSrcMac: Mac, innerDstMac: Mac,
  sport: number, dport: number,
): Dir {
  return {
    outerSrc, outerDst, outerSrcMac, outerDstMac, innerSrc, innerDst, innerSrcMac, innerDstMac,
    sport, dport,
    entropyPort: entropyPort(innerSrc, innerDst, sport, dport, IP_TCP),
    seq: rng.u32(),
    acked: 0,
    outerId: rng.int(65536),
    innerId: rng.int(65536),
  };
}

// No plain-text HTTP ports: random payload on them makes tshark's HTTP dissector complain.
const SERVICE_PORTS = [443, 8443, 6443, 10250, 9090, 6379, 5432, 3306, 2379, 9092, 27017];
const UDP_PORTS = [5201, 7946, 8125, 9000];

function makeFlow(rng: Rng, index: number): Flow {
  const r = rng.float();
  const kind: Kind =
    r < 0.26 ? Kind.VxlanCalico
    : r < 0.48 ? Kind.VxlanFlannel
    : r < 0.64 ? Kind.IpIp
    : r < 0.76 ? Kind.Nvgre
    : r < 0.91 ? Kind.Tcp
    : Kind.Udp;
  const peer = 1 + rng.int(NODE_COUNT - 1);
  // The local node is the client or the server with equal odds.
  const localIsClient = rng.float() < 0.5;
  const client = localIsClient ? LOCAL_NODE : peer;
  const server = localIsClient ? peer : LOCAL_NODE;
  const clientHost = rng.int(200);
  const serverHost = rng.int(200);
  const sport = 32768 + rng.int(28232);
  const dport = kind === Kind.Udp
    ? UDP_PORTS[rng.int(UDP_PORTS.length)]!
    : SERVICE_PORTS[rng.int(SERVICE_PORTS.length)]!;
  let vlan = 0;
  let vni = 0;
  let greKey = 0;

  let cInnerMac: Mac;
  let sInnerMac: Mac;
  let cInner = podIp(client, clientHost);
  let sInner = podIp(server, serverHost);
  switch (kind) {
    case Kind.VxlanCalico:
      vni = 4096;
      cInnerMac = vtepMac(client, false);
      sInnerMac = vtepMac(server, false);
      break;
    case Kind.VxlanFlannel:
      vni = 1;
      cInnerMac = vtepMac(client, true);
      sInnerMac = vtepMac(server, true);
      break;
    case Kind.Nvgre: {
      const vsid = 5001 + rng.int(4);
      greKey = ((vsid << 8) | (index & 0xff)) >>> 0;
      cInnerMac = podMac(client, clientHost);
      sInnerMac = podMac(server, serverHost);
      break;
    }
    case Kind.Tcp:
    case Kind.Udp:
      // Underlay traffic: the "inner" addresses are the node addresses themselves.
      cInner = nodeIp(client);
      sInner = nodeIp(server);
      cInnerMac = nodeMac(client);
      sInnerMac = nodeMac(server);
      if (rng.float() < 0.35) vlan = rng.float() < 0.5 ? 100 : 200;
      break;
    default: // IP-in-IP has no inner Ethernet header
      cInnerMac = sInnerMac = nodeMac(client);
  }
  // Nodes share one L2 segment, so outer MACs are the two nodes' own MACs.
  const fSrcMac = nodeMac(client);
  const fDstMac = nodeMac(server);
  const rSrcMac = fDstMac;
  const rDstMac = fSrcMac;
  const fwd = makeDir(rng, nodeIp(client), nodeIp(server), fSrcMac, fDstMac,
    cInner, sInner, cInnerMac, sInnerMac, sport, dport);
  const rev = makeDir(rng, nodeIp(server), nodeIp(client), rSrcMac, rDstMac,
    sInner, cInner, sInnerMac, cInnerMac, dport, sport);
  rev.acked = fwd.seq;
  return { kind, vlan, vni, greKey, fwd, rev };
}

function makeBgpFlow(rng: Rng, peer: number): Flow {
  // The local node runs BIRD towards each peer; the session's active side is random.
  const localActive = rng.float() < 0.5;
  const a = localActive ? LOCAL_NODE : peer;
  const b = localActive ? peer : LOCAL_NODE;
  const sport = 32768 + rng.int(28232);
  const fs1 = nodeMac(a);
  const fd1 = nodeMac(b);
  const fwd = makeDir(rng, nodeIp(a), nodeIp(b), fs1, fd1, nodeIp(a), nodeIp(b), fs1, fd1, sport, 179);
  const rev = makeDir(rng, nodeIp(b), nodeIp(a), fd1, fs1, nodeIp(b), nodeIp(a), fd1, fs1, 179, sport);
  return { kind: Kind.Bgp, vlan: 0, vni: 0, greKey: 0, fwd, rev };
}

// ---------------------------------------------------------------------------------------------
// Packet writer: all multi-byte header fields are big-endian, the pcap headers little-endian.

const BUF_SIZE = 16 << 20;
const MAX_RECORD = 16 + 18 + OUTER_IP;

class Writer {
  readonly buf = Buffer.alloc(BUF_SIZE);
  off = 0;
  written = 0;
  constructor(private readonly fd: number) {}

  flush(): void {
    let done = 0;
    while (done < this.off) done += fs.writeSync(this.fd, this.buf, done, this.off - done);
    this.written += this.off;
    this.off = 0;
  }

  ensure(): void {
    if (this.off + MAX_RECORD > BUF_SIZE) this.flush();
  }
}

function w16(b: Buffer, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

function w32(b: Buffer, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

function wMac(b: Buffer, o: number, m: Mac): void {
  w16(b, o, m.hi);
  w32(b, o + 2, m.lo);
}

/** Ethernet (optionally 802.1Q) header; returns the offset after it. */
function eth(b: Buffer, o: number, dst: Mac, src: Mac, vlan: number, type: number): number {
  wMac(b, o, dst);
  wMac(b, o + 6, src);
  if (vlan !== 0) {
    w16(b, o + 12, ETH_VLAN);
    w16(b, o + 14, vlan & 0x0fff);
    w16(b, o + 16, type);
    return o + 18;
  }
  w16(b, o + 12, type);
  return o + 14;
}

/** IPv4 header without options (DF set), checksum computed; returns the offset after it. */
function ip(b: Buffer, o: number, total: number, id: number, ttl: number, proto: number,
  src: number, dst: number): number {
  b[o] = 0x45;
  b[o + 1] = 0;
  w16(b, o + 2, total);
  w16(b, o + 4, id);
  w16(b, o + 6, 0x4000);
  b[o + 8] = ttl;
  b[o + 9] = proto;
  w32(b, o + 12, src);
  w32(b, o + 16, dst);
  let sum = 0x4500 + total + id + 0x4000 + ((ttl << 8) | proto)
    + (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  w16(b, o + 10, ~sum & 0xffff);
  return o + 20;
}

function udp(b: Buffer, o: number, sport: number, dport: number, len: number): number {
  w16(b, o, sport);
  w16(b, o + 2, dport);
  w16(b, o + 4, len);
  w16(b, o + 6, 0); // no checksum (allowed for UDP over IPv4)
  return o + 8;
}

function tcp(b: Buffer, o: number, d: Dir, ack: number, flags: number): number {
  w16(b, o, d.sport);
  w16(b, o + 2, d.dport);
  w32(b, o + 4, d.seq);
  w32(b, o + 8, ack);
  b[o + 12] = 0x50;
  b[o + 13] = flags;
  w16(b, o + 14, 502);
  w32(b, o + 16, 0); // checksum 0, urgent pointer 0
  return o + 20;
}

// Payload bytes come from a fixed pseudo-random block, copied with memcpy.
const PATTERN_SIZE = 8192;

export function generate(opts: GenOptions): GenResult {
  const t0 = process.hrtime.bigint();
  const rng = new Rng(opts.seed);
  const flows: Flow[] = [];
  for (let i = 0; i < opts.flows; i++) flows.push(makeFlow(rng, i));
  const bgp: Flow[] = [];
  for (let p = 1; p <= BGP_PEERS; p++) bgp.push(makeBgpFlow(rng, p));
  const pattern = Buffer.alloc(PATTERN_SIZE);
  // TCP payload is random (it stands for TLS records); the second half stays zero and is used
  // for UDP payloads, which keeps tshark's heuristic UDP dissectors (RTCP...) quiet.
  for (let i = 0; i < PATTERN_SIZE / 2; i += 4) pattern.writeUInt32LE(rng.u32(), i);

  fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
  const tmp = `${opts.out}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  const w = new Writer(fd);
  const b = w.buf;

  // Global header.
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeInt32LE(0, 8);
  b.writeUInt32LE(0, 12);
  b.writeUInt32LE(262144, 16);
  b.writeUInt32LE(1, 20);
  w.off = 24;

  let sec = 1_700_000_000;
  let usec = 0;
  const nFlows = flows.length;

  for (let n = 0; n < opts.packets; n++) {
    usec += 1 + rng.int(6);
    if (usec >= 1_000_000) {
      usec -= 1_000_000;
      sec++;
    }
    w.ensure();
    const rec = w.off;
    let o = rec + 16;

    let flow: Flow;
    let data: boolean;
    if (rng.float() < 0.002) {
      flow = bgp[rng.int(bgp.length)]!;
      data = rng.float() < 0.5; // "data" here = which side sends the keepalive
    } else {
      // Skewed popularity: a few elephant flows, a long tail of mice.
      const r = rng.float();
      flow = flows[Math.floor(r * r * nFlows)]!;
      // A pure ACK only when there is new data to acknowledge (no duplicate ACKs).
      data = flow.kind === Kind.Udp || rng.float() < 0.7 || flow.rev.acked === flow.fwd.seq;
    }
    const d = data ? flow.fwd : flow.rev;
    const other = data ? flow.rev : flow.fwd;
    d.acked = other.seq;
    const outerId = d.outerId;
    d.outerId = (d.outerId + 1) & 0xffff;

    switch (flow.kind) {
      case Kind.VxlanCalico:
      case Kind.VxlanFlannel:
      case Kind.Nvgre:
      case Kind.IpIp: {
        // Encapsulation overhead between the outer IPv4 header and the inner IPv4 header.
        const encap = flow.kind === Kind.IpIp ? 0 : flow.kind === Kind.Nvgre ? 8 + 14 : 8 + 8 + 14;
        const innerTotal = data ? OUTER_IP - 20 - encap : 40;
        const outerTotal = 20 + encap + innerTotal;
        const payload = innerTotal - 40;
        o = eth(b, o, d.outerDstMac, d.outerSrcMac, 0, ETH_IPV4);
        if (flow.kind === Kind.IpIp) {
          o = ip(b, o, outerTotal, outerId, 64, IP_IPIP, d.outerSrc, d.outerDst);
        } else if (flow.kind === Kind.Nvgre) {
          o = ip(b, o, outerTotal, outerId, 64, IP_GRE, d.outerSrc, d.outerDst);
          w16(b, o, 0x2000); // K bit, version 0
          w16(b, o + 2, ETH_TEB);
          w32(b, o + 4, flow.greKey);
          o = eth(b, o + 8, d.innerDstMac, d.innerSrcMac, 0, ETH_IPV4);
        } else {
          o = ip(b, o, outerTotal, outerId, 64, IP_UDP, d.outerSrc, d.outerDst);
          o = udp(b, o, d.entropyPort, flow.kind === Kind.VxlanCalico ? 4789 : 8472, outerTotal - 20);
          w32(b, o, 0x08000000); // I flag
          w32(b, o + 4, (flow.vni << 8) >>> 0);
          o = eth(b, o + 8, d.innerDstMac, d.innerSrcMac, 0, ETH_IPV4);
        }
        o = ip(b, o, innerTotal, d.innerId, 63, IP_TCP, d.innerSrc, d.innerDst);
        d.innerId = (d.innerId + 1) & 0xffff;
        o = tcp(b, o, d, other.seq, data ? TCP_PSH_ACK : TCP_ACK);
        if (payload > 0) {
          const start = (d.seq >>> 4) & 2047;
          pattern.copy(b, o, start, start + payload);
          o += payload;
          d.seq = (d.seq + payload) >>> 0;
        }
        break;
      }
      case Kind.Tcp: {
        const total = data ? OUTER_IP : 40;
        const payload = total - 40;
        o = eth(b, o, d.outerDstMac, d.outerSrcMac, flow.vlan, ETH_IPV4);
        o = ip(b, o, total, outerId, 64, IP_TCP, d.outerSrc, d.outerDst);
        o = tcp(b, o, d, other.seq, data ? TCP_PSH_ACK : TCP_ACK);
        if (payload > 0) {
          const start = (d.seq >>> 4) & 2047;
          pattern.copy(b, o, start, start + payload);
          o += payload;
          d.seq = (d.seq + payload) >>> 0;
        }
        break;
      }
      case Kind.Udp: {
        const payload = OUTER_IP - 28;
        o = eth(b, o, d.outerDstMac, d.outerSrcMac, flow.vlan, ETH_IPV4);
        o = ip(b, o, OUTER_IP, outerId, 64, IP_UDP, d.outerSrc, d.outerDst);
        o = udp(b, o, d.sport, d.dport, payload + 8);
        const start = PATTERN_SIZE / 2 + ((outerId << 2) & 2047);
        pattern.copy(b, o, start, start + payload);
        o += payload;
        break;
      }
      case Kind.Bgp: {
        o = eth(b, o, d.outerDstMac, d.outerSrcMac, 0, ETH_IPV4);
        o = ip(b, o, 40 + 19, outerId, 64, IP_TCP, d.outerSrc, d.outerDst);
        o = tcp(b, o, d, other.seq, TCP_PSH_ACK);
        b.fill(0xff, o, o + 16);
        w16(b, o + 16, 19);
        b[o + 18] = 4; // KEEPALIVE
        o += 19;
        d.seq = (d.seq + 19) >>> 0;
        break;
      }
    }

    const caplen = o - rec - 16;
    b.writeUInt32LE(sec, rec);
    b.writeUInt32LE(usec, rec + 4);
    b.writeUInt32LE(caplen, rec + 8);
    b.writeUInt32LE(caplen, rec + 12);
    w.off = o;
  }
  w.flush();
  fs.closeSync(fd);
  fs.renameSync(tmp, opts.out);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { packets: opts.packets, fileBytes: w.written, flows: nFlows + bgp.length, seconds };
}

// ---------------------------------------------------------------------------------------------
// CLI

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Repository root, whether running from bench/ (ts) or dist/bench/ (compiled). */
export const REPO_ROOT = path.basename(path.dirname(HERE)) === 'dist'
  ? path.resolve(HERE, '../..')
  : path.resolve(HERE, '..');

export function defaultCapturePath(packets: number): string {
  return path.join(REPO_ROOT, 'bench', 'out', `mix-${packets}.pcap`);
}

function parsePositiveInt(name: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isSafeInteger(n) || n < 0) {
    throw new Error(`${name} needs a non-negative integer, got ${String(v)}`);
  }
  return n;
}

function main(argv: string[]): void {
  let packets = 2_000_000;
  let out: string | undefined;
  let flows = 3000;
  let seed = 0x7e11;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--packets': packets = parsePositiveInt(a, argv[++i]); break;
      case '--out': out = argv[++i]; break;
      case '--flows': flows = Math.max(1, parsePositiveInt(a, argv[++i])); break;
      case '--seed': seed = parsePositiveInt(a, argv[++i]); break;
      case '-h':
      case '--help':
        process.stdout.write('usage: gen-mix [--packets N] [--out PATH] [--flows N] [--seed N]\n');
        return;
      default:
        throw new Error(`unknown argument ${String(a)}`);
    }
  }
  const file = out ?? defaultCapturePath(packets);
  const r = generate({ packets, out: file, flows, seed });
  process.stdout.write(
    `wrote ${file}: ${r.packets} packets, ${r.fileBytes} bytes, ${r.flows} flows, ` +
    `${r.seconds.toFixed(2)} s (${(r.fileBytes / 1e6 / r.seconds).toFixed(0)} MB/s)\n`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`gen-mix: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
