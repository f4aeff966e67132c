// Every dissector, indexed by its protocol id. Adding a protocol = one module in dissectors/
// plus one line here; its `registration` says what it binds to.
import { Proto } from './packet.js';
import type { Dissector } from './dissector.js';
import { ethernet } from './ethernet.js';
import { vlan } from './vlan.js';
import { sll, sll2 } from './sll.js';
import { nullLoopback, loop } from './null.js';
import { arp } from './arp.js';
import { ipv4 } from './ipv4.js';
import { ipv6 } from './ipv6.js';
import { icmp } from './icmp.js';
import { icmpv6 } from './icmpv6.js';
import { udp } from './udp.js';
import { tcp } from './tcp.js';
import { vxlan } from './vxlan.js';
import { vxlanGpe } from './vxlan-gpe.js';
import { gre } from './gre.js';
import { geneve } from './geneve.js';
import { wireguard } from './wireguard.js';
import { bgp } from './bgp.js';
import { erspan } from './erspan.js';
import { bfd } from './bfd.js';

export const ALL_DISSECTORS: readonly Dissector[] = [
  ethernet, vlan, sll, sll2, nullLoopback, loop, arp, ipv4, ipv6, icmp, icmpv6, udp, tcp,
  vxlan, vxlanGpe, gre, geneve, wireguard, bgp, erspan, bfd,
];

/** Dissector by protocol id (index = Proto.X). */
export const DISSECTOR_BY_PROTO: readonly (Dissector | undefined)[] = (() => {
  const a: (Dissector | undefined)[] = new Array(Proto.COUNT).fill(undefined);
  for (const d of ALL_DISSECTORS) a[d.proto] = d;
  return a;
})();

/** LINKTYPE_* values (tcpdump.org/linktypes.html) to the first dissector. */
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_NULL = 0;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export function linkTypeProto(linktype: number): number {
  switch (linktype) {
    case LINKTYPE_ETHERNET: return Proto.ETH;
    case LINKTYPE_NULL: return Proto.NULL;
    case LINKTYPE_LOOP: return Proto.LOOP;
    case LINKTYPE_RAW: case 12: case 14: return Proto.RAWIP; // DLT_RAW is 12 on most BSDs, 14 on OpenBSD
    case LINKTYPE_LINUX_SLL: return Proto.SLL;
    case LINKTYPE_LINUX_SLL2: return Proto.SLL2;
    case LINKTYPE_IPV4: return Proto.IPV4;
    case LINKTYPE_IPV6: return Proto.IPV6;
    default: return Proto.NONE;
  }
}

export const LINKTYPE_NAMES: Record<number, string> = {
  0: 'NULL', 1: 'EN10MB', 12: 'RAW', 14: 'RAW', 101: 'RAW', 108: 'LOOP', 113: 'LINUX_SLL',
  228: 'IPV4', 229: 'IPV6', 276: 'LINUX_SLL2',
};
