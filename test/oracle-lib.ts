// The tshark oracle: dissect a capture with tunnelscope and with tshark, and compare, packet by
// packet, the layer stack and a set of header fields. Used by test/oracle.test.ts.
//
// Each compared field is an ordered list of its occurrences across the packet, outer layers first,
// including the layers of a packet quoted by an ICMP error (tshark dissects those too). Ours are
// built from our layer objects (`describe()`), in layer order, under tshark's field names.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PacketDecoder } from '../dissectors/decoder.js';
import { describeLayers } from '../dissectors/dissect.js';
import { forEachRecord } from '../src/reader/capture.js';
import type { LayerObject } from '../dissectors/dissector.js';
import { CLASS_NAME, PROTO_NAME } from '../dissectors/packet.js';
import { isClassicPcap, mapLimit, runTshark, runTsharkMerged, type TsharkRun } from './helpers/tshark.js';

/** The tshark fields compared (frame.number is implied). */
export const ORACLE_FIELDS = [
  'frame.protocols', 'frame.len', 'frame.cap_len', 'frame.cb_pen',
  'eth.dst', 'eth.src', 'eth.type', 'eth.len',
  'vlan.id', 'vlan.etype', 'vlan.len', 'ieee8021ad.id',
  'sll.pkttype', 'sll.hatype', 'sll.ifindex', 'sll.etype', 'sll.gretype', 'sll.ltype',
  'null.family', 'null.type',
  'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4',
  'ip.src', 'ip.dst', 'ip.proto', 'ip.id', 'ip.ttl', 'ip.len', 'ip.hdr_len', 'ip.flags.df', 'ip.flags.mf',
  'ip.frag_offset',
  'ipv6.src', 'ipv6.dst', 'ipv6.nxt', 'ipv6.plen', 'ipv6.hlim',
  'icmp.type', 'icmp.code', 'icmp.mtu',
  'icmpv6.type', 'icmpv6.code', 'icmpv6.mtu',
  'udp.srcport', 'udp.dstport', 'udp.length',
  'tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.flags', 'tcp.hdr_len',
  'vxlan.flags', 'vxlan.vni', 'vxlan.gbp', 'vxlan.next_proto',
  'gre.flags.checksum', 'gre.flags.routing', 'gre.flags.key', 'gre.flags.sequence_number', 'gre.flags.version',
  'gre.proto', 'gre.key', 'gre.key.payload_length', 'gre.key.call_id', 'gre.sequence_number', 'gre.ack_number',
  'geneve.version', 'geneve.flags.oam', 'geneve.flags.critical', 'geneve.proto_type', 'geneve.vni',
  'geneve.option.class', 'geneve.option.type',
  'erspan.version', 'erspan.vlan', 'erspan.spanid', 'erspan.index', 'erspan.o', 'erspan.platid',
  'erspan.cos', 'erspan.encap', 'erspan.bso', 'erspan.truncated', 'erspan.reserved', 'erspan.timestamp',
  'erspan.sgt', 'erspan.p', 'erspan.ft', 'erspan.hw', 'erspan.direction', 'erspan.gra',
  'erspan.pid1.vsmid', 'erspan.pid1.port_index', 'erspan.pid3.port_index', 'erspan.pid3.timestamp',
  'erspan.pid5.switchid', 'erspan.pid5.port_index', 'erspan.pid5.timestamp',
  'erspan.pid7.source_index', 'erspan.pid7.timestamp',
  'bfd.version', 'bfd.diag', 'bfd.sta', 'bfd.flags', 'bfd.detect_time_multiplier', 'bfd.message_length',
  'bfd.my_discriminator', 'bfd.your_discriminator', 'bfd.desired_min_tx_interval', 'bfd.required_min_rx_interval',
  'bfd.required_min_echo_interval', 'bfd.auth.type', 'bfd.auth.len',
  'wg.type',
] as const;

/**
 * tshark protocol names (frame.protocols) that correspond to one of our layers. NVGRE has no layer of
 * its own on either side (tshark 4.0 goes gre -> eth; our gre layer carries vsid/flowId), so
 * gre vs nvgre is a class question (test/oracle-classes.test.ts), not a stack one. ERSPAN is a layer
 * on both sides (for type I, a zero-length one: the mirrored frame follows the GRE header).
 */
const TSHARK_LAYER_NAMES = new Set([
  'eth', 'vlan', 'ieee8021ad', 'sll', 'null', 'arp', 'ip', 'ipv6', 'icmp', 'icmpv6', 'udp', 'tcp',
  'vxlan', 'gre', 'geneve', 'erspan', 'wg', 'bfd',
]);

/**
 * tshark entries of frame.protocols that are not layers of their own: `ethertype` (the EtherType
 * dispatch), `data` (undissected payload), `raw` (LINKTYPE_RAW's pseudo header), and IPv6 extension
 * headers (`ipv6.hopopts`, `ipv6.routing`, ...), which our ipv6 layer includes.
 */
function isPseudo(name: string): boolean {
  return name === 'ethertype' || name === 'data' || name === 'raw' || name.startsWith('ipv6.');
}

/** Our layer's name in tshark's vocabulary; null for a layer tshark does not list in frame.protocols. */
function tsharkName(l: LayerObject): string | null {
  switch (l.proto) {
    case 'ipv4': return 'ip';
    case 'sll2': return 'sll'; // tshark calls both cooked headers `sll`
    case 'loop': return 'null'; // and both BSD loopback headers `null`
    case 'wireguard': return 'wg';
    // tshark 4.0 dissects VXLAN-GPE (UDP 4790) with its VXLAN dissector, printing vxlan.* fields,
    // but does not list the layer in frame.protocols (it shows `udp:ip`, `udp:nsh`).
    case 'vxlan-gpe': return null;
    case 'vlan': return l.tpid === 0x88a8 ? 'ieee8021ad' : 'vlan';
    default: return l.proto;
  }
}

/**
 * tshark's stack reduced to what we model: pseudo-layers dropped, and cut at the first protocol
 * that we do not dissect (an application protocol, or a tunnel we do not open, e.g. MPLS, PPP,
 * NSH, Teredo, GTP): everything tshark decodes above it is beyond our last layer by design.
 */
export function reduceTsharkStack(protocols: string): { kept: string[]; full: string[] } {
  const full = protocols === '' ? [] : protocols.split(':');
  const kept: string[] = [];
  for (const p of full) {
    if (isPseudo(p)) continue;
    if (!TSHARK_LAYER_NAMES.has(p)) break;
    kept.push(p);
  }
  return { kept, full: full.filter((p) => !isPseudo(p)) };
}

const b = (x: unknown) => (x ? '1' : '0');
const n = (x: unknown) => String(x);

/** tshark field names and the layer keys that hold their values (printed with `n`, or `b` for flags). */
type FieldSpec = readonly (readonly [field: string, key: string, print?: (x: unknown) => string])[];

/** Our field values, in tshark's names, for one packet. */
export function ourFields(layers: LayerObject[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const put = (f: string, v: string) => {
    let a = out.get(f);
    if (!a) out.set(f, (a = []));
    a.push(v);
  };
  /** put() for each field of `spec`, in order. */
  const putAll = (l: LayerObject, spec: FieldSpec) => {
    const o = l as unknown as Record<string, unknown>;
    for (const [f, k, print = n] of spec) put(f, print(o[k]));
  };
  for (const l of layers) {
    switch (l.proto) {
      case 'eth':
        put('eth.dst', n(l.dst));
        put('eth.src', n(l.src));
        // tshark names the field eth.len for an 802.3 length (< 0x600), except 0, which it takes as
        // EtherType 0 (ETHERTYPE_UNK); either way the value is ours `ethertype`.
        put((l.ethertype as number) >= 0x600 || l.ethertype === 0 ? 'eth.type' : 'eth.len', n(l.ethertype));
        break;
      case 'vlan':
        if (l.tpid === 0x88a8) {
          put('ieee8021ad.id', n(l.id));
        } else {
          put('vlan.id', n(l.id));
          put((l.ethertype as number) >= 0x600 ? 'vlan.etype' : 'vlan.len', n(l.ethertype));
        }
        break;
      case 'sll':
      case 'sll2': {
        put('sll.pkttype', n(l.packetType));
        put('sll.hatype', n(l.hatype));
        if (l.proto === 'sll2') put('sll.ifindex', n(l.ifIndex));
        const et = l.ethertype as number;
        if (l.hatype === 778) put('sll.gretype', n(et));
        else if (l.hatype === 824) { /* netlink: the protocol is a netlink family */ }
        else put(et >= 0x600 ? 'sll.etype' : 'sll.ltype', n(et));
        break;
      }
      case 'null':
      case 'loop':
        if (l.ethertype !== undefined) put('null.type', n(l.ethertype));
        else put('null.family', n(l.family));
        break;
      case 'arp':
        put('arp.opcode', n(l.opcode));
        if (l.senderMac !== undefined) put('arp.src.hw_mac', n(l.senderMac));
        if (l.senderIp !== undefined) put('arp.src.proto_ipv4', n(l.senderIp));
        if (l.targetIp !== undefined) put('arp.dst.proto_ipv4', n(l.targetIp));
        break;
      case 'ipv4':
        putAll(l, [['ip.src', 'src'], ['ip.dst', 'dst'], ['ip.proto', 'protocol'], ['ip.id', 'id'], ['ip.ttl', 'ttl'],
          ['ip.len', 'length'], ['ip.hdr_len', 'headerLength'], ['ip.flags.df', 'df', b], ['ip.flags.mf', 'mf', b]]);
        put('ip.frag_offset', n((l.fragOffset as number) / 8)); // tshark: in 8-byte units
        break;
      case 'ipv6':
        putAll(l, [['ipv6.src', 'src'], ['ipv6.dst', 'dst'], ['ipv6.nxt', 'nextHeader'], ['ipv6.plen', 'payloadLength'], ['ipv6.hlim', 'hopLimit']]);
        break;
      case 'icmp':
        put('icmp.type', n(l.type));
        put('icmp.code', n(l.code));
        if (l.mtu !== undefined) put('icmp.mtu', n(l.mtu));
        break;
      case 'icmpv6':
        put('icmpv6.type', n(l.type));
        put('icmpv6.code', n(l.code));
        if (l.mtu !== undefined) put('icmpv6.mtu', n(l.mtu));
        break;
      case 'udp':
        putAll(l, [['udp.srcport', 'srcPort'], ['udp.dstport', 'dstPort'], ['udp.length', 'length']]);
        break;
      case 'tcp':
        put('tcp.srcport', n(l.srcPort));
        put('tcp.dstport', n(l.dstPort));
        // tshark 4.0 reads the flags word (14 bytes in) before it adds seq and ack, so a header
        // shorter than 14 bytes shows only the ports there; ours also keeps seq/ack (issue 10 item 6).
        if (l.flags !== undefined) {
          putAll(l, [['tcp.seq_raw', 'seq'], ['tcp.ack_raw', 'ack'], ['tcp.flags', 'flagBits'], ['tcp.hdr_len', 'headerLength']]);
        }
        break;
      case 'vxlan':
        put('vxlan.flags', n(l.flags));
        put('vxlan.vni', n(l.vni));
        if (l.gbp) put('vxlan.gbp', n((l.gbp as { policyId: number }).policyId));
        break;
      case 'vxlan-gpe':
        put('vxlan.flags', n(l.flags));
        put('vxlan.vni', n(l.vni));
        put('vxlan.next_proto', n(l.nextProtocol));
        break;
      case 'gre':
        putAll(l, [['gre.flags.checksum', 'checksumPresent', b], ['gre.flags.routing', 'routingPresent', b], ['gre.flags.key', 'keyPresent', b],
          ['gre.flags.sequence_number', 'seqPresent', b], ['gre.flags.version', 'version'], ['gre.proto', 'protocolType']]);
        if (l.key !== null && l.key !== undefined) {
          // PPTP (version 1 carrying PPP): tshark splits the key into payload length + call ID, as ours does.
          if (l.callId !== undefined) {
            put('gre.key.payload_length', n(l.payloadLength));
            put('gre.key.call_id', n(l.callId));
          } else put('gre.key', n(l.key));
        }
        if (l.seq !== null && l.seq !== undefined) put('gre.sequence_number', n(l.seq));
        if (l.ack !== undefined) put('gre.ack_number', n(l.ack));
        break;
      case 'geneve':
        putAll(l, [['geneve.version', 'version'], ['geneve.flags.oam', 'oam', b], ['geneve.flags.critical', 'critical', b],
          ['geneve.proto_type', 'protocolType'], ['geneve.vni', 'vni']]);
        for (const o of (l.options as { class: number; type: number }[]) ?? []) {
          put('geneve.option.class', n(o.class));
          put('geneve.option.type', n(o.type));
        }
        break;
      case 'erspan':
        // Type I has no header: tshark prints no erspan fields for it.
        if (l.type === 1) break;
        put('erspan.version', n(l.version));
        if (l.type === 2 || l.type === 3) {
          put('erspan.vlan', n(l.vlan));
          put('erspan.cos', n(l.cos));
          put('erspan.truncated', b(l.truncated));
          put('erspan.spanid', n(l.sessionId));
        }
        if (l.type === 2) {
          put('erspan.encap', n(l.encap));
          put('erspan.reserved', n(l.reserved));
          put('erspan.index', n(l.index));
        }
        if (l.type === 3) {
          putAll(l, [['erspan.bso', 'bso'], ['erspan.timestamp', 'timestamp'], ['erspan.sgt', 'sgt'], ['erspan.p', 'ethernetPdu', b],
            ['erspan.ft', 'frameType'], ['erspan.hw', 'hwId']]);
          put('erspan.direction', b(l.direction === 'egress'));
          putAll(l, [['erspan.gra', 'granularity'], ['erspan.o', 'platformPresent', b]]);
          if (l.platformId !== undefined) {
            put('erspan.platid', n(l.platformId));
            const id = l.platformId as number;
            if (id === 1) { put('erspan.pid1.vsmid', n(l.vsmDomainId)); put('erspan.pid1.port_index', n(l.portIndex)); }
            if (id === 3) { put('erspan.pid3.port_index', n(l.portIndex)); put('erspan.pid3.timestamp', n(l.timestampHigh)); }
            if (id === 5 || id === 6) {
              put('erspan.pid5.switchid', n(l.switchId)); put('erspan.pid5.port_index', n(l.portIndex)); put('erspan.pid5.timestamp', n(l.timestampSeconds));
            }
            if (id === 0 || id === 7) { put('erspan.pid7.source_index', n(l.sourceIndex)); put('erspan.pid7.timestamp', n(l.timestampHigh)); }
          }
        }
        break;
      case 'bfd':
        putAll(l, [['bfd.version', 'version'], ['bfd.diag', 'diag'], ['bfd.sta', 'state']]);
        // tshark's bfd.flags is the whole second byte (state and flags).
        put('bfd.flags', n(((l.state as number) << 6) | (l.flags as number)));
        putAll(l, [['bfd.detect_time_multiplier', 'detectMult'], ['bfd.message_length', 'length'],
          ['bfd.my_discriminator', 'myDiscriminator'], ['bfd.your_discriminator', 'yourDiscriminator'],
          ['bfd.desired_min_tx_interval', 'desiredMinTxInterval'], ['bfd.required_min_rx_interval', 'requiredMinRxInterval'],
          ['bfd.required_min_echo_interval', 'requiredMinEchoRxInterval']]);
        if (l.authType !== undefined) { put('bfd.auth.type', n(l.authType)); put('bfd.auth.len', n(l.authLength)); }
        break;
      case 'wireguard':
        put('wg.type', n(l.type));
        break;
      default:
        break;
    }
  }
  return out;
}

/** tshark's printed value in the form ours is built in (decimal numbers, lower-case text). */
function normalise(v: string): string {
  let s = v.trim();
  if (/^0x[0-9a-f]+$/i.test(s)) s = String(parseInt(s, 16));
  return s.toLowerCase();
}

/** Which tshark protocol a field belongs to (its name up to the first dot). */
function fieldProto(field: string): string {
  return field.slice(0, field.indexOf('.'));
}

/** Fields that tshark may print more than once per layer. */
const MULTI_PER_LAYER = new Set(['geneve.option.class', 'geneve.option.type']);

/**
 * tshark's field lists for one frame, restricted to the layers kept by reduceTsharkStack.
 * `vxKinds`: our VXLAN and VXLAN-GPE layers in order (vxlan.flags is 16 bits for VXLAN, 8 for GPE).
 */
function tsharkFieldsKept(fields: Map<string, string[]>, kept: string[], full: string[], vxKinds: string[]): Map<string, string[]> {
  const keptCount = new Map<string, number>();
  const fullCount = new Map<string, number>();
  for (const p of kept) keptCount.set(p, (keptCount.get(p) ?? 0) + 1);
  for (const p of full) fullCount.set(p, (fullCount.get(p) ?? 0) + 1);
  const out = new Map<string, string[]>();
  for (const [f, vals] of fields) {
    if (f.startsWith('frame.')) continue;
    const p = fieldProto(f);
    let v = vals.map(normalise);
    // VXLAN: tshark's 16-bit flags word; ours is the flags byte. VXLAN-GPE: both are the flags byte.
    if (f === 'vxlan.flags') v = v.map((x, i) => (vxKinds[i] === 'vxlan-gpe' ? x : String(Number(x) >> 8)));
    const k = keptCount.get(p) ?? 0;
    if (k < (fullCount.get(p) ?? 0)) {
      // Some layers of this protocol lie beyond our last layer: keep the first k occurrences.
      v = MULTI_PER_LAYER.has(f) && k > 0 ? v : v.slice(0, k);
    }
    if (f === 'vxlan.gbp') {
      // tshark prints the 16 bits after the flags for every VXLAN header; they are a policy ID only
      // with the G flag (ours: `gbp` is null without G).
      const flags = (fields.get('vxlan.flags') ?? []).map(normalise);
      v = v.filter((_, i) => vxKinds[i] === 'vxlan' && (Number(flags[i]) & 0x8000) !== 0);
    }
    if (v.length) out.set(f, v);
  }
  return out;
}

export interface Exclusion {
  /** Matched against the path relative to the fixtures directory or the corpus directory. */
  file: RegExp;
  /** `stack` (the layer stack), `count` (number of frames), `len` (frame.len/cap_len), or a field name. */
  field: string;
  /** Frames the exclusion applies to; all frames of the file when absent. */
  frames?: readonly number[];
  /** A further condition on the difference (ours and tshark's values); any difference when absent. */
  when?: (ours: string[], tshark: string[]) => boolean;
  reason: string;
}

export interface Mismatch { frame: number; field: string; ours: string; tshark: string }

export interface FileResult {
  file: string;
  label: string;
  packets: number;
  values: number;
  mismatches: Mismatch[];
  excluded: number;
  /** Exclusions that matched at least one difference. */
  usedExclusions: Map<Exclusion, number>;
  error?: string;
  tsharkStderr: string;
  classes: Map<string, number>;
}

interface OurFrame {
  frame: number; caplen: number; len: number; layers: LayerObject[]; cls: string;
  /** The layer our decoder tried and did not push: the one whose header the bytes cut, else the one our error names. */
  pending: string | null;
}

/**
 * tshark -d rules per capture, where tunnelscope's default VXLAN ports (8472, 6784: VXLAN when
 * plausible, else the port's other protocol) need a different rule than TSHARK_DEFAULT_DECODE_AS
 * (which forces VXLAN on both). First match wins; matched against the label.
 */
export const DECODE_AS: readonly { file: RegExp; decodeAs: readonly string[]; reason: string }[] = [
  { file: /^fixtures\/heuristic-ports\.pcap$/, decodeAs: [],
    reason: 'BFD on 6784 (tshark\'s own default) and non-VXLAN payloads on 8472: tunnelscope declines VXLAN there' },
];

/** tshark frames that are not packets: pcapng custom blocks (frame.cb_pen) and systemd journal export blocks. */
function isNonPacketFrame(t: { fields: Map<string, string[]> }): boolean {
  return (t.fields.get('frame.cb_pen') ?? []).length > 0 || (t.fields.get('frame.protocols')?.[0] ?? '') === 'systemd_journal';
}

async function ourDissection(file: string): Promise<OurFrame[]> {
  const decoder = new PacketDecoder();
  const frames: OurFrame[] = [];
  await forEachRecord(file, (r) => {
    const st = decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
    const p = st.cutProto || (st.errFault ? st.errProto : 0);
    frames.push({
      frame: r.frame, caplen: r.caplen, len: r.len, layers: describeLayers(st), cls: CLASS_NAME[st.cls],
      pending: p ? tsharkName({ proto: PROTO_NAME[p] }) : null,
    });
  });
  return frames;
}

/** The tshark -d rules compareFile uses for a capture (by its label), when not the default ones. */
export function decodeAsFor(label: string): readonly string[] | undefined {
  return DECODE_AS.find((d) => d.file.test(label))?.decodeAs;
}

/**
 * Compares one capture. `label` is the path used in reports and matched by exclusions. `tsharkRun`:
 * tshark's fields for this file when already read (runTsharkMerged), else tshark runs on it here.
 */
export async function compareFile(file: string, label: string, exclusions: readonly Exclusion[], tsharkRun?: TsharkRun): Promise<FileResult> {
  const res: FileResult = {
    file, label, packets: 0, values: 0, mismatches: [], excluded: 0, usedExclusions: new Map(), tsharkStderr: '', classes: new Map(),
  };
  const applicable = exclusions.filter((e) => e.file.test(label));
  const report = (m: Mismatch) => {
    const ex = applicable.find((e) => e.field === m.field && (!e.frames || e.frames.includes(m.frame)) &&
      (!e.when || e.when(m.ours.split(','), m.tshark.split(','))));
    if (ex) {
      res.excluded++;
      res.usedExclusions.set(ex, (res.usedExclusions.get(ex) ?? 0) + 1);
    } else {
      res.mismatches.push(m);
    }
  };
  const decodeAs = decodeAsFor(label);
  const [tshark, ours] = await Promise.all([
    tsharkRun ?? runTshark(file, ORACLE_FIELDS, decodeAs ? { decodeAs } : {}),
    ourDissection(file).catch((e: Error) => e),
  ]);
  res.tsharkStderr = tshark.stderr.trim();
  if (ours instanceof Error) {
    res.error = `tunnelscope could not read the file: ${ours.message}`;
    report({ frame: 0, field: 'count', ours: 'error', tshark: String(tshark.frames.length) });
    return res;
  }
  // tshark 4.0 lists pcapng custom blocks (with frame.cb_pen) and systemd journal export blocks as
  // frames; they are not packets, but they take frame numbers, and so they do in tunnelscope's
  // numbering: each packet must carry the same frame number as in tshark.
  const tframes = tshark.frames.filter((t) => !isNonPacketFrame(t));
  if (ours.length !== tframes.length) {
    report({ frame: 0, field: 'count', ours: String(ours.length), tshark: String(tframes.length) });
  }
  const count = Math.min(ours.length, tframes.length);
  for (let k = 0; k < count; k++) {
    const o = ours[k], t = tframes[k];
    res.packets++;
    res.classes.set(o.cls, (res.classes.get(o.cls) ?? 0) + 1);
    const frame = o.frame;
    const tf = t.fields;
    const first = (f: string) => tf.get(f)?.[0] ?? '';
    // Frame number and lengths.
    res.values += 3;
    if (t.frame !== frame) report({ frame, field: 'frame.number', ours: String(frame), tshark: String(t.frame) });
    if (first('frame.len') !== String(o.len)) report({ frame, field: 'len', ours: String(o.len), tshark: first('frame.len') });
    if (first('frame.cap_len') !== String(o.caplen)) report({ frame, field: 'len', ours: String(o.caplen), tshark: first('frame.cap_len') });
    // The layer stack.
    const { kept, full } = reduceTsharkStack(first('frame.protocols'));
    const named = o.layers.map((l, i) => ({ i, name: tsharkName(l) })).filter((x) => x.name !== null);
    const mine = named.map((x) => x.name as string);
    let layers = o.layers, keptCmp = kept;
    res.values++;
    if (o.pending && mine.length + 1 === kept.length && [...mine, o.pending].join(':') === kept.join(':')) {
      // tshark lists a protocol whose dissector was called and threw on its first bytes (a header cut by
      // the snaplen, an ICMP quote, or a truncated/bogus header); we push no layer for it, and name it
      // in `error` (or stop there when the record is snaplen-cut). Same walk; its fields are not compared.
      keptCmp = kept.slice(0, -1);
    } else if (mine.join(':') !== kept.join(':')) {
      report({ frame, field: 'stack', ours: mine.join(':'), tshark: `${kept.join(':')} (${first('frame.protocols')})` });
      // Compare the fields of the layers both stacks share (their common prefix).
      let p = 0;
      while (p < mine.length && p < kept.length && mine[p] === kept[p]) p++;
      layers = o.layers.slice(0, p < named.length ? named[p].i : o.layers.length);
      keptCmp = kept.slice(0, p);
    }
    // The fields.
    const vxKinds = layers.filter((l) => l.proto === 'vxlan' || l.proto === 'vxlan-gpe').map((l) => l.proto);
    const theirs = tsharkFieldsKept(tf, keptCmp, full, vxKinds);
    const mineF = ourFields(layers);
    const names = new Set([...theirs.keys(), ...mineF.keys()]);
    for (const f of names) {
      const a = mineF.get(f) ?? [], z = theirs.get(f) ?? [];
      const len = Math.max(a.length, z.length);
      res.values += len;
      if (a.join(',') !== z.join(',')) report({ frame, field: f, ours: a.join(','), tshark: z.join(',') });
    }
  }
  return res;
}

const CAPTURE_RE = /\.(pcap|pcapng|cap|pcap\.gz|pcapng\.gz)$/i;

/** Capture files under `dir`, recursively, sorted. */
export function findCaptures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else if (s.isFile() && CAPTURE_RE.test(name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * The unordered address pairs of every IPv4 and IPv6 layer in a capture (outer, inner, quoted),
 * or null when tunnelscope cannot read it. tshark keys its conversations (TCP sequence analysis,
 * protocols bound to a conversation) on address pairs: two captures that share none cannot change
 * each other's dissection when one tshark reads both.
 */
export async function addressPairs(file: string): Promise<Set<string> | null> {
  const decoder = new PacketDecoder();
  const pairs = new Set<string>();
  try {
    await forEachRecord(file, (r) => {
      for (const l of describeLayers(decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype))) {
        if (l.proto !== 'ipv4' && l.proto !== 'ipv6') continue;
        const a = String(l.src), b = String(l.dst);
        pairs.add(a < b ? `${a} ${b}` : `${b} ${a}`);
      }
    });
  } catch {
    return null;
  }
  return pairs;
}

/**
 * tshark's fields for many captures with few tshark processes (its start-up, about 0.6 s of CPU,
 * is most of its time on a small capture): classic pcap files go to runTsharkMerged in batches of
 * up to `batch` files that share no address pair (see addressPairs: in one tshark process, a TCP
 * session seen in one file would otherwise change the next file's dissection); the rest (pcapng,
 * gzip, unreadable) run alone. `parallel` tshark processes at a time.
 */
export async function runTsharkBatched(files: readonly string[], fields: readonly string[], opts: { decodeAs?: readonly string[]; batch?: number; parallel?: number } = {}): Promise<Map<string, TsharkRun>> {
  const size = opts.batch ?? 30;
  const batches: { files: string[]; pairs: Set<string> }[] = [];
  const alone: string[] = [];
  for (const f of files) {
    const pairs = isClassicPcap(f) ? await addressPairs(f) : null;
    if (!pairs) { alone.push(f); continue; }
    let b = batches.find((x) => x.files.length < size && ![...pairs].some((p) => x.pairs.has(p)));
    if (!b) batches.push((b = { files: [], pairs: new Set() }));
    b.files.push(f);
    for (const p of pairs) b.pairs.add(p);
  }
  const tsharkOpts = opts.decodeAs ? { decodeAs: opts.decodeAs } : {};
  const jobs: (() => Promise<Map<string, TsharkRun>>)[] = [
    ...batches.map((b) => () => runTsharkMerged(b.files, fields, tsharkOpts)),
    ...alone.map((f) => async () => new Map([[f, await runTshark(f, fields, tsharkOpts)]])),
  ];
  const maps = await mapLimit(jobs, opts.parallel ?? 2, (job) => job());
  return new Map(maps.flatMap((m) => [...m]));
}
