// The streaming library API (src/api.ts): packets() and flows() on the fixtures, with the
// expected values from tshark's fields (skipped visibly when tshark is absent), and packets()'s
// back-pressure checked by counting the chunks it pulls from its input.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packets, flows, CaptureError, type DissectedPacket } from '../src/index.js';
import { tsharkPath } from './helpers/tshark.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const TSHARK = tsharkPath();
if (!TSHARK) console.warn('api.test: tshark not installed: the comparisons with tshark are skipped');

/** tshark `-T fields` rows as arrays of column strings. */
function tshark(file: string, args: string[], fields: string[]): string[][] {
  const out = execFileSync(TSHARK!, ['-r', file, ...args, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

async function collect(it: AsyncIterable<DissectedPacket>): Promise<DissectedPacket[]> {
  const out: DissectedPacket[] = [];
  for await (const p of it) out.push(p);
  return out;
}

describe.skipIf(!TSHARK)('packets() against tshark', () => {
  it('yields every frame with its VXLAN VNI (flannel port 8472)', async () => {
    const file = join(FIX, 'vxlan-8472.pcap');
    const expected = tshark(file, ['-d', 'udp.port==8472,vxlan'], ['frame.number', 'vxlan.vni']).map(([f, v]) => [Number(f), Number(v)]);
    const got: number[][] = [];
    for await (const p of packets(file)) {
      for (const l of p.layers) if (l.proto === 'vxlan') got.push([p.frame, l.vni]);
    }
    expect(expected.length).toBe(10);
    expect(got).toEqual(expected);
  });

  it('a predicate filter keeps the capture\'s frame numbers (inner ICMP echo requests, as tshark -Y)', async () => {
    const file = join(FIX, 'vxlan-8472.pcap');
    const expected = tshark(file, ['-d', 'udp.port==8472,vxlan', '-Y', 'icmp.type == 8'], ['frame.number']).map(([f]) => Number(f));
    const got = await collect(packets(file, { filter: (p) => p.layers.some((l) => l.proto === 'icmp' && l.type === 8) }));
    expect(expected).toEqual([1, 3, 5]);
    expect(got.map((p) => p.frame)).toEqual(expected);
  });

  it('a display-filter string selects the frames tshark -Y selects (VXLAN on 8472 bound as tshark -d does)', async () => {
    const file = join(FIX, 'vxlan-8472.pcap');
    for (const filter of ['icmp.type == 8', 'ip.dst == 10.244.1.0/24', 'udp.srcport > 40000', 'ip.src == 192.168.56.11 && icmp']) {
      const expected = tshark(file, ['-d', 'udp.port==8472,vxlan', '-Y', filter], ['frame.number']).map(([f]) => Number(f));
      const got = await collect(packets(file, { filter, vxlanPorts: [8472] }));
      expect(got.map((p) => p.frame), filter).toEqual(expected);
    }
  });

  it('vxlanPorts binds a port as tshark -d does (Weave 6784, VNI 9047054)', async () => {
    const file = join(FIX, 'vxlan-6784.pcap');
    const expected = tshark(file, ['-d', 'udp.port==6784,vxlan'], ['frame.number', 'vxlan.vni', 'ip.src']).map(([f, v, src]) => ({ frame: Number(f), vni: Number(v), src: src.split(',') }));
    const got = (await collect(packets(file, { vxlanPorts: [6784] }))).map((p) => ({
      frame: p.frame,
      vni: p.layers.flatMap((l) => (l.proto === 'vxlan' ? [l.vni] : []))[0],
      src: p.layers.flatMap((l) => (l.proto === 'ipv4' ? [l.src] : [])),
    }));
    expect(got).toEqual(expected);
  });

  it('limit stops after N records', async () => {
    const got = await collect(packets(join(FIX, 'vxlan-4789.pcap'), { limit: 3 }));
    expect(got.map((p) => p.frame)).toEqual([1, 2, 3]);
  });
});

describe.skipIf(!TSHARK)('flows() against tshark', () => {
  it('lists the two inner TCP connections of vxlan-4789.pcap with tshark\'s frame counts (conv,tcp)', async () => {
    const file = join(FIX, 'vxlan-4789.pcap');
    const conv = execFileSync(TSHARK!, ['-r', file, '-q', '-z', 'conv,tcp'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    // "10.244.1.5:43210 <-> 10.244.2.7:80  4 531 bytes  6 716 bytes  10 1247 bytes ...": A, B, then frames B->A, A->B, total.
    const rows = [...conv.matchAll(/^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+) \d+ bytes\s+(\d+) \d+ bytes\s+(\d+) \d+ bytes/gm)].map((m) => ({
      ends: [`${m[1]}:${m[2]}`, `${m[3]}:${m[4]}`].sort(), packets: Number(m[7]),
    }));
    expect(rows.length).toBe(2);
    const got = await flows(file);
    expect(got.every((f) => f.class === 'vxlan' && f.protocol === 6)).toBe(true);
    const mine = got.map((f) => ({ ends: [`${f.orig.ip}:${f.orig.port}`, `${f.resp.ip}:${f.resp.port}`].sort(), packets: f.packets }));
    expect(mine.sort((a, b) => a.ends[0].localeCompare(b.ends[0]))).toEqual(rows.sort((a, b) => a.ends[0].localeCompare(b.ends[0])));
  });

  it('classes and top select flows', async () => {
    const file = join(FIX, 'vxlan-4789.pcap');
    expect(await flows(file, { classes: ['ipip'] })).toEqual([]);
    const top = await flows(file, { sort: 'packets', top: 1 });
    expect(top.length).toBe(1);
    expect(top[0].packets).toBe(10); // tshark conv,tcp: 10.244.1.5:43210 <-> 10.244.2.7:80, 10 frames
  });
});

describe('errors', () => {
  it('packets() throws CaptureError for a file that is not a capture', async () => {
    await expect(collect(packets(join(FIX, 'README.md')))).rejects.toBeInstanceOf(CaptureError);
  });

  it('flows() throws CaptureError for a missing file', async () => {
    await expect(flows(join(FIX, 'no-such-file.pcap'))).rejects.toBeInstanceOf(CaptureError);
  });

  it('packets() rejects a display filter with a mistake, naming its column, before reading', async () => {
    await expect(collect(packets(join(FIX, 'vxlan-4789.pcap'), { filter: 'vxlan.vni == ' }))).rejects.toThrow(/column/);
  });
});

describe('back-pressure', () => {
  it('reads the input only as far as the loop has asked for packets', async () => {
    // 200 copies of the records of vxlan-4789.pcap (one pcap), handed over 4 KiB at a time.
    const pcap = readFileSync(join(FIX, 'vxlan-4789.pcap'));
    const header = pcap.subarray(0, 24), records = pcap.subarray(24);
    const whole = Buffer.concat([header, ...Array.from({ length: 200 }, () => records)]);
    const CHUNK = 4096;
    const total = Math.ceil(whole.length / CHUNK);
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let o = 0; o < whole.length; o += CHUNK) {
        pulled++;
        yield whole.subarray(o, o + CHUNK);
      }
    }
    let n = 0;
    for await (const p of packets(source())) {
      expect(p.frame).toBe(++n);
      if (n === 5) break;
    }
    expect(total).toBeGreaterThan(100);
    // The first chunk holds the first 5 records; a reader that drained its input would have pulled all of them.
    expect(pulled).toBeLessThanOrEqual(2);
  });
});
