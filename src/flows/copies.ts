// Pairs the copies of one packet seen at several capture points of a `tcpdump -i any` (SLL2
// interface index) or multi-interface pcapng capture: pod veth, bridge, flannel.1 / vxlan.calico,
// then encapsulated on eth0. A fingerprint of the innermost packet (addresses, protocol, IP ID,
// ports, TCP seq, length) seen again within a short window at a *different* capture point is a
// copy; at the same capture point it is a retransmission or a duplicate, which is not our call here.
// Direct-mapped table: fixed memory, no allocation, a collision just forgets the older packet.

const SLOTS = 1 << 14;

export class CopyDetector {
  private readonly fp = new Uint32Array(SLOTS);
  private readonly check = new Uint32Array(SLOTS);
  private readonly sec = new Float64Array(SLOTS);
  private readonly nsec = new Int32Array(SLOTS);
  private readonly point = new Int32Array(SLOTS);
  private readonly flow = new Int32Array(SLOTS).fill(-1);
  /** A second flow that counted a sighting of the same packet (e.g. the plain flow of a VXLAN packet). */
  private readonly flow2 = new Int32Array(SLOTS).fill(-1);
  /** Set by observe(): the copy belongs to a flow that has already counted this packet. */
  seenByFlow = false;
  /** Window in nanoseconds within which a re-sighting counts as a copy. */
  constructor(private readonly windowNs = 20_000_000) {}

  /**
   * Looks the fingerprint up; returns the flow that carried the first sighting when this packet is
   * a copy of it, else -1 (and remembers this sighting).
   */
  observe(h1: number, h2: number, tsSec: number, tsNsec: number, point: number, flow: number): number {
    const s = h1 & (SLOTS - 1);
    this.seenByFlow = false;
    if (this.flow[s] >= 0 && this.fp[s] === h1 && this.check[s] === h2 && this.point[s] !== point) {
      const dt = (tsSec - this.sec[s]) * 1e9 + (tsNsec - this.nsec[s]);
      if (dt >= 0 && dt <= this.windowNs) {
        // A packet seen at three points (VXLAN on eth0, then plain on vxlan.calico and on the pod's
        // veth) belongs to two flows; each flow counts it once.
        if (this.flow[s] === flow || this.flow2[s] === flow) this.seenByFlow = true;
        else if (this.flow2[s] < 0) this.flow2[s] = flow;
        return this.flow[s];
      }
    }
    this.fp[s] = h1;
    this.check[s] = h2;
    this.sec[s] = tsSec;
    this.nsec[s] = tsNsec;
    this.point[s] = point;
    this.flow[s] = flow;
    this.flow2[s] = -1;
    return -1;
  }

  /** Flow indexes were renumbered (after eviction): apply old -> new. */
  remap(map: Int32Array): void {
    for (let s = 0; s < SLOTS; s++) {
      const f = this.flow[s], g = this.flow2[s];
      if (f >= 0) this.flow[s] = f < map.length ? map[f] : -1;
      if (g >= 0) this.flow2[s] = g < map.length ? map[g] : -1;
    }
  }
}
