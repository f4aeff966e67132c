// The dissector contract and the decoding tables, modelled on Wireshark's dissector tables
// (ethertype, ip.proto, udp.port, tcp.port) and gopacket's layer registry.
import type { PacketState } from './packet.js';
import type { Layer } from './layers.js';

/** What a dissector binds to. Each module exports one of these next to its code. */
export interface Registration {
  ethertype?: readonly number[];
  ipProto?: readonly number[];
  udpPort?: readonly number[];
  /**
   * UDP ports bound only when the payload passes the dissector's own plausibility check (a port
   * that another protocol also uses); when it fails, the port's `udpPortShared` owner decodes it.
   */
  udpPortHeuristic?: readonly number[];
  /** UDP ports this protocol shares with a heuristic binding: decoded here when that one declines. */
  udpPortShared?: readonly number[];
  tcpPort?: readonly number[];
}

/**
 * A JSON-ready description of one layer, as `dissect --json` prints it: the union of the
 * per-protocol layer types in dissectors/layers.ts, discriminated by `proto`.
 */
export type LayerObject = Layer;

/** A protocol's dissector; `L` is the layer type its describe() returns. */
export interface Dissector<L extends Layer = Layer> {
  readonly proto: number;
  readonly name: string;
  readonly registration: Registration;
  /**
   * Hot path: validate the header at `off` (payload bounded by `end`), push the layer into `st`
   * and name the next dissector with `st.then(...)`. Must not allocate and must not throw.
   */
  decode(st: PacketState, off: number, end: number, tables: DecodeTables): void;
  /** Cold path: the layer `i` of a decoded packet as a JSON object. */
  describe(st: PacketState, i: number): L;
  /** Cold path: a short human summary for the one-line text output. */
  summary?(st: PacketState, i: number): string;
}

/** Lookup tables from protocol numbers to dissector ids. Preallocated; lookups are array reads. */
export class DecodeTables {
  readonly ethertype = new Uint8Array(65536);
  readonly ipProto = new Uint8Array(256);
  readonly udpPort = new Uint8Array(65536);
  /** 1 where the udpPort binding is heuristic: the bound dissector checks the payload first. */
  readonly udpHeuristic = new Uint8Array(65536);
  /** What a heuristic port decodes when its bound dissector declines (0: nothing, the payload stays UDP's). */
  readonly udpShared = new Uint8Array(65536);
  readonly tcpPort = new Uint8Array(65536);

  bind(d: Dissector): void {
    const r = d.registration;
    for (const v of r.ethertype ?? []) this.ethertype[v] = d.proto;
    for (const v of r.ipProto ?? []) this.ipProto[v] = d.proto;
    for (const v of r.udpPort ?? []) this.udpPort[v] = d.proto;
    for (const v of r.udpPortHeuristic ?? []) {
      this.udpPort[v] = d.proto;
      this.udpHeuristic[v] = 1;
    }
    for (const v of r.udpPortShared ?? []) this.udpShared[v] = d.proto;
    for (const v of r.tcpPort ?? []) this.tcpPort[v] = d.proto;
  }

  /** Binds UDP `port` to dissector `proto` without conditions (a user's `--vxlan-port`, `--geneve-port`). */
  bindUdpPort(port: number, proto: number): void {
    this.udpPort[port] = proto;
    this.udpHeuristic[port] = 0;
  }

  /** Binds TCP `port` to dissector `proto` (a user's `-d tcp.port==P,bgp`). */
  bindTcpPort(port: number, proto: number): void {
    this.tcpPort[port] = proto;
  }

  /** The port of (sport, dport) that selected dissector `proto` under udp()'s rule (destination first). */
  udpPortOf(proto: number, srcPort: number, dstPort: number): number {
    return this.udpPort[dstPort] === proto ? dstPort : srcPort;
  }

  /** Destination port first, then source port: a well-known source port must not win (tcpdump#1035). */
  udp(srcPort: number, dstPort: number): number {
    const d = this.udpPort[dstPort];
    return d !== 0 ? d : this.udpPort[srcPort];
  }

  tcp(srcPort: number, dstPort: number): number {
    const d = this.tcpPort[dstPort];
    return d !== 0 ? d : this.tcpPort[srcPort];
  }
}
