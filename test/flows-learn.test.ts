// Pod CIDR inference learns a tunnelled flow's inner addresses once per flow, direction and
// "inner frame to a link-layer group" (issue 11: per packet before). The roles must come out as
// when every packet was learned: here 10.8.8.2 receives only in the flow's third packet, the first
// one in its direction whose inner frame is unicast, so learning once per flow and direction
// would miss it. Expected result from the inference rule itself (podcidr.ts: an address counts
// when seen both sending and receiving; 2 private addresses in a /24 make a block) applied to the
// packets as laid out here (RFC 7348 VXLAN, RFC 791, RFC 793).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../src/engine/analyze.js';
import { writePcap } from '../test-support/capture.js';
import { eth, ipv4, tcp, udp, vxlan, ETHERTYPE_IPV4 } from '../test-support/bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'flows-learn-'));
const BROADCAST = 'ff:ff:ff:ff:ff:ff';

/** VXLAN (VNI 1, UDP 4789) between 192.168.56.11 and .12, carrying inner TCP src -> dst in a frame to innerMac. */
function frame(src: string, dst: string, sport: number, dport: number, innerMac: string): Uint8Array {
  const inner = eth({ type: ETHERTYPE_IPV4, dst: innerMac }, ipv4({ protocol: 6, src, dst }, tcp({ src: sport, dst: dport, flags: 0x10 })));
  return eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, src: '192.168.56.11', dst: '192.168.56.12' }, udp({ src: 40000, dst: 4789 }, vxlan({ vni: 1 }, inner))));
}

describe('pod CIDR inference through the flow table', () => {
  it('an inner destination is learned from a later unicast packet of a flow whose first packet went to broadcast', async () => {
    const file = join(dir, 'group-then-unicast.pcap');
    writeFileSync(file, writePcap([
      { sec: 1, frac: 0, data: frame('10.8.8.1', '10.8.8.2', 1000, 80, BROADCAST) }, // 10.8.8.1 sends; .2 not learned
      { sec: 1, frac: 10, data: frame('10.8.8.2', '10.8.8.1', 80, 1000, '02:00:00:00:00:09') }, // .2 sends, .1 receives
      { sec: 1, frac: 20, data: frame('10.8.8.1', '10.8.8.2', 1000, 80, '02:00:00:00:00:08') }, // .2 receives
    ]));
    const doc = await analyze(file, { quiet: true });
    expect(doc.flows.total).toBe(1);
    expect(doc.podCidrs.filter((c) => c.source === 'inferred').map((c) => c.cidr)).toEqual(['10.8.8.0/24']);
  });
  it('without that unicast packet the destination never receives, so no block', async () => {
    const file = join(dir, 'group-only.pcap');
    writeFileSync(file, writePcap([
      { sec: 1, frac: 0, data: frame('10.8.8.1', '10.8.8.2', 1000, 80, BROADCAST) },
      { sec: 1, frac: 10, data: frame('10.8.8.2', '10.8.8.1', 80, 1000, '02:00:00:00:00:09') },
      { sec: 1, frac: 20, data: frame('10.8.8.1', '10.8.8.2', 1000, 80, BROADCAST) },
    ]));
    const doc = await analyze(file, { quiet: true });
    expect(doc.podCidrs.filter((c) => c.source === 'inferred')).toEqual([]);
  });
});
