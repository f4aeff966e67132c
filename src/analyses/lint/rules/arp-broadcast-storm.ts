// ARP_BROADCAST_STORM: more ARP broadcasts in one second than --arp-storm-rate.
import { R } from '../rules.js';
import { Proto, type PacketState } from '../../../../dissectors/packet.js';
import type { CaptureRecord } from '../../../reader/record.js';
import { ethDstIsBroadcast } from '../../../../dissectors/ethernet.js';
import { ARP_HLEN, ARP_PLEN, ARP_REQUEST, arpOperation, arpSenderIpv4, arpTargetMacUnknown } from '../../../../dissectors/arp.js';
import { PACKET_BROADCAST, PACKET_OUTGOING } from '../../../../dissectors/sll.js';
import { CountTable, type CountTableState, RateWindow, type RateWindowState, ipv4Text } from '../../../util/tables.js';
import { type FindingSink, type LintEnv, type RuleCounts, type RuleModule } from '../rule.js';

interface State { senders: CountTableState; rate: RateWindowState }

/** True when the ARP packet at layer i was broadcast: Ethernet to ff:..:ff (below any VLAN tags), SLL broadcast, or an outgoing request for an unknown MAC. */
function isBroadcast(st: PacketState, i: number): boolean {
  let link = i - 1;
  while (link >= 0 && st.kind[link] === Proto.VLAN) link--;
  if (link >= 0 && st.kind[link] === Proto.ETH) return ethDstIsBroadcast(st, link);
  if (i - 1 >= 0 && st.kind[i - 1] === Proto.VLAN) return false;
  if (st.pktType === PACKET_BROADCAST) return true;
  // An outgoing request in a cooked capture: broadcast when the target MAC is unknown (zero).
  return st.pktType === PACKET_OUTGOING && arpOperation(st, i) === ARP_REQUEST && st.buf[st.off[i] + ARP_HLEN] === 6 && arpTargetMacUnknown(st, i);
}

export function arpBroadcastStorm(env: LintEnv, counts: RuleCounts): RuleModule<State> {
  const rule = R.ARP_BROADCAST_STORM;
  /** [sender IPv4] */
  const senders = new CountTable(1, 4096);
  // ARP broadcasts in a sliding one-second window; each broadcast that finds more than the rate in
  // it is a match. The window counts the matches itself: a window that straddles the cut between
  // two ranges of a file is only known when the ranges merge (RateWindow.mergeState).
  const rate = new RateWindow(1, env.thresholds.arpStormRate);
  return {
    rules: [rule],
    onArp(r: CaptureRecord, st: PacketState, i: number, file: number): void {
      if (!counts.on(rule) || !isBroadcast(st, i)) return;
      const o = st.off[i];
      if (st.buf[o + ARP_HLEN] === 6 && st.buf[o + ARP_PLEN] === 4) {
        env.key[0] = arpSenderIpv4(st, i);
        senders.add(env.key, r.frame, file);
      }
      rate.push(r.tsSec + r.tsNsec * 1e-9, file, r.frame);
    },
    exportState: () => ({ senders: senders.exportState(), rate: rate.exportState() }),
    mergeState(s: State): void {
      senders.mergeState(s.senders);
      rate.mergeState(s.rate);
    },
    finish(out: FindingSink): void {
      if (rate.hits === 0) return;
      counts.count[rule] = rate.hits;
      counts.first[rule] = rate.firstHit;
      counts.firstFile[rule] = rate.firstHitFile;
      const top = senders.sorted().slice(0, 10).map((e) => ({ ip: ipv4Text(senders.keyOf(e)[0]), packets: senders.counts[e] }));
      out.add(rule, {
        count: counts.count[rule], firstFrame: counts.first[rule],
        message: `ARP broadcasts peaked at ${rate.peak} in one second (threshold ${env.thresholds.arpStormRate}/s)`,
        evidence: {
          peakPerSecond: rate.peak, threshold: env.thresholds.arpStormRate, windowStart: rate.peakStart.toFixed(6),
          broadcasts: rate.total, topSenders: top,
        },
      });
    },
  };
}
