// Flows that carry no IP (ARP, LLDP) inside a tunnel or on the wire: one row per inner MAC pair and
// EtherType, in the tunnel it used, with `protocol: null`; never a row of the outer addresses with
// protocol 17 and port 0. Expected rows come from tshark's fields of a scapy capture
// (fixtures/flows/non-ip-tunnels.pcap, made by fixtures/gen/gen_flows.py).
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, runAnalyses } from '../src/engine/analyze.js';
import { renderReport } from '../src/render/html.js';
import { tsharkPath } from './helpers/tshark.js';

const ROOT = join(import.meta.dirname, '..');
const FILE = 'fixtures/flows/non-ip-tunnels.pcap';
const hasTshark = tsharkPath() !== null;
if (!hasTshark) console.warn('non-IP flows: tshark is not installed; skipping (CI installs it)');

interface Want {
  cls: string; tunnelA: string | null; tunnelB: string | null; id: number | null;
  origMac: string; respMac: string; ethertype: number; packets: number; bytes: number;
}

/** Non-IP flows from tshark: innermost Ethernet pair and type, outer addresses, VNI or VSID. */
function expected(): Want[] {
  const fields = ['frame.protocols', 'frame.len', 'eth.src', 'eth.dst', 'eth.type', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst',
    'vxlan.vni', 'gre.key'];
  const out = execFileSync('tshark', ['-n', '-r', FILE, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|',
    ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  const flows = new Map<string, Want>();
  for (const line of out.split('\n').filter(Boolean)) {
    const c = Object.fromEntries(line.split('\t').map((v, i) => [fields[i], v ? v.split('|') : []]));
    const protos: string[] = c['frame.protocols'][0].split(':');
    const lastIp = Math.max(protos.lastIndexOf('ip'), protos.lastIndexOf('ipv6'));
    const lastEth = protos.lastIndexOf('eth');
    if (lastIp > lastEth) continue; // the innermost frame carries IP: an ordinary flow
    const tunnelled = lastIp >= 0;
    const outerSrc = c['ip.src'][0] ?? c['ipv6.src'][0] ?? null, outerDst = c['ip.dst'][0] ?? c['ipv6.dst'][0] ?? null;
    const cls = protos.includes('vxlan') ? 'vxlan' : protos.includes('gre') ? 'nvgre' : 'other';
    const id = c['vxlan.vni'][0] !== undefined ? Number(c['vxlan.vni'][0]) : c['gre.key'][0] !== undefined ? Number(c['gre.key'][0]) >>> 8 : null;
    const src = c['eth.src'].at(-1)!, dst = c['eth.dst'].at(-1)!;
    // eth.type of the innermost Ethernet header is its last occurrence.
    const ethertype = Number(c['eth.type'].at(-1));
    const key = [cls, [outerSrc, outerDst].sort().join('<>'), id, [src, dst].sort().join('<>'), ethertype].join('|');
    let w = flows.get(key);
    if (!w) {
      w = { cls, tunnelA: tunnelled ? outerSrc : null, tunnelB: tunnelled ? outerDst : null, id, origMac: src, respMac: dst, ethertype, packets: 0, bytes: 0 };
      flows.set(key, w);
    }
    w.packets++;
    w.bytes += Number(c['frame.len'][0]);
  }
  return [...flows.values()];
}

describe.skipIf(!hasTshark)('flows of traffic that carries no IP', () => {
  it('one row per inner MAC pair and EtherType, in its tunnel, originator first (JSON)', async () => {
    const want = expected();
    expect(want.filter((w) => w.cls !== 'other').length).toBeGreaterThanOrEqual(4);
    const run = await runAnalyses([FILE]);
    run.flows.finish();
    const flows = run.flows.flows();
    const nonIp = flows.filter((f) => f.protocol === null);
    const ours = nonIp.map((f) => ({
      cls: f.class, tunnelA: f.tunnel?.a ?? null, tunnelB: f.tunnel?.b ?? null, id: f.tunnel ? f.tunnel.vni : null,
      origMac: f.orig.mac, respMac: f.resp.mac, ethertype: f.ethertype, packets: f.packets, bytes: f.bytes,
    }));
    const order = (a: Want, b: Want) => JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect([...ours].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([...want].sort(order));
    for (const f of nonIp) expect({ orig: f.orig.ip, resp: f.resp.ip, ports: [f.orig.port, f.resp.port] }).toEqual({ orig: null, resp: null, ports: [null, null] });
    // The IP flow in the same tunnel keeps its addresses and ports.
    const tcp = flows.filter((f) => f.protocol === 6);
    expect(tcp.map((f) => [f.orig.ip, f.orig.port, f.resp.ip, f.resp.port, f.orig.mac])).toEqual([['10.244.1.5', 43000, '10.244.2.7', 80, undefined]]);
  });

  it('text and CSV show the MAC pair and the EtherType; the HTML flows table too', async () => {
    const text = spawnSync(process.execPath, ['bin/tunnelscope.js', 'flows', FILE], { cwd: ROOT, encoding: 'utf8' });
    expect(text.status).toBe(0);
    const nvgre = text.stdout.split('\n').find((l) => l.startsWith('nvgre'))!;
    expect(nvgre.split(/\s{2,}/).slice(0, 5)).toEqual(['nvgre', '192.168.56.11 > 192.168.56.20 vni 4660', '0a:58:0a:f4:01:05', '01:80:c2:00:00:0e', '0x88cc']);
    const csv = spawnSync(process.execPath, ['bin/tunnelscope.js', 'flows', FILE, '--csv'], { cwd: ROOT, encoding: 'utf8' });
    const [head, ...rows] = csv.stdout.trim().split('\n').map((l) => l.split(','));
    const col = (r: string[], name: string) => r[head.indexOf(name)];
    const lldp = rows.find((r) => col(r, 'class') === 'nvgre')!;
    // Issue 13: the CSV columns are the JSON record's fields with dotted names (orig.mac, not origMac).
    expect([col(lldp, 'orig.mac'), col(lldp, 'resp.mac'), col(lldp, 'ethertype'), col(lldp, 'protocol'), col(lldp, 'orig.ip')])
      .toEqual(['0a:58:0a:f4:01:05', '01:80:c2:00:00:0e', String(0x88cc), '', '']);
    const html = renderReport(await analyze([FILE], { quiet: true }));
    const flowsTable = html.slice(html.indexOf('id="flows-table"'));
    expect(flowsTable).toMatch(/0a:58:0a:f4:01:05<\/td><td[^>]*>01:80:c2:00:00:0e<\/td><td[^>]*>0x88cc</);
  });
});
