// The one dissection path: link layer -> dissectors (through the decoding tables) -> classifier.
// `dissect`, the flow engine, overhead and lint all call PacketDecoder.decode and read the
// reused PacketState it fills.
import { CidrSet, parseCidr } from '../src/util/cidr.js';
import { DecodeTables } from './dissector.js';
import { Fault, PacketState, Proto, TrafficClass, u32, MAX_LAYERS } from './packet.js';
import { ALL_DISSECTORS, DISSECTOR_BY_PROTO, linkTypeProto } from './registry.js';
import { isNvgre } from './gre.js';
import { IPV4_DST, IPV4_SRC } from './ipv4.js';
import { IPV6_DST, IPV6_SRC } from './ipv6.js';
import { u16 } from './packet.js';

export interface DecoderOptions {
  /**
   * Extra UDP ports to decode as VXLAN, unconditionally like 4789 (8472 and 6784 are VXLAN by
   * default only when the payload is plausible VXLAN; naming them here drops that check).
   */
  vxlanPorts?: readonly number[];
  /** Extra UDP ports to decode as Geneve (added to 6081). */
  genevePorts?: readonly number[];
  /** Extra TCP ports to decode as BGP (added to 179): the BGP stage reassembles and parses them. */
  bgpPorts?: readonly number[];
  /** Pod CIDRs that make plain traffic `routed`. */
  podCidrs?: readonly string[];
}

/** What `-d`/`--decode-as` can bind, per port layer, by tshark's protocol names. */
const DECODE_AS_PROTOCOLS = {
  'udp.port': { vxlan: 'vxlanPorts', geneve: 'genevePorts' },
  'tcp.port': { bgp: 'bgpPorts' },
} as const;
type DecodeAsField = 'vxlanPorts' | 'genevePorts' | 'bgpPorts';
/** More ports than this in one range is a typo, not a binding. */
const DECODE_AS_MAX_PORTS = 4096;

/**
 * tshark's Decode As (`-d udp.port==8472,vxlan`, `-d tcp.port==1179,bgp`): the ports of a range
 * (`P`, `P-Q`, or `P:N` for N ports from P, as tshark reads them) decoded as VXLAN or Geneve (UDP)
 * or BGP (TCP). Returns the ports and the DecoderOptions field they go to; throws RangeError with
 * a one-line reason for anything else.
 */
export function parseDecodeAs(spec: string): { field: DecodeAsField; ports: number[] } {
  const m = /^\s*([a-z0-9_.]+)\s*==\s*([0-9]{1,5})(?:([-:])([0-9]{1,5}))?\s*,\s*([a-z0-9_.]+)\s*$/i.exec(spec);
  if (!m) throw new RangeError(`'${spec}' is not LAYER==PORT,PROTOCOL (e.g. udp.port==8472,vxlan)`);
  const [, layer, first, sep, second, proto] = m;
  const layerName = layer.toLowerCase();
  if (layerName !== 'udp.port' && layerName !== 'tcp.port') throw new RangeError(`'${layer}': only udp.port and tcp.port can be decoded as another protocol`);
  const names: Readonly<Record<string, DecodeAsField>> = DECODE_AS_PROTOCOLS[layerName];
  const field = Object.hasOwn(names, proto.toLowerCase()) ? names[proto.toLowerCase()] : undefined;
  if (field === undefined) throw new RangeError(`'${proto}': ${layerName} can decode as ${Object.keys(names).join(' or ')}`);
  const lo = Number(first);
  const hi = sep === undefined ? lo : sep === '-' ? Number(second) : lo + Number(second) - 1;
  if (lo < 1 || hi > 65535 || hi < lo || hi - lo >= DECODE_AS_MAX_PORTS) throw new RangeError(`'${spec}': ports must be 1 to 65535, at most ${DECODE_AS_MAX_PORTS} of them`);
  const ports: number[] = [];
  for (let p = lo; p <= hi; p++) ports.push(p);
  return { field, ports };
}

export class PacketDecoder {
  readonly tables = new DecodeTables();
  readonly state = new PacketState();
  readonly podCidrs = new CidrSet();

  constructor(opts: DecoderOptions = {}) {
    for (const d of ALL_DISSECTORS) this.tables.bind(d);
    for (const p of opts.vxlanPorts ?? []) this.tables.bindUdpPort(p, Proto.VXLAN);
    for (const p of opts.genevePorts ?? []) this.tables.bindUdpPort(p, Proto.GENEVE);
    for (const p of opts.bgpPorts ?? []) this.tables.bindTcpPort(p, Proto.BGP);
    for (const c of opts.podCidrs ?? []) {
      const parsed = parseCidr(c);
      if (!parsed) throw new RangeError(`not a CIDR: ${c}`);
      this.podCidrs.add(parsed);
    }
  }

  /** Decodes one record into the reused state and classifies it. */
  decode(buf: Uint8Array, start: number, caplen: number, wireLen: number, linktype: number): PacketState {
    const st = this.state;
    st.reset(buf, start, caplen, wireLen);
    let first = linkTypeProto(linktype);
    if (first === Proto.RAWIP) {
      const v = caplen > 0 ? buf[start] >> 4 : 0;
      first = v === 6 ? Proto.IPV6 : Proto.IPV4;
    }
    if (first === Proto.NONE) {
      st.fail(Proto.NONE, Fault.UNSUPPORTED_LINKTYPE, linktype);
      return st;
    }
    st.then(first, start, st.capEnd);
    const tables = this.tables;
    for (let guard = 0; st.next !== Proto.NONE && guard <= MAX_LAYERS; guard++) {
      const d = DISSECTOR_BY_PROTO[st.next];
      const off = st.nextOff, end = st.nextEnd;
      st.next = Proto.NONE;
      if (d === undefined) break;
      d.decode(st, off, end, tables);
    }
    this.classify(st);
    return st;
  }

  /** Fills cls, tunnel, outerIp, innerIp and l4 (SPEC "Classes and flows"). */
  classify(st: PacketState): void {
    let lastIp = -1, firstIp = -1, tunnel = -1, cls: number = TrafficClass.OTHER;
    const n = st.count;
    for (let i = 0; i < n; i++) {
      if (st.quoted[i]) break;
      const k = st.kind[i];
      if (k === Proto.IPV4 || k === Proto.IPV6) {
        if (tunnel < 0 && lastIp === i - 1 && lastIp >= 0) {
          // IP directly inside IP: IP-in-IP (protocol 4 or 41, either outer family).
          tunnel = i;
          cls = TrafficClass.IPIP;
          st.outerIp = lastIp;
        }
        if (firstIp < 0) firstIp = i;
        lastIp = i;
      } else if (k === Proto.ETH && lastIp === i - 1 && lastIp >= 0) {
        // An Ethernet frame directly in IP (protocol 143, SRv6 L2 services): not an encapsulation
        // the classes name, so the packet is classed and keyed by that IP; the frame is its payload.
        break;
      } else if (tunnel < 0) {
        let c = -1;
        if (k === Proto.VXLAN || k === Proto.VXLAN_GPE) c = TrafficClass.VXLAN;
        else if (k === Proto.GENEVE) c = TrafficClass.GENEVE;
        else if (k === Proto.WIREGUARD) c = TrafficClass.WIREGUARD;
        else if (k === Proto.GRE) {
          c = isNvgre(u16(st.buf, st.off[i]), st.v2[i]) ? TrafficClass.NVGRE : TrafficClass.GRE;
        }
        if (c >= 0) {
          tunnel = i;
          cls = c;
          st.outerIp = lastIp;
        }
      }
    }
    st.tunnel = tunnel;
    st.innerIp = lastIp;
    if (tunnel < 0) st.outerIp = firstIp;
    const l4 = lastIp + 1;
    if (lastIp >= 0 && l4 < n && !st.quoted[l4]) {
      const k = st.kind[l4];
      if (k === Proto.UDP || k === Proto.TCP || k === Proto.ICMP || k === Proto.ICMPV6) st.l4 = l4;
    }
    if (tunnel < 0 && lastIp >= 0) cls = this.isPodTraffic(st, lastIp) ? TrafficClass.ROUTED : TrafficClass.UNDERLAY;
    st.cls = cls;
  }

  private isPodTraffic(st: PacketState, ip: number): boolean {
    const set = this.podCidrs;
    if (set.size === 0) return false;
    const b = st.buf, o = st.off[ip];
    if (st.kind[ip] === Proto.IPV4) return set.hasV4(u32(b, o + IPV4_SRC)) || set.hasV4(u32(b, o + IPV4_DST));
    return set.hasV6(b, o + IPV6_SRC) || set.hasV6(b, o + IPV6_DST);
  }
}
