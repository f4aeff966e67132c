// The library's streaming API: packets() and flows(), the calls the README documents. Both take
// what the CLI takes (a file path, `-`, a Readable or an async iterable of bytes) and the same
// decoding options; neither needs any step the caller has to know about.
import { PacketDecoder, type DecoderOptions } from '../dissectors/decoder.js';
import { packetObject, type DissectedPacket } from '../dissectors/dissect.js';
import { readCapture, type CaptureInput } from './reader/capture.js';
import { BgpTracker } from './analyses/bgp/tracker.js';
import { Selection } from './filter/options.js';
import { CaptureError, type CaptureRecord } from './reader/record.js';
import type { PacketState } from '../dissectors/packet.js';
import { addBgpPodCidrs, bgpAnnounced, runAnalyses, type AnalyzeOptions } from './engine/analyze.js';
import type { FlowObject } from './analyses/flows/analysis.js';
import type { TrafficClassName } from './classes.js';

/** Keeps a packet when it returns true. */
export type PacketPredicate = (p: DissectedPacket) => boolean;

export interface PacketsOptions extends DecoderOptions {
  /**
   * Which packets to yield: a predicate over the dissected packet, or a display-filter string
   * (Wireshark syntax, e.g. `vxlan.vni == 42`). Frame numbers stay the capture's own.
   */
  filter?: string | PacketPredicate;
  /** Stop after this many records read (matching or not), like `dissect -c N` before filtering. */
  limit?: number;
}

/** The `filter` option made runnable: a test on the decoded state (before any object is built) or on the packet object. */
interface PacketTest {
  /** A compiled display filter: runs on the reused decode state, so skipped packets cost no objects. */
  state: ((r: CaptureRecord, st: PacketState) => boolean) | null;
  /** The caller's predicate, on the packet object. */
  packet: PacketPredicate | null;
}

/**
 * A display-filter string compiles here, once, into `state` (a predicate over the decoded state,
 * src/filter/), reading its `bgp` fields from the packets() tracker. A mistake in it throws
 * SelectionError with the column, before anything is read.
 */
function packetTest(filter: PacketsOptions['filter'], bgp: BgpTracker): PacketTest {
  if (filter === undefined) return { state: null, packet: null };
  if (typeof filter === 'function') return { state: null, packet: filter };
  const sel = new Selection({ filter });
  sel.useBgpTracker(bgp);
  sel.startFile();
  return { state: (r, st) => sel.accept(r, st), packet: null };
}

/**
 * The packets of a capture, dissected, as `dissect --json` prints them (SPEC "JSON schemas"):
 *
 *     for await (const p of packets('node.pcap', { vxlanPorts: [8472] })) {
 *       for (const l of p.layers) if (l.proto === 'vxlan') console.log(p.frame, l.vni);
 *     }
 *
 * The capture is read a chunk (1 MiB) at a time as the loop asks for packets: a slow loop slows
 * the reading, and a large file is never held in memory. Leaving the loop early (break, return,
 * throw) closes the input. Throws CaptureError when the input is not a capture at all; damage
 * part way ends the packets early, as in the CLI. BGP messages come as `bgp` layers on the packet
 * in which each message completes (TCP port 179, and the ports `bgpPorts` adds, are reassembled).
 */
export async function* packets(input: CaptureInput, options: PacketsOptions = {}): AsyncGenerator<DissectedPacket, void, undefined> {
  const decoder = new PacketDecoder(options);
  const bgp = new BgpTracker({ layers: true, tables: decoder.tables });
  const test = packetTest(options.filter, bgp);
  const bgpLayers = (frame: number) => bgp.layersFor(frame);
  for await (const r of readCapture(input, { limit: options.limit })) {
    const st = decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype);
    // Every packet goes to the BGP tracker, matching or not: messages span segments.
    bgp.onPacket(r, st);
    if (test.state !== null && !test.state(r, st)) continue;
    const p = packetObject(r, st, bgpLayers);
    if (test.packet === null || test.packet(p)) yield p;
  }
}

export interface FlowsOptions extends Omit<AnalyzeOptions, 'standard' | 'core' | 'extraAnalyses' | 'top' | 'allRoutes'> {
  /** Order, largest first (default 'bytes'). */
  sort?: 'packets' | 'bytes' | 'duration';
  /** Only the first N flows after sorting. */
  top?: number;
  /** Only flows of these classes. */
  classes?: readonly TrafficClassName[];
}

/**
 * The flow records of one or more captures, as `flows --json` prints them: routed vs underlay
 * settled with the pod CIDRs given, inferred and announced over BGP in the capture. Flows evicted
 * at the `maxFlows` cap are not listed (analyze() counts them). Throws CaptureError when an input
 * cannot be read at all.
 */
export async function flows(input: CaptureInput | readonly CaptureInput[], options: FlowsOptions = {}): Promise<FlowObject[]> {
  const inputs: readonly CaptureInput[] = Array.isArray(input) ? input : [input];
  const { sort, top, classes, ...analysis } = options;
  // BGP runs too: its announced prefixes are pod CIDRs, which settle routed vs underlay. No
  // progress bar on the terminal unless asked for (quiet: false): this is a library call.
  const run = await runAnalyses(inputs, { quiet: true, ...analysis, standard: 'bgp' });
  const unreadable = run.files.find((f) => f.error !== null);
  if (unreadable?.error) throw new CaptureError(unreadable.error);
  addBgpPodCidrs(run.flows, bgpAnnounced(run.extra));
  run.flows.finish();
  return run.flows.flows({ sort, top, classes });
}
