// `analyze --interval` (issue 14): a rolling view while a stream is read. A capture is fed through
// a pipe in two parts; while the writer waits, a view on standard error (one JSON object per line
// with --json) must show exactly the first part: its packets and bytes per class and its tunnel,
// known from how the packets were built. The final report on standard output is the same document
// as without --interval.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, eth, ipv4, udp, vxlan } from '../test-support/bytes.js';
import { writePcap, type PcapRecord } from '../test-support/capture.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tunnelscope.js');
const built = existsSync(join(ROOT, 'dist', 'src', 'live', 'rolling.js'));
if (!built) console.warn('live-interval: dist/ is not built (run npm run build); skipping');

const T0 = 1_700_000_000;
/** VXLAN (VNI 4096, UDP 4789) between 192.168.1.10 and 192.168.1.20 carrying pod UDP, and plain node UDP. */
function vxlanFrame(i: number): Uint8Array {
  const inner = eth({ src: '0a:58:0a:f4:00:05', dst: '0a:58:0a:f4:01:05', type: ETHERTYPE_IPV4 },
    ipv4({ src: '10.244.0.5', dst: '10.244.1.5', protocol: 17 }, udp({ src: 5000, dst: 6000 }, new Array(20 + i).fill(7))));
  return eth({ src: '52:54:00:00:00:01', dst: '52:54:00:00:00:02', type: ETHERTYPE_IPV4 },
    ipv4({ src: i % 2 ? '192.168.1.20' : '192.168.1.10', dst: i % 2 ? '192.168.1.10' : '192.168.1.20', protocol: 17 },
      udp({ src: 40000 + i, dst: 4789 }, vxlan({ vni: 4096 }, inner))));
}
function plainFrame(i: number): Uint8Array {
  return eth({ src: '52:54:00:00:00:01', dst: '52:54:00:00:00:02', type: ETHERTYPE_IPV4 },
    ipv4({ src: '192.168.1.10', dst: '192.168.1.30', protocol: 17 }, udp({ src: 1234, dst: 53 }, new Array(10 + i).fill(1))));
}

describe.skipIf(!built)('analyze --interval', () => {
  it('shows the packets read so far while the stream waits; the final report is unchanged', async () => {
    const first: PcapRecord[] = Array.from({ length: 10 }, (_, i) => ({ sec: T0, frac: i * 1000, data: vxlanFrame(i) }));
    const rest: PcapRecord[] = Array.from({ length: 5 }, (_, i) => ({ sec: T0 + 1, frac: i * 1000, data: plainFrame(i) }));
    const whole = writePcap([...first, ...rest]);
    const head = writePcap(first);
    // Every VXLAN frame: 14 Ethernet + 20 IP + 8 UDP + 8 VXLAN + 14 + 20 + 8 + payload (20 + i).
    const firstBytes = first.reduce((n, _, i) => n + 14 + 20 + 8 + 8 + 14 + 20 + 8 + 20 + i, 0);

    const child = spawn(process.execPath, [BIN, 'analyze', '-', '--json', '--interval', '0.2', '--quiet'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    let seen: Record<string, unknown> | null = null;
    const viewOfFirst = new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        for (const line of stderr.split('\n').filter((l) => l.startsWith('{'))) {
          const v = JSON.parse(line);
          if (!seen && v.packets === 10) { seen = v; resolve(); }
        }
      });
    });
    child.stdin.write(head);
    await viewOfFirst;
    child.stdin.end(whole.subarray(head.length));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(status).toBe(0);
    expect(seen).toMatchObject({
      packets: 10, bytes: firstBytes,
      classes: { vxlan: { packets: 10, bytes: firstBytes } },
      cni: expect.objectContaining({ verdict: expect.any(String) }),
    });
    const tunnels = (seen as unknown as { tunnels: { class: string; a: string; b: string; id: number; packets: number }[] }).tunnels;
    expect(tunnels[0]).toMatchObject({ class: 'vxlan', a: '192.168.1.10', b: '192.168.1.20', id: 4096 });
    // Every view line is JSON; standard output holds only the final report.
    const doc = JSON.parse(stdout);
    expect(doc.summary.packets).toBe(15);
    expect(doc.live).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'tunnelscope-interval-'));
    try {
      const file = join(dir, 'c.pcap');
      writeFileSync(file, whole);
      const plain = spawnSync(process.execPath, [BIN, 'analyze', file, '--json', '--quiet'], { encoding: 'utf8' });
      const again = JSON.parse(plain.stdout);
      // The same document apart from the input's name.
      doc.summary.files[0].name = again.summary.files[0].name;
      expect(doc).toEqual(again);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a bad --interval is a usage error', () => {
    const r = spawnSync(process.execPath, [BIN, 'analyze', '-', '--interval', 'soon'], { encoding: 'utf8', input: '' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--interval');
  });
});
