// Test helper: decode hand-built bytes with a PacketDecoder and snapshot what the tests assert on
// (the PacketState is reused, so everything is copied out before the next decode).
import { PacketDecoder, type DecoderOptions } from '../dissectors/decoder.js';
import { describeLayers, stackString } from '../dissectors/dissect.js';
import type { LayerObject } from '../dissectors/dissector.js';
import { CLASS_NAME, PROTO_NAME, type PacketState } from '../dissectors/packet.js';

export interface Decoded {
  st: PacketState;
  /** "eth:ipv4:udp:..." */
  stack: string;
  kinds: string[];
  layers: LayerObject[];
  cls: string;
  error: string | null;
  truncated: boolean;
  outerIp: number;
  innerIp: number;
  tunnel: number;
  l4: number;
  hlen: number[];
  off: number[];
  end: number[];
  quoted: boolean[];
}

export interface DecodeOpts extends DecoderOptions {
  linktype?: number;
  /** Original length on the wire (default: the byte count, i.e. not snaplen-cut). */
  wireLen?: number;
  decoder?: PacketDecoder;
  /** Place the packet at this offset in a larger buffer (default 0) to catch absolute-offset bugs. */
  at?: number;
}

let shared: PacketDecoder | null = null;

export function decode(bytes: Uint8Array, o: DecodeOpts = {}): Decoded {
  const dec = o.decoder ?? (o.vxlanPorts || o.genevePorts || o.podCidrs ? new PacketDecoder(o) : (shared ??= new PacketDecoder()));
  const at = o.at ?? 0;
  let buf = bytes;
  if (at > 0) {
    // Junk before and after the record: a dissector that reads outside [start, capEnd) shows up.
    buf = new Uint8Array(at + bytes.length + 64).fill(0xee);
    buf.set(bytes, at);
  }
  const st = dec.decode(buf, at, bytes.length, o.wireLen ?? bytes.length, o.linktype ?? 1);
  const n = st.count;
  const kinds: string[] = [];
  for (let i = 0; i < n; i++) kinds.push(PROTO_NAME[st.kind[i]]);
  return {
    st,
    stack: stackString(st),
    kinds,
    layers: describeLayers(st),
    cls: CLASS_NAME[st.cls],
    error: st.errorText(),
    truncated: st.truncated,
    outerIp: st.outerIp,
    innerIp: st.innerIp,
    tunnel: st.tunnel,
    l4: st.l4,
    hlen: Array.from(st.hlen.subarray(0, n)).map((x) => x),
    off: Array.from(st.off.subarray(0, n)).map((x) => x - at),
    end: Array.from(st.end.subarray(0, n)).map((x) => x - at),
    quoted: Array.from(st.quoted.subarray(0, n)).map((x) => x !== 0),
  };
}
