// Pairs the copies of one packet seen at several capture points of a `tcpdump -i any` (SLL2
// interface index) or multi-interface pcapng capture: pod veth, bridge, flannel.1 / vxlan.calico,
// then encapsulated on eth0. A fingerprint of the innermost packet (addresses, protocol, IP ID,
// ports, TCP seq, length) seen again within a short window at a *different* capture point is a
// copy; at the same capture point it is a retransmission or a duplicate, which is not our call here.
// Direct-mapped table: fixed memory, no allocation, a collision just forgets the older packet.

const SLOTS = 1 << 14;
// One slot is 8 int32 words side by side (a packet touches one cache line, not seven arrays):
const FP = 0, CHECK = 1, SEC = 2, NSEC = 3, POINT = 4, FLOW = 5, FLOW2 = 6, WORDS = 8;

export class CopyDetector {
  /** Per slot: fingerprint, check hash, seconds (uint32), nanoseconds, capture point (int32 wrap), flow, second flow. */
  private readonly slot = new Int32Array(SLOTS * WORDS);
  /** Set by observe(): the copy belongs to a flow that has already counted this packet. */
  seenByFlow = false;
  /** Window in nanoseconds within which a re-sighting counts as a copy. */
  constructor(private readonly windowNs = 20_000_000) {
    for (let s = 0; s < SLOTS; s++) { this.slot[s * WORDS + FLOW] = -1; this.slot[s * WORDS + FLOW2] = -1; }
  }

  /**
   * Looks the fingerprint up; returns the flow that carried the first sighting when this packet is
   * a copy of it, else -1 (and remembers this sighting).
   */
  observe(h1: number, h2: number, tsSec: number, tsNsec: number, point: number, flow: number): number {
    const t = this.slot, b = (h1 & (SLOTS - 1)) * WORDS;
    this.seenByFlow = false;
    if (t[b + FLOW] >= 0 && t[b + FP] === (h1 | 0) && t[b + CHECK] === (h2 | 0) && t[b + POINT] !== (point | 0)) {
      const dt = (tsSec - (t[b + SEC] >>> 0)) * 1e9 + (tsNsec - t[b + NSEC]);
      if (dt >= 0 && dt <= this.windowNs) {
        // A packet seen at three points (VXLAN on eth0, then plain on vxlan.calico and on the pod's
        // veth) belongs to two flows; each flow counts it once.
        if (t[b + FLOW] === flow || t[b + FLOW2] === flow) this.seenByFlow = true;
        else if (t[b + FLOW2] < 0) t[b + FLOW2] = flow;
        return t[b + FLOW];
      }
    }
    t[b + FP] = h1;
    t[b + CHECK] = h2;
    t[b + SEC] = tsSec;
    t[b + NSEC] = tsNsec;
    t[b + POINT] = point;
    t[b + FLOW] = flow;
    t[b + FLOW2] = -1;
    return -1;
  }

  /** Forgets the sightings of flows no longer live (alive[flow] !== 1): their numbers get reused. */
  forget(alive: Uint8Array): void {
    const t = this.slot;
    for (let b = 0; b < SLOTS * WORDS; b += WORDS) {
      if (t[b + FLOW] >= 0 && alive[t[b + FLOW]] !== 1) { t[b + FLOW] = -1; t[b + FLOW2] = -1; }
      else if (t[b + FLOW2] >= 0 && alive[t[b + FLOW2]] !== 1) t[b + FLOW2] = -1;
    }
  }
}
