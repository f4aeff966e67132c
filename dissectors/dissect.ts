// The rich (cold) path: turn the decoder's reused state into objects, for `dissect` and tests.
import { PacketDecoder, type DecoderOptions } from './decoder.js';
import type { BgpLayer, Layer } from './layers.js';
import { CLASS_NAMES, type TrafficClassName } from '../src/classes.js';
import { CLASS_NAME, PROTO_NAME, Proto, type PacketState } from './packet.js';
import { DISSECTOR_BY_PROTO } from './registry.js';
import { CaptureRecord, formatTimestamp } from '../src/reader/record.js';

/** One packet as `dissect --json` prints it (SPEC "JSON schemas"). */
export interface DissectedPacket {
  /** The capture's own frame number (1-based). */
  frame: number;
  /** Epoch seconds as a decimal string with nine fractional digits. */
  ts: string;
  caplen: number;
  len: number;
  linktype: number;
  /** The pcapng interface id (0 for pcap). */
  interface: number;
  class: TrafficClassName;
  /** Outermost first; narrow each on `proto`. */
  layers: Layer[];
  error: string | null;
  truncated: boolean;
}

/**
 * Layer objects of the decoded packet in `st`. Every layer of a packet quoted by an ICMP error
 * (whatever its protocol: IP, UDP, VXLAN, the inner Ethernet...) gets `quoted: true` here, in one
 * place, from the decoder's per-layer mark.
 */
export function describeLayers(st: PacketState): Layer[] {
  const out: Layer[] = [];
  for (let i = 0; i < st.count; i++) {
    const d = DISSECTOR_BY_PROTO[st.kind[i]];
    // Every protocol the decoder pushes has a dissector; only 'none' and 'raw' have none.
    const l: Layer = d ? d.describe(st, i) : { proto: st.kind[i] === Proto.RAWIP ? 'raw' : 'none' };
    if (st.quoted[i]) l.quoted = true;
    out.push(l);
  }
  return out;
}

/** The JSON object `dissect --json` prints for one packet (SPEC "JSON schemas"). */
export function packetObject(r: CaptureRecord, st: PacketState, extraLayers?: (i: number) => readonly BgpLayer[] | null): DissectedPacket {
  let layers: Layer[] = describeLayers(st);
  if (extraLayers) {
    const extra = extraLayers(r.frame);
    if (extra && extra.length) layers = layers.concat(extra);
  }
  return {
    frame: r.frame,
    ts: formatTimestamp(r.tsSec, r.tsNsec),
    caplen: r.caplen,
    len: r.len,
    linktype: r.linktype,
    interface: r.interfaceId,
    class: CLASS_NAMES[st.cls],
    layers,
    error: st.errorText(),
    truncated: st.truncated || r.caplen < r.len,
  };
}

/** The layer stack as "eth:ipv4:udp:vxlan:eth:ipv4:tcp". */
export function stackString(st: PacketState): string {
  let s = '';
  for (let i = 0; i < st.count; i++) s += (i ? ':' : '') + PROTO_NAME[st.kind[i]];
  return s;
}

/** Linux packet types (SLL/SLL2 `pkttype`) as the direction word of the summary line. */
const DIRECTION_WORD = ['in', 'broadcast', 'multicast', 'otherhost', 'out'];

/**
 * A one-line human summary: for `-i any` captures the interface and direction, then the outer
 * addresses and the tunnel, the innermost addresses and transport, and any error.
 */
/** `time`: the packet time as shown (dissect -t); default epoch seconds. */
export function summaryLine(r: CaptureRecord, st: PacketState, time = formatTimestamp(r.tsSec, r.tsNsec)): string {
  const parts: string[] = [];
  // SLL2 carries the interface index and the packet type, SLL only the packet type.
  if (st.ifIndex >= 0 || st.pktType >= 0) {
    const dir = st.pktType >= 0 ? DIRECTION_WORD[st.pktType] ?? `type ${st.pktType}` : '';
    parts.push(st.ifIndex >= 0 ? `if ${st.ifIndex}${dir ? ` ${dir}` : ''}` : dir);
  }
  const pick = (i: number) => {
    const d = DISSECTOR_BY_PROTO[st.kind[i]];
    const s = d?.summary?.(st, i);
    if (s) parts.push(s);
  };
  if (st.tunnel >= 0) {
    // Outer addresses first. For IP-in-IP the tunnel layer is the inner IP header itself, which
    // comes next anyway, so it is not named twice.
    if (st.outerIp >= 0 && st.outerIp < st.tunnel) pick(st.outerIp);
    if (st.tunnel !== st.innerIp) pick(st.tunnel);
  }
  if (st.tunnel >= 0 && st.innerIp < st.tunnel) {
    // The tunnel carries something other than IP (ARP, ...): show that, not the outer headers.
    if (st.count - 1 > st.tunnel) pick(st.count - 1);
  } else {
    if (st.innerIp >= 0) pick(st.innerIp);
    if (st.l4 >= 0) pick(st.l4);
    if (st.innerIp < 0 && st.count > 0) pick(st.count - 1);
  }
  const err = st.errorText();
  const trunc = st.truncated || r.caplen < r.len ? ' [truncated]' : '';
  return `${r.frame} ${time} ${CLASS_NAME[st.cls]} ${stackString(st) || '-'} ${parts.join(' | ')}${trunc}${err ? ` [error: ${err}]` : ''}`;
}

/**
 * Library API: dissect one record into a plain object. For many packets, create a PacketDecoder
 * once and pass it in (it holds the reused state and the port tables).
 */
export function dissect(record: CaptureRecord, decoderOrOptions?: PacketDecoder | DecoderOptions): DissectedPacket {
  const decoder = decoderOrOptions instanceof PacketDecoder ? decoderOrOptions : new PacketDecoder(decoderOrOptions);
  const st = decoder.decode(record.buf, record.offset, record.caplen, record.len, record.linktype);
  return packetObject(record, st);
}
