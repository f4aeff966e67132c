// `flows --stream` (issue 14): records written as flows end, Zeek conn.log style.
// 1. A capture built here with flows whose ends are known by construction (FIN both ways, RST, an
//    idle UDP flow, a long TCP flow split by --active-timeout, a UDP flow that lives to the end):
//    the records, their order, reasons, parts and packet counts follow from the rules.
// 2. On every fixture capture, the streamed records are the batch flows (same keys, same
//    counters) when no timeout splits them, and the class totals are the same.
// 3. Through a pipe: a record is on stdout while the writer still holds the pipe open.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAnalyses } from '../src/engine/analyze.js';
import { streamFlows } from '../src/analyses/flows/stream.js';
import type { FlowObject } from '../src/analyses/flows/analysis.js';
import { ETHERTYPE_IPV4, eth, ipv4, tcp, udp } from '../test-support/bytes.js';
import { writePcap, type PcapRecord } from '../test-support/capture.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tunnelscope.js');
const built = existsSync(join(ROOT, 'dist', 'src', 'analyses', 'flows', 'stream.js'));
if (!built) console.warn('flows-stream: dist/ is not built (run npm run build); skipping the pipe test');

const T0 = 1_700_000_000;
const SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04, PSH = 0x08;

function tcpFrame(src: string, dst: string, sport: number, dport: number, flags: number, payload: number[] = []): Uint8Array {
  return eth({ src: '52:54:00:00:00:01', dst: '52:54:00:00:00:02', type: ETHERTYPE_IPV4 },
    ipv4({ src, dst, protocol: 6 }, tcp({ src: sport, dst: dport, flags }, payload)));
}
function udpFrame(src: string, dst: string, sport: number, dport: number): Uint8Array {
  return eth({ src: '52:54:00:00:00:01', dst: '52:54:00:00:00:02', type: ETHERTYPE_IPV4 },
    ipv4({ src, dst, protocol: 17 }, udp({ src: sport, dst: dport }, [1, 2, 3, 4])));
}

/**
 * A: TCP 10.0.0.1:40000 -> 10.0.0.2:80, handshake, one request, FIN both ways, last ACK (t 0..0.5).
 * B: UDP 10.0.0.3:5353 -> 10.0.0.4:53 at t 0.1 and 1.
 * C: TCP 10.0.0.5:40001 -> 10.0.0.6:443, SYN at 1.5 then RST from the server at 2.
 * D: UDP 10.0.0.7:123 <-> 10.0.0.8:123 every 10 s from 0 to 100 (keeps capture time moving).
 * E: TCP 10.0.0.9:40002 -> 10.0.0.10:22, one data segment every second from t 0.25 to 25.25.
 */
function capture(): { records: PcapRecord[]; bytes: Uint8Array } {
  const r: { t: number; data: Uint8Array }[] = [];
  r.push({ t: 0, data: tcpFrame('10.0.0.1', '10.0.0.2', 40000, 80, SYN) });
  r.push({ t: 0.1, data: tcpFrame('10.0.0.2', '10.0.0.1', 80, 40000, SYN | ACK) });
  r.push({ t: 0.2, data: tcpFrame('10.0.0.1', '10.0.0.2', 40000, 80, ACK | PSH, [71, 69, 84]) });
  r.push({ t: 0.3, data: tcpFrame('10.0.0.1', '10.0.0.2', 40000, 80, FIN | ACK) });
  r.push({ t: 0.4, data: tcpFrame('10.0.0.2', '10.0.0.1', 80, 40000, FIN | ACK) });
  r.push({ t: 0.5, data: tcpFrame('10.0.0.1', '10.0.0.2', 40000, 80, ACK) });
  r.push({ t: 0.1, data: udpFrame('10.0.0.3', '10.0.0.4', 5353, 53) });
  r.push({ t: 1, data: udpFrame('10.0.0.3', '10.0.0.4', 5353, 53) });
  r.push({ t: 1.5, data: tcpFrame('10.0.0.5', '10.0.0.6', 40001, 443, SYN) });
  r.push({ t: 2, data: tcpFrame('10.0.0.6', '10.0.0.5', 443, 40001, RST | ACK) });
  for (let t = 0; t <= 100; t += 10) r.push({ t: t + 0.05, data: udpFrame(t % 20 ? '10.0.0.8' : '10.0.0.7', t % 20 ? '10.0.0.7' : '10.0.0.8', 123, 123) });
  for (let k = 0; k <= 25; k++) r.push({ t: k + 0.25, data: tcpFrame('10.0.0.9', '10.0.0.10', 40002, 22, ACK | PSH, [k]) });
  r.sort((a, b) => a.t - b.t);
  const records = r.map((x) => ({ sec: T0 + Math.floor(x.t), frac: Math.round((x.t % 1) * 1e6), data: x.data }));
  return { records, bytes: writePcap(records) };
}

function key(f: FlowObject): string {
  return JSON.stringify([f.class, f.tunnel && [f.tunnel.a, f.tunnel.b, f.tunnel.vni, f.tunnel.key, f.tunnel.dstPort], f.orig, f.resp, f.protocol, f.ethertype]);
}
function counters(f: FlowObject): unknown {
  return [f.packets, f.bytes, f.origPackets, f.origBytes, f.respPackets, f.respBytes, f.innerBytes, f.overheadBytes, f.firstTs, f.lastTs,
    f.tcpFlags, f.sizes, f.retransmissions, f.fragments, f.copies];
}

describe('flows --stream', () => {
  // Expiry is checked at the first packet of each new second of capture time, against that
  // packet's time, before the packet is counted.
  it('writes each flow when it ends: FIN and RST after the close delay, then idle flows, the rest at the end', async () => {
    const { bytes } = capture();
    const got: FlowObject[] = [];
    await streamFlows([(async function* () { yield bytes; })()], { quiet: true }, { idleTcp: 60, idleOther: 30, active: 0, closeDelay: 5 }, (r) => got.push(r));
    expect(got.map((r) => [r.orig.ip, r.ended, r.part ?? null, r.packets])).toEqual([
      // A: last packet 0.5; the check at 5.25 (E) sees 4.75 s, the one at 6.25 sees 5.75 s >= 5.
      ['10.0.0.1', 'fin', null, 6],
      // C: RST at 2; ended at the check of 7.25.
      ['10.0.0.5', 'rst', null, 2],
      // B: last packet 1; the check at 30.05 (D) sees 29.05 s, the one at 40.05 sees 39.05 s >= 30.
      ['10.0.0.3', 'idle', null, 2],
      // E: last packet 25.25; 60 s idle first seen by the check at 90.05.
      ['10.0.0.9', 'idle', null, 26],
      // D: a packet every 10 s, never 30 s idle: ends with the capture.
      ['10.0.0.7', 'capture-end', null, 11],
    ]);
    expect(got[0].tcpFlags).toEqual({ orig: 'SFPA', resp: 'SFA' });
  });

  it('--active-timeout splits a long flow into numbered parts', async () => {
    // E alone: one segment a second from 0.25 to 25.25.
    const records = capture().records.filter((r) => r.data[29] === 9 && r.data[26] === 10); // IPv4 source 10.0.0.9
    expect(records.length).toBe(26);
    const bytes = writePcap(records);
    const got: FlowObject[] = [];
    await streamFlows([(async function* () { yield bytes; })()], { quiet: true }, { idleTcp: 60, idleOther: 30, active: 10, closeDelay: 5 }, (r) => got.push(r));
    expect(got.map((r) => [r.ended, r.part, r.packets, r.firstTs, r.lastTs])).toEqual([
      // The check at 10.25 sees 10 s since the first packet (0.25): part 1 is 0.25..9.25.
      ['active', 1, 10, `${T0}.250000000`, `${T0 + 9}.250000000`],
      ['active', 2, 10, `${T0 + 10}.250000000`, `${T0 + 19}.250000000`],
      ['capture-end', 3, 6, `${T0 + 20}.250000000`, `${T0 + 25}.250000000`],
    ]);
    expect(new Set(got.map((r) => r.id)).size).toBe(1);
  });

  it('the streamed records of each fixture are its batch flows when no timeout splits them', async () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(pcap|pcapng)$/.test(n)) files.push(p);
      }
    };
    walk(join(ROOT, 'fixtures'));
    expect(files.length).toBeGreaterThan(20);
    const never = { idleTcp: 1e9, idleOther: 1e9, active: 0, closeDelay: 1e9 };
    for (const file of files) {
      const batchRun = await runAnalyses([file], { quiet: true, standard: 'bgp', workers: 1 });
      const { addBgpPodCidrs, bgpAnnounced } = await import('../src/engine/analyze.js');
      addBgpPodCidrs(batchRun.flows, bgpAnnounced(batchRun.extra));
      const batchSummary = batchRun.flows.finish();
      const batch = batchRun.flows.flows();
      const streamed: FlowObject[] = [];
      const s = await streamFlows([file], { quiet: true }, never, (r) => streamed.push(r));
      const index = (list: FlowObject[]) => {
        const m = new Map<string, unknown[]>();
        for (const f of list) { const k = key(f); m.set(k, [...(m.get(k) ?? []), counters(f)]); }
        return m;
      };
      expect(index(streamed), file).toEqual(index(batch));
      expect(s.summary.classes, file).toEqual(batchSummary.classes);
      expect(s.summary.tunnels, file).toEqual(batchSummary.tunnels);
      expect(s.summary.flowCount, file).toBe(batchSummary.flowCount);
    }
  }, 240_000);

  it.skipIf(!built).each([
    ['--stream', ['flows', '-', '--stream', '--json', '--quiet']],
    ['the default for --json on standard input', ['flows', '-', '--json', '--quiet']],
  ])('through a pipe (%s): a record is on stdout before the input ends', async (_label, args) => {
    const { records } = capture();
    // Everything up to and including D's packet at t 10.05: by then A (FIN) and C (RST) have ended.
    const cut = records.findIndex((r) => r.sec === T0 + 10 && r.frac === 50000) + 1;
    const whole = writePcap(records);
    const head = writePcap(records.slice(0, cut));
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let inputOpen = true;
    let recordWhileOpen = '';
    child.stdout.setEncoding('utf8');
    const firstRecord = new Promise<void>((resolve) => {
      child.stdout.on('data', (d: string) => {
        out += d;
        if (inputOpen && !recordWhileOpen && out.includes('\n')) { recordWhileOpen = out.split('\n')[0]; resolve(); }
      });
    });
    child.stdin.write(head);
    await firstRecord;
    // The rest of the capture (the same bytes as the whole file), then the end of the input.
    inputOpen = false;
    child.stdin.end(whole.subarray(head.length));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(status).toBe(0);
    expect(JSON.parse(recordWhileOpen)).toMatchObject({ orig: { ip: '10.0.0.1', port: 40000 }, ended: 'fin', packets: 6 });
    // A, C, B (idle), E (idle: no --active-timeout here), D (at the end).
    expect(out.split("\n").filter(Boolean).map((l) => JSON.parse(l).orig.ip)).toEqual(["10.0.0.1", "10.0.0.5", "10.0.0.3", "10.0.0.9", "10.0.0.7"]);
  }, 60_000);
});
