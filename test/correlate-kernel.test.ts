// `correlate` on a real kernel capture pair (fixtures/correlate/kernel-3ns.sh): node A, a router
// and node B in network namespaces, Linux VXLAN between A and B, tcpdump on both underlay veths.
// The expected numbers come from outside tunnelscope: what the script configured, ping's own
// "packets transmitted" counts, and the router's nftables counters (the small packets its rule
// dropped, the "fragmentation needed" errors it suppressed, one per black-holed packet).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { correlate } from '../src/analyses/correlate/index.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'correlate');
const truth = JSON.parse(readFileSync(join(DIR, 'kernel-3ns.truth.json'), 'utf8')) as {
  nodeA: string; nodeB: string; snatTo: string; vni: number; dstPort: number;
  tunnelPings: { size: number; transmitted: number; outerBytes: number }[];
  nft: { droppedSmall: number; icmpSuppressed: number };
};

describe('correlate: real kernel VXLAN through a NAT router with a smaller MTU', () => {
  it('finds the nodes, the loss, the black hole, the SNAT and the TTL decrement', async () => {
    const r = await correlate([{ name: 'A', file: join(DIR, 'kernel-3ns.a.pcap') }, { name: 'B', file: join(DIR, 'kernel-3ns.b.pcap') }]);
    expect(r.nodes.map((n) => n.addresses)).toEqual([[truth.nodeA], [truth.nodeB]]);
    const ab = r.paths.find((p) => p.from === 'A' && p.to === 'B' && p.class === 'vxlan')!;
    const ba = r.paths.find((p) => p.from === 'B' && p.to === 'A' && p.class === 'vxlan')!;
    const [small, medium, large] = truth.tunnelPings;
    const sent = small.transmitted + medium.transmitted + large.transmitted;
    // Lost: the small packets nftables dropped and every packet too big for the B-side link.
    expect(large.transmitted).toBe(truth.nft.icmpSuppressed);
    const lost = truth.nft.droppedSmall + truth.nft.icmpSuppressed;
    expect(ab).toMatchObject({ tunnel: { vni: truth.vni, key: null, dstPort: truth.dstPort }, sent, lost, received: sent - lost, duplicated: 0 });
    expect(ab.lostBySize).toEqual([
      { maxBytes: 256, sent: small.transmitted, lost: truth.nft.droppedSmall },
      { maxBytes: 1400, sent: medium.transmitted, lost: 0 },
      { maxBytes: 1450, sent: large.transmitted, lost: large.transmitted },
    ]);
    // Every request that arrived was answered, and the answers all came back.
    expect(ba).toMatchObject({ sent: sent - lost, received: sent - lost, lost: 0 });
    expect(ab.rewrites.outerSrc).toEqual([{ from: truth.nodeA, to: truth.snatTo, packets: sent - lost }]);
    expect(ab.rewrites.ttlDecrement).toBe(1);
    expect(ba.rewrites.outerSrc).toEqual([]);
    const hole = r.findings.find((f) => f.rule === 'PATH_MTU_BLACKHOLE')!;
    expect(hole.evidence).toMatchObject({ largestDelivered: medium.outerBytes, smallestLost: large.outerBytes, lostAbove: large.transmitted });
    expect(r.findings.map((f) => f.rule).sort()).toEqual(['PATH_LOSS', 'PATH_MTU_BLACKHOLE', 'PATH_NAT']);
    // One kernel clock: the true offset is 0 and must lie within the estimate's uncertainty.
    expect(r.clock).toHaveLength(1);
    expect(Math.abs(r.clock[0].offset)).toBeLessThanOrEqual(r.clock[0].uncertainty!);
    // The plain pings (trimmed at the capture edges) all arrived.
    const plain = r.paths.filter((p) => p.class === 'underlay');
    expect(plain).toHaveLength(2);
    for (const p of plain) expect(p.sent > 0 && p.received === p.sent && p.lost === 0).toBe(true);
  });
});
