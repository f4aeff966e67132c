// The traffic classes (SPEC "Traffic classes") in one table: the id the decoder writes, the name
// JSON, CSV and text print, the label and colour of the HTML report, and whether the class is a
// tunnel. CLASS_NAME (dissectors/packet.ts), the report's colours and labels and the overhead section's
// tunnel names are all read from here.

/** What the program knows about one traffic class. */
export interface TrafficClassInfo {
  /** TrafficClass id (the index in this table). */
  readonly id: number;
  /** The name in JSON, CSV and text output. */
  readonly name: string;
  /** The human label of the HTML report (and the overhead section's tunnel names). */
  readonly label: string;
  /** The colour of the class in every chart and table of the report (Tableau 10, colour-blind aware). */
  readonly colour: string;
  /** An encapsulation (its packets carry an inner packet), as opposed to plain IP or non-IP traffic. */
  readonly tunnel: boolean;
}

export const TRAFFIC_CLASSES = [
  { id: 0, name: 'other', label: 'other (non-IP)', colour: '#edc948', tunnel: false },
  { id: 1, name: 'underlay', label: 'underlay', colour: '#a0a0a0', tunnel: false },
  { id: 2, name: 'routed', label: 'routed (pod, no encapsulation)', colour: '#59a14f', tunnel: false },
  { id: 3, name: 'vxlan', label: 'VXLAN', colour: '#4e79a7', tunnel: true },
  { id: 4, name: 'geneve', label: 'Geneve', colour: '#76b7b2', tunnel: true },
  { id: 5, name: 'ipip', label: 'IP-in-IP', colour: '#f28e2b', tunnel: true },
  { id: 6, name: 'gre', label: 'GRE', colour: '#b07aa1', tunnel: true },
  { id: 7, name: 'nvgre', label: 'NVGRE', colour: '#9c755f', tunnel: true },
  { id: 8, name: 'wireguard', label: 'WireGuard', colour: '#e15759', tunnel: true },
] as const satisfies readonly TrafficClassInfo[];

/** A class name as JSON prints it: 'vxlan', 'underlay', ... */
export type TrafficClassName = (typeof TRAFFIC_CLASSES)[number]['name'];

/** Class names by TrafficClass id. */
export const CLASS_NAMES: readonly TrafficClassName[] = TRAFFIC_CLASSES.map((c) => c.name);

/** The table row of a class name, or undefined for a name that is no class. */
export function classInfo(name: string): TrafficClassInfo | undefined {
  return TRAFFIC_CLASSES.find((c) => c.name === name);
}
