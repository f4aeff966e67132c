// BGP is bound to TCP ports through the decoder's binding table, like VXLAN to UDP ports: 179 by
// default, more with tshark's `-d tcp.port==P,bgp`. The capture is a real BIRD 2 session on port
// 1179 (fixtures/bgp/make-bird-port.sh); the expected messages and prefixes per frame come from
// tshark -d tcp.port==1179,bgp, and without the -d tshark decodes no BGP there
// (fixtures/bgp/bird-port-1179.expected.json).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bgpCommand } from '../src/commands/bgp.js';
import { dissectCommand } from '../src/commands/dissect.js';
import { lintCommand } from '../src/commands/lint.js';
import { packets } from '../src/api.js';
import { BgpAnalysis } from '../src/analyses/bgp/analysis.js';
import { PacketDecoder } from '../dissectors/decoder.js';
import { Driver } from '../src/engine/driver.js';
import { captureOutput as capture } from './helpers/output.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'bgp');
const PCAP = join(DIR, 'bird-port-1179.pcap');
const have = existsSync(PCAP);
if (!have) console.warn('bgp-port-binding: fixtures/bgp/bird-port-1179.pcap is missing; skipping');

interface ExpectedFrame { frame: number; src: string; types: number[]; nlri: string[]; withdrawn: string[] }
interface Expected { port: number; message_types: Record<string, number>; bgp_frames_without_decode_as: number; frames: ExpectedFrame[] }
const expected: Expected = have ? JSON.parse(readFileSync(join(DIR, 'bird-port-1179.expected.json'), 'utf8')) : ({} as Expected);
const DECODE_AS = ['-d', 'tcp.port==1179,bgp'];
const TYPE_NAMES: Record<string, string> = { 1: 'OPEN', 2: 'UPDATE', 3: 'NOTIFICATION', 4: 'KEEPALIVE', 5: 'ROUTE-REFRESH' };

afterEach(() => vi.restoreAllMocks());

interface BgpLayerJson { proto: string; typeCode: number; nlri?: string[]; withdrawn?: string[] }
/** Per frame with BGP: the message types and UPDATE prefixes of `dissect --json`, in tshark's shape. */
async function dissectFrames(...args: string[]): Promise<ExpectedFrame[]> {
  const { code, out } = await capture(() => dissectCommand.run([PCAP, '--json', ...args]));
  expect(code).toBe(0);
  const frames: ExpectedFrame[] = [];
  for (const line of out.trim().split('\n')) {
    const p = JSON.parse(line) as { frame: number; layers: (BgpLayerJson & { src?: string })[] };
    const bgp = p.layers.filter((l) => l.proto === 'bgp');
    if (bgp.length === 0) continue;
    const ip = p.layers.find((l) => l.proto === 'ipv4') as { src: string } | undefined;
    frames.push({ frame: p.frame, src: ip?.src ?? '', types: bgp.map((l) => l.typeCode),
      nlri: bgp.flatMap((l) => l.nlri ?? []), withdrawn: bgp.flatMap((l) => l.withdrawn ?? []) });
  }
  return frames;
}

describe.skipIf(!have)('BGP on a TCP port bound with -d tcp.port==P,bgp', () => {
  it('the capture is what the expectations describe (tshark found BGP only with the -d)', () => {
    expect(expected.port).toBe(1179);
    expect(expected.bgp_frames_without_decode_as).toBe(0);
    expect(expected.frames.length).toBeGreaterThan(0);
  });

  it('dissect: the same messages and prefixes per frame as tshark -d tcp.port==1179,bgp', async () => {
    expect(await dissectFrames(...DECODE_AS)).toEqual(expected.frames);
  });

  it('without -d the session on 1179 is plain TCP, as in tshark', async () => {
    expect(await dissectFrames()).toEqual([]);
    const { out } = await capture(() => bgpCommand.run([PCAP, '--json']));
    const doc = JSON.parse(out);
    expect(doc.summary.segments).toBe(0);
    expect(doc.summary.messages).toBe(0);
  });

  it('the filter fields bgp and bgp.type follow the binding', async () => {
    const frames = async (...args: string[]) => {
      const { out } = await capture(() => dissectCommand.run([PCAP, '--json', ...args]));
      return out.trim() === '' ? [] : out.trim().split('\n').map((l) => (JSON.parse(l) as { frame: number }).frame);
    };
    expect(await frames('-Y', 'bgp', ...DECODE_AS)).toEqual(expected.frames.map((f) => f.frame));
    expect(await frames('-Y', 'bgp.type == 2', ...DECODE_AS)).toEqual(expected.frames.filter((f) => f.types.includes(2)).map((f) => f.frame));
    expect(await frames('-Y', 'bgp')).toEqual([]);
  });

  it('bgp --json: message counts and route events match tshark', async () => {
    const { code, out } = await capture(() => bgpCommand.run([PCAP, '--json', ...DECODE_AS]));
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    const counts = Object.fromEntries(Object.entries(expected.message_types).map(([t, n]) => [TYPE_NAMES[t], n]));
    expect(doc.summary.messagesByType).toMatchObject(counts);
    expect(doc.summary.sessions).toBe(1);
    expect(doc.sessions[0].peers.map((p: { ip: string }) => p.ip)).toEqual(['10.0.1.1', '10.0.1.2']);
    expect(doc.sessions[0].connections[0].server).toBe('10.0.1.2:1179');
    const events = (action: string) => doc.routeEvents.filter((e: { action: string }) => e.action === action).map((e: { frame: number; prefix: string }) => `${e.frame} ${e.prefix}`);
    expect(events('announce')).toEqual(expected.frames.flatMap((f) => f.nlri.map((p) => `${f.frame} ${p}`)));
    expect(events('withdraw')).toEqual(expected.frames.flatMap((f) => f.withdrawn.map((p) => `${f.frame} ${p}`)));
    // A filter on the bgp command's own selection reassembles on the bound port too.
    const sel = JSON.parse((await capture(() => bgpCommand.run([PCAP, '--json', '-Y', 'bgp || tcp', ...DECODE_AS]))).out);
    expect(sel.summary.messages).toBe(doc.summary.messages);
  });

  it('lint and analyze run their BGP analysis on the bound port', async () => {
    const { out } = await capture(() => lintCommand.run([PCAP, '--json', ...DECODE_AS]));
    const lint = JSON.parse(out);
    // The Cease NOTIFICATION is what the BGP rule reports (it needs the BGP analysis to see the session).
    expect(lint.notEvaluated ?? []).not.toContain('BGP_NOTIFICATION');
    expect(JSON.stringify(lint.findings)).toContain('BGP_NOTIFICATION');
    const none = JSON.parse((await capture(() => lintCommand.run([PCAP, '--json']))).out);
    expect(JSON.stringify(none.findings)).not.toContain('BGP_NOTIFICATION');
  });

  it('the library: BgpAnalysis follows the tables it is given; packets() follows bgpPorts', async () => {
    const run = async (ports: number[]) => {
      const decoder = new PacketDecoder({ bgpPorts: ports });
      const bgp = new BgpAnalysis(undefined, { tables: decoder.tables });
      await new Driver(decoder, [bgp], { facts: false }).readFile(PCAP, 0, PCAP);
      return bgp.finish().summary.messages;
    };
    const total = Object.values(expected.message_types).reduce((a, b) => a + b, 0);
    expect(await run([1179])).toBe(total);
    expect(await run([])).toBe(0);
    let layers = 0;
    for await (const p of packets(PCAP, { bgpPorts: [1179] })) layers += p.layers.filter((l) => l.proto === 'bgp').length;
    expect(layers).toBe(total);
  });
});

const DIST = new URL('../dist/src/index.js', import.meta.url);
describe.skipIf(!have || !existsSync(DIST))('the binding crosses to worker threads', () => {
  it('several files on workers and one file in record ranges find the same BGP as one thread', async () => {
    const { analyze } = await import(DIST.href);
    const one = await analyze(PCAP, { workers: 1, bgpPorts: [1179] });
    const total = Object.values(expected.message_types).reduce((a, b) => a + b, 0);
    expect(one.bgp.summary.messages).toBe(total);
    const split = await analyze(PCAP, { workers: 2, parallelThreshold: 0, bgpPorts: [1179] });
    expect(split.bgp).toEqual(one.bgp);
    const files = await analyze([PCAP, PCAP], { workers: 2, parallelThreshold: 0, bgpPorts: [1179] });
    expect(files.bgp.summary.messages).toBe(2 * total);
  });
});
