// BGP-4 (RFC 4271) over TCP 179. Messages can span segments, so BGP is decoded by a stateful
// stage with TCP reassembly (src/bgp/tracker.ts, fed the decoded packets after this walk), not
// per packet; this entry only holds the port binding. `dissect` gets its `bgp` layer objects from
// that tracker (src/bgp/layer.ts), one per message completing in the packet.
import { Proto, type PacketState } from '../src/packet.js';
import type { DecodeTables, Dissector } from '../src/dissector.js';
import type { BgpLayer } from '../src/layers.js';

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
