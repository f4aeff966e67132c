// tshark's Decode As on the command line: `-d udp.port==P,vxlan` (or geneve), with ranges P-Q and
// P:N as tshark reads them; --vxlan-port and --geneve-port stay as its short forms. Expected
// layers come from tshark given the same -d; a bad spec is a usage error (exit 2, one line).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDecodeAs } from '../dissectors/decoder.js';
import { concat, be16, be24, eth, ipv4, udp, vxlan, ETHERTYPE_IPV4 } from '../test-support/bytes.js';
import { writePcap } from '../test-support/capture.js';
import { runTshark, tsharkPath } from './helpers/tshark.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tunnelscope.js');
const built = existsSync(join(ROOT, 'dist', 'src', 'cli.js'));
if (!built) console.warn('decode-as: dist/ is not built (run npm run build); skipping the CLI tests');
const TSHARK = tsharkPath() !== null;
if (!TSHARK) console.warn('decode-as: tshark not installed, skipping the comparison with tshark -d');

const dir = mkdtempSync(join(tmpdir(), 'decode-as-'));
afterAll(() => { if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true }); });

const inner = eth({ src: '02:00:00:00:01:01', dst: '02:00:00:00:01:02', type: ETHERTYPE_IPV4 },
  ipv4({ src: '10.244.1.5', dst: '10.244.2.7', protocol: 17 }, udp({ src: 40000, dst: 53 }, [1, 2, 3, 4])));
/** Geneve (RFC 8926): ver/opt len(1) flags(1) protocol type(2) VNI(3) reserved(1). */
const geneve = (vni: number) => concat([0, 0], be16(0x6558), be24(vni), [0], inner);
const outer = (dport: number, payload: Uint8Array) => eth({ type: ETHERTYPE_IPV4 },
  ipv4({ src: '192.168.1.10', dst: '192.168.1.11', protocol: 17 }, udp({ src: 50000, dst: dport }, payload)));

// Ports nothing binds by default: 9999 and 7000-7002 carry VXLAN, 7081 Geneve.
const file = join(dir, 'odd-ports.pcap');
writeFileSync(file, writePcap([
  { sec: 1_700_000_000, frac: 1, data: outer(9999, vxlan({ vni: 4242 }, inner)) },
  { sec: 1_700_000_000, frac: 2, data: outer(7001, vxlan({ vni: 77 }, inner)) },
  { sec: 1_700_000_000, frac: 3, data: outer(7081, geneve(5001)) },
]));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Per frame: the VXLAN or Geneve VNI tunnelscope's dissect finds, or null. */
function vnis(...args: string[]): (number | null)[] {
  const r = cli('dissect', '--json', file, ...args);
  expect(r.status).toBe(0);
  return r.stdout.trim().split('\n').map((l) => {
    const layer = (JSON.parse(l) as { layers: { proto: string; vni?: number }[] }).layers.find((x) => x.proto === 'vxlan' || x.proto === 'geneve');
    return layer?.vni ?? null;
  });
}

describe('parseDecodeAs', () => {
  it('reads tshark\'s forms: one port, P-Q, P:N', () => {
    expect(parseDecodeAs('udp.port==8472,vxlan')).toEqual({ field: 'vxlanPorts', ports: [8472] });
    expect(parseDecodeAs('udp.port==6081-6083,geneve')).toEqual({ field: 'genevePorts', ports: [6081, 6082, 6083] });
    expect(parseDecodeAs('udp.port==7000:3,VXLAN')).toEqual({ field: 'vxlanPorts', ports: [7000, 7001, 7002] });
  });

  // Issue 11: BGP is bound through the TCP port table like VXLAN through the UDP one; tshark
  // accepts `-d tcp.port==1179,bgp` (and the P-Q / P:N forms) the same way.
  it('binds TCP ports to BGP', () => {
    expect(parseDecodeAs('tcp.port==1179,bgp')).toEqual({ field: 'bgpPorts', ports: [1179] });
    expect(parseDecodeAs('TCP.PORT==1179:2,BGP')).toEqual({ field: 'bgpPorts', ports: [1179, 1180] });
  });

  it.each(['udp.port==1179,bgp', 'tcp.port==8472,vxlan', 'tcp.port==179,toString', 'sctp.port==179,bgp', 'udp.port==8472,http', 'udp.port=8472,vxlan', 'udp.port==0,vxlan', 'udp.port==70000,vxlan',
    'udp.port==9-3,vxlan', 'udp.port==8472', '', 'udp.port==1-65535,vxlan'])('rejects %j', (spec) => {
    expect(() => parseDecodeAs(spec)).toThrow(RangeError);
  });
});

describe.skipIf(!built)('-d / --decode-as on the command line', () => {
  it('binds ports as tshark -d does; the old flags are the same binding', async () => {
    expect(vnis()).toEqual([null, null, null]);
    const args = ['-d', 'udp.port==9999,vxlan', '--decode-as', 'udp.port==7000:3,vxlan', '-d', 'udp.port==7081,geneve'];
    const ours = vnis(...args);
    expect(vnis('--vxlan-port', '9999,7000,7001,7002', '--geneve-port', '7081')).toEqual(ours);
    if (!TSHARK) return;
    const t = await runTshark(file, ['vxlan.vni', 'geneve.vni'], { decodeAs: ['udp.port==9999,vxlan', 'udp.port==7000-7002,vxlan', 'udp.port==7081,geneve'] });
    // geneve.vni prints in hex (0x001389), which Number() reads too.
    const theirs = t.frames.map((f) => Number([...(f.fields.get('vxlan.vni') ?? []), ...(f.fields.get('geneve.vni') ?? [])][0] ?? NaN));
    expect(ours).toEqual(theirs);
  });

  it('a bad spec is a one-line usage error with exit status 2', () => {
    for (const spec of ['udp.port==8472,http', 'tcp.port==179,vxlan', 'nonsense']) {
      const r = cli('analyze', '-d', spec, file);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/decode-as/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
