// BGP-4 (RFC 4271) over TCP, port 179 by default and any port `-d tcp.port==P,bgp` binds. Messages
// span segments, so BGP is decoded by a stateful stage with TCP reassembly (src/analyses/bgp/tracker.ts,
// fed the decoded packets after this walk), not per packet. This module holds what the stage
// asks of the decoder: the port binding (in DecodeTables.tcpPort, the table `-d` writes, as
// VXLAN's UDP ports are in udpPort) and the test of a segment against it. `dissect` gets its
// `bgp` layer objects from the tracker (src/analyses/bgp/layer.ts), one per message completing in a packet.
import { Proto, type PacketState } from './packet.js';
import { DecodeTables, type Dissector } from './dissector.js';
import type { BgpLayer } from './layers.js';

export const BGP_PORT = 179;

export const bgp: Dissector<BgpLayer> = {
  proto: Proto.BGP,
  name: 'bgp',
  registration: { tcpPort: [BGP_PORT] },
  decode(st: PacketState, off: number, end: number, t: DecodeTables): void {
    void st; void off; void end; void t;
  },
  // Not reached: decode() pushes no layer (the tracker makes the bgp layers).
  describe() {
    return { proto: 'bgp', type: 'UNKNOWN', typeCode: -1, error: 'bgp: decoded by the BGP tracker, not per packet' };
  },
};

/**
 * Whether a TCP segment between these ports belongs to BGP under `tcpPort` (a DecodeTables'
 * tcpPort): either port bound, as tshark decodes a segment whose source or destination is 179.
 * Every segment counts, SYNs and bare ACKs included (reassembly needs them), not only those with
 * a payload the decoder dispatches.
 */
export function isBgpPortPair(tcpPort: Uint8Array, srcPort: number, dstPort: number): boolean {
  return tcpPort[srcPort] === Proto.BGP || tcpPort[dstPort] === Proto.BGP;
}

/** The binding when no decoder's tables are given: BGP's own registration (port 179) only. */
export function defaultBgpBinding(): DecodeTables {
  const t = new DecodeTables();
  t.bind(bgp);
  return t;
}
