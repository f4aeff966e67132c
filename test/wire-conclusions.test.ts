// Issue 10 (items 2, 3, 6 and the pcapng numbering): what the analyses conclude from the wire-level
// fixtures of fixtures/gen/gen_wire.py. Expected values come from the generator's layout (RFC
// 5880 / 2637 / 791) and from tshark's view of the same files (fixtures/README.md).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runAnalyses } from '../src/engine/analyze.js';
import { runLint } from '../src/commands/lint.js';
import { ruleEvidence } from '../src/analyses/findings/filters.js';
import { forEachRecord } from '../src/reader/capture.js';
import { PcapngWriter } from '../test-support/capture.js';
import { filler } from '../test-support/bytes.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');

describe('UDP 6784/8472 payloads that are not VXLAN (heuristic-ports.pcap)', () => {
  it('no packet is classed vxlan: BFD and the rest are underlay', async () => {
    const run = await runAnalyses([join(FIX, 'heuristic-ports.pcap')]);
    run.flows.finish();
    const flows = run.flows.flows();
    // every() of no flows is true: there must be flows to judge.
    expect(flows.length).toBeGreaterThan(0);
    expect(flows.every((f) => f.class === 'underlay')).toBe(true);
    expect(flows.some((f) => f.tunnel !== null)).toBe(false);
  });

  it('lint still reports VXLAN_PORT_NOT_VXLAN for all 9 packets on 6784 and 8472, no VXLAN rule', async () => {
    const { lint } = await runLint([join(FIX, 'heuristic-ports.pcap')], { vxlanPorts: [], vnis: [] });
    const f = lint.findings.find((x) => x.rule === 'VXLAN_PORT_NOT_VXLAN');
    expect(f).toBeDefined();
    expect(f!.count).toBe(9);
    expect(f!.firstFrame).toBe(1);
    // 5 BFD packets on 6784; OTV-shaped, I-flag-clear, junk and 5 bytes on 8472 (1 too short).
    expect(ruleEvidence(f!.evidence)).toEqual({ ports: { 6784: 5, 8472: 4 }, tooShort: 1, noPlausibleInnerFrame: 8 });
    expect(lint.findings.map((x) => x.rule).filter((r) => r !== 'VXLAN_PORT_NOT_VXLAN' && r.startsWith('VXLAN'))).toEqual([]);
  });
});

describe('PPTP enhanced GRE (gre-pptp.pcap)', () => {
  it('one tunnel per call ID: the payload length in the key does not split a call', async () => {
    const run = await runAnalyses([join(FIX, 'gre-pptp.pcap')]);
    run.flows.finish();
    const byKey = new Map<number | null, number>();
    for (const f of run.flows.flows()) byKey.set(f.tunnel?.key ?? null, (byKey.get(f.tunnel?.key ?? null) ?? 0) + f.packets);
    // RFC 2637: each packet carries the peer's call ID: 6 towards the server (4 packets, payload
    // lengths 8, 40, 0, 8), 0x4001 towards the client (2 packets).
    expect([...byKey.entries()].sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0))).toEqual([[6, 4], [0x4001, 2]]);
  });
});

describe('a first fragment with 8 bytes of TCP (frag-tcp8.pcap)', () => {
  it('the flow has its ports, and the later fragment joins it', async () => {
    const run = await runAnalyses([join(FIX, 'frag-tcp8.pcap')]);
    run.flows.finish();
    const v4 = run.flows.flows().filter((f) => f.orig.ip === '10.0.0.1');
    expect(v4.map((f) => [f.orig.port, f.resp.port, f.packets])).toEqual([[40000, 443, 4]]);
    const v6 = run.flows.flows().filter((f) => f.orig.ip === 'fd00:10::1');
    expect(v6.map((f) => [f.orig.port, f.resp.port, f.packets])).toEqual([[40000, 443, 2]]);
  });
});

describe('frame numbers in a pcapng with custom blocks', () => {
  it('are Wireshark\'s: each custom block takes a number (tshark 4.0.17 lists them as frames 3 and 7)', async () => {
    const frames: number[] = [];
    await forEachRecord(join(FIX, 'opb-nrb-isb-custom.pcapng'), (r) => { frames.push(r.frame); });
    expect(frames).toEqual([1, 2, 4, 5, 6, 8, 9]);
  });

  it('a systemd journal export block takes a number too; a decryption secrets block does not', async () => {
    // tshark 4.0.17 on EPB, journal (9), EPB, DSB (0x0a), EPB, custom, EPB: frames 1, 2 (systemd_journal), 3, 4, 5 (custom), 6.
    const pkt = filler(60);
    const w = new PcapngWriter(false).idb(1).epb(0, 1n, pkt).block(9, [0x4d, 0x3d, 0x61, 0x0a]).epb(0, 2n, pkt)
      .block(0x0a, [0x4b, 0x53, 0x4c, 0x54, 4, 0, 0, 0, 1, 2, 3, 4]).epb(0, 3n, pkt).custom().epb(0, 4n, pkt);
    const frames: number[] = [];
    await forEachRecord((async function* () { yield w.bytes(); })(), (r) => { frames.push(r.frame); });
    expect(frames).toEqual([1, 3, 4, 6]);
  });
});
