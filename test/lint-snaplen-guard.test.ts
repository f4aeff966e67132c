// VXLAN_PORT_NOT_VXLAN blames the sender for UDP on a VXLAN port that is not VXLAN; a datagram
// that the capture's snaplen cut short is not the sender's fault, while a datagram that is short
// on the wire is. Inputs are laid out byte by byte (RFC 768, RFC 7348).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLint } from '../src/commands/lint.js';
import { writePcap } from '../test-support/capture.js';
import { eth, ipv4, udp, vxlan, ETHERTYPE_IPV4 } from '../test-support/bytes.js';

/** The bytes followed by n zero bytes (inside the IP packet, after the UDP datagram its length field ends). */
function concatPad(b: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(b.length + n);
  out.set(b);
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'lint-snap-'));

/** UDP 8472 carrying a VXLAN header (flags byte given) and an inner frame. */
function frame(flags: number): Uint8Array {
  const inner = eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, src: '10.244.0.2', dst: '10.244.1.3' }, udp({ src: 1000, dst: 2000 }, new Array(64).fill(7))));
  return eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, src: '192.168.56.11', dst: '192.168.56.12' }, udp({ src: 40000, dst: 8472 }, vxlan({ flags, vni: 1 }, inner))));
}

async function notVxlanCount(file: string): Promise<number> {
  const lint = (await runLint([file])).lint;
  return lint.findings.find((f) => f.rule === 'VXLAN_PORT_NOT_VXLAN')?.count ?? 0;
}

describe('VXLAN_PORT_NOT_VXLAN and snaplen', () => {
  it('counts a datagram whole in the capture whose VXLAN header has the I flag clear', async () => {
    const f = frame(0x00);
    const file = join(dir, 'whole.pcap');
    writeFileSync(file, writePcap([{ sec: 1, frac: 0, data: f }]));
    expect(await notVxlanCount(file)).toBe(1);
  });
  it('counts a datagram short on the wire (UDP length 12) in a record that the snaplen also cut', async () => {
    const inner = udp({ src: 40000, dst: 8472 }, [0x08, 0, 0, 0]);
    const f = eth({ type: ETHERTYPE_IPV4 }, ipv4({ protocol: 17, src: '192.168.56.11', dst: '192.168.56.12' }, concatPad(inner, 40)));
    const file = join(dir, 'short.pcap');
    writeFileSync(file, writePcap([{ sec: 1, frac: 0, data: f.subarray(0, f.length - 10), orig: f.length }], { snaplen: f.length - 10 }));
    expect(await notVxlanCount(file)).toBe(1);
  });
  it('does not count a plausible datagram that the snaplen cut inside its VXLAN header', async () => {
    const f = frame(0x08);
    const cut = 14 + 20 + 8 + 4; // Ethernet, IPv4, UDP, half the VXLAN header
    const file = join(dir, 'cut.pcap');
    writeFileSync(file, writePcap([{ sec: 1, frac: 0, data: f.subarray(0, cut), orig: f.length }], { snaplen: cut }));
    expect(await notVxlanCount(file)).toBe(0);
  });
});
