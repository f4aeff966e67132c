// The one-line `dissect` summary checked against tshark's fields: a tunnelled packet shows its
// outer addresses and then its inner ones (IP-in-IP once printed the inner pair twice), and a
// `-i any` capture (SLL, SLL2) shows the interface index and the direction of each packet.
import { describe, expect, it } from 'vitest';
import { PacketDecoder } from '../dissectors/decoder.js';
import { summaryLine } from '../dissectors/dissect.js';
import { forEachRecord } from '../src/reader/capture.js';
import { runTshark, tsharkPath } from './helpers/tshark.js';

const hasTshark = tsharkPath() !== null;
if (!hasTshark) console.warn('dissect summary: tshark is not installed; skipping (CI installs it)');

async function summaries(file: string): Promise<string[]> {
  const decoder = new PacketDecoder();
  const lines: string[] = [];
  await forEachRecord(file, (r) => {
    lines.push(summaryLine(r, decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype)));
  });
  return lines;
}

/** The address pairs of a summary line, outermost first ("a > b" parts). */
function addressPairs(line: string): string[][] {
  return line.split(' | ').flatMap((part) => {
    const m = /(?:^|\s)([0-9a-f.:]+) > ([0-9a-f.:]+)$/.exec(part);
    return m && (m[1].includes('.') || m[1].includes(':')) && !/^(TCP|UDP)/.test(part) ? [[m[1], m[2]]] : [];
  });
}

// Linux packet types (if_packet.h PACKET_HOST..PACKET_OUTGOING) as tshark prints sll.pkttype.
const DIRECTION: Record<string, string> = { 0: 'in', 1: 'broadcast', 2: 'multicast', 3: 'otherhost', 4: 'out' };

describe.skipIf(!hasTshark)('dissect one-line summary', () => {
  for (const name of ['ipip.pcap', 'gre.pcap', 'vxlan-4789.pcap', 'linktype-sll2.pcap', 'linktype-sll.pcap']) {
    it(`${name}: every IP header's addresses, outer first, as tshark lists them`, async () => {
      const file = `fixtures/${name}`;
      const ts = await runTshark(file, ['ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'frame.protocols', 'icmp.type']);
      const lines = await summaries(file);
      expect(lines).toHaveLength(ts.frames.length);
      let checked = 0;
      for (const [k, f] of ts.frames.entries()) {
        const protos = (f.fields.get('frame.protocols') ?? [])[0]?.split(':') ?? [];
        // Addresses quoted inside an ICMP error are not the packet's own; tshark lists them too.
        if (protos.includes('icmp') && protos.lastIndexOf('ip') > protos.indexOf('icmp')) continue;
        // tshark lists IPv4 and IPv6 separately; in tree order the families follow frame.protocols.
        const v4 = [f.fields.get('ip.src') ?? [], f.fields.get('ip.dst') ?? []];
        const v6 = [f.fields.get('ipv6.src') ?? [], f.fields.get('ipv6.dst') ?? []];
        const want: string[][] = [];
        let i4 = 0, i6 = 0;
        for (const p of protos) {
          if (p === 'ip') { want.push([v4[0][i4], v4[1][i4]]); i4++; }
          else if (p === 'ipv6') { want.push([v6[0][i6], v6[1][i6]]); i6++; }
        }
        expect({ frame: k + 1, pairs: addressPairs(lines[k]) }).toEqual({ frame: k + 1, pairs: want });
        if (want.length >= 2) checked++;
      }
      if (name === 'ipip.pcap' || name === 'gre.pcap') expect(checked).toBeGreaterThan(0);
      console.log(`dissect summary: ${name}: ${ts.frames.length} lines, ${checked} tunnelled packets show outer and inner addresses`);
    });
  }

  for (const name of ['linktype-sll2.pcap', 'linktype-sll.pcap']) {
    it(`${name}: the interface index (SLL2) and the direction, from tshark's sll fields`, async () => {
      const file = `fixtures/${name}`;
      const ts = await runTshark(file, ['sll.ifindex', 'sll.pkttype']);
      const lines = await summaries(file);
      expect(lines).toHaveLength(ts.frames.length);
      for (const [k, f] of ts.frames.entries()) {
        const ifindex = (f.fields.get('sll.ifindex') ?? [])[0];
        const dir = DIRECTION[(f.fields.get('sll.pkttype') ?? [])[0]];
        const want = ifindex !== undefined ? `if ${ifindex} ${dir}` : dir;
        // The link part follows the layer stack: "<frame> <ts> <class> <stack> <link> | ...".
        expect(lines[k].split(' | ')[0].split(' ').slice(4).join(' ')).toBe(want);
      }
    });
  }
});
