// The lint rule modules, in the order their "not evaluated" notes are listed (findings are sorted
// by severity and first frame afterwards). Adding a rule: its catalogue entry in ../rules.ts, one
// module file here, and one line below.
import type { RuleModuleFactory } from '../rule.js';
import { vxlanNonstandardPort } from './vxlan-nonstandard-port.js';
import { vxlanPortCollision } from './vxlan-port-collision.js';
import { vxlanIFlag } from './vxlan-i-flag.js';
import { vxlanReservedBits } from './vxlan-reserved-bits.js';
import { vxlanVniZero } from './vxlan-vni-zero.js';
import { vxlanVniUnexpected } from './vxlan-vni-unexpected.js';
import { vxlanPortNotVxlan } from './vxlan-port-not-vxlan.js';
import { vxlanHeuristicPort } from './vxlan-heuristic-port.js';
import { geneveCriticalOption } from './geneve-critical-option.js';
import { outerChecksum } from './outer-checksum.js';
import { encapOuterFragmented } from './encap-outer-fragmented.js';
import { encapMtu } from './encap-mtu.js';
import { encapDf } from './encap-df.js';
import { icmpFragNeeded } from './icmp-frag-needed.js';
import { nvgreKeyMissing } from './nvgre-key-missing.js';
import { arpBroadcastStorm } from './arp-broadcast-storm.js';
import { tunnelPairs } from './tunnel-pairs.js';
import { bgpNotification } from './bgp-notification.js';
import { bgpHoldTime } from './bgp-hold-time.js';

export const RULE_MODULES: readonly RuleModuleFactory[] = [
  vxlanNonstandardPort,
  vxlanPortCollision,
  vxlanIFlag,
  vxlanReservedBits,
  vxlanVniZero,
  vxlanPortNotVxlan,
  vxlanHeuristicPort,
  geneveCriticalOption,
  outerChecksum,
  encapOuterFragmented,
  encapMtu,
  encapDf,
  icmpFragNeeded,
  nvgreKeyMissing,
  arpBroadcastStorm,
  tunnelPairs,
  bgpNotification,
  bgpHoldTime,
  vxlanVniUnexpected,
];
