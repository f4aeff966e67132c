// Class oracle: for the public-corpus captures whose MANIFEST.tsv names a tunnel encapsulation, the
// class we give every packet (SPEC "Classes and flows": the outermost encapsulation) must agree with
// the outermost encapsulation in tshark's dissection of that packet, and every encapsulation the
// manifest names must show up as a class.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PacketDecoder } from '../dissectors/decoder.js';
import { forEachRecord } from '../src/reader/capture.js';
import { CLASS_NAME } from '../dissectors/packet.js';
import { mapLimit, tsharkPath, type TsharkFrame } from './helpers/tshark.js';
import { runTsharkBatched } from './oracle-lib.js';
import { CORPUS_DIR } from '../test-support/shared.js';

const CORPUS = CORPUS_DIR;
const MANIFEST = join(CORPUS, 'MANIFEST.tsv');
const haveTshark = tsharkPath() !== null;
const haveCorpus = existsSync(MANIFEST);
if (!haveCorpus) console.warn(`oracle-classes: SKIPPED: ${MANIFEST} is absent`);
if (!haveTshark) console.warn('oracle-classes: SKIPPED: tshark is not installed (`which tshark` found nothing)');

/** Manifest protocol names -> the class a packet whose outermost encapsulation it is gets. */
const MANIFEST_CLASS: Record<string, string> = {
  vxlan: 'vxlan',
  geneve: 'geneve',
  gre: 'gre',
  'nvgre(key+TEB)': 'nvgre',
  'ip-in-ip(4in4)': 'ipip',
  'ipv6-in-ipv4(6in4)': 'ipip',
  'ipv4-in-ipv6': 'ipip',
  'ipv6-in-ipv6': 'ipip',
};
const TUNNEL_CLASSES = new Set(['vxlan', 'geneve', 'gre', 'nvgre', 'ipip']);

/**
 * Manifest encapsulations that are never the outermost one in their file, so never a class there
 * (one line of reason each).
 */
const NESTED_ONLY: Record<string, string[]> = {
  // Every packet is IPv4 + GRE inside Geneve (ip:udp:geneve:ip:gre:ip:tcp): Geneve is the outermost.
  'real/suricata-verify__bug-6402-01_input.pcap': ['gre'],
  // IPv4-in-IPv6 carrying GRE v1/PPP (ipv6:ip:gre:ppp): the IP-in-IP is the outermost.
  'real/packetlife__gre_and_4over6.cap': ['gre'],
};

interface Entry { file: string; path: string; expected: Set<string> }

function manifestEntries(): Entry[] {
  if (!haveCorpus) return [];
  const rows = readFileSync(MANIFEST, 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split('\t'));
  const out: Entry[] = [];
  for (const r of rows) {
    if (!r[0].startsWith('real/')) continue;
    const protos = (r[7] ?? '').split(',');
    const expected = new Set(protos.map((p) => MANIFEST_CLASS[p]).filter((c): c is string => c !== undefined));
    // NVGRE is GRE: the manifest lists `gre` for the GRE header that carries it.
    if (expected.has('nvgre')) expected.delete('gre');
    if (expected.size) out.push({ file: r[0], path: join(CORPUS, r[0]), expected });
  }
  return out;
}

const FIELDS = ['frame.protocols', 'frame.cb_pen', 'gre.flags.key', 'gre.proto', 'gre.flags.version', 'vxlan.vni'];

/**
 * The outermost encapsulation in tshark's dissection: the first tunnel after the first IP layer,
 * before any ICMP error quote. `none` when the packet is not tunnelled.
 */
export function tsharkClass(t: TsharkFrame): string {
  const protos = (t.fields.get('frame.protocols')?.[0] ?? '').split(':').filter((p) => p !== 'ethertype' && !p.startsWith('ipv6.'));
  let greSeen = 0;
  let sawIp = false;
  for (let k = 0; k < protos.length; k++) {
    const p = protos[k];
    if (p === 'icmp' || p === 'icmpv6') break; // a quoted packet is not this packet's encapsulation
    if (p === 'ip' || p === 'ipv6') {
      if (sawIp && (protos[k - 1] === 'ip' || protos[k - 1] === 'ipv6')) return 'ipip';
      sawIp = true;
      continue;
    }
    if (!sawIp) continue;
    if (p === 'vxlan') return 'vxlan';
    if (p === 'geneve') return 'geneve';
    if (p === 'gre') {
      const i = greSeen++;
      const key = t.fields.get('gre.flags.key')?.[i] === '1';
      const proto = parseInt(t.fields.get('gre.proto')?.[i] ?? '0', 16);
      const version = Number(t.fields.get('gre.flags.version')?.[i] ?? '0');
      return key && proto === 0x6558 && version === 0 ? 'nvgre' : 'gre';
    }
    // tshark 4.0 does not list VXLAN-GPE in frame.protocols: `udp` followed directly by what GPE carries.
    if (p === 'udp' && ['ip', 'ipv6', 'eth', 'nsh'].includes(protos[k + 1]) && (t.fields.get('vxlan.vni') ?? []).length) return 'vxlan';
  }
  return 'none';
}

interface Result { file: string; packets: number; ourClasses: Map<string, number>; mismatches: string[] }

const entries = manifestEntries();
const results = new Map<string, Result>();

(haveTshark && haveCorpus ? describe : describe.skip)('oracle: traffic classes vs tshark and the corpus manifest', () => {
  beforeAll(async () => {
    // tshark over all the files first, with few processes (its start-up is most of its time here).
    const runs = await runTsharkBatched(entries.map((e) => e.path), FIELDS);
    const all = await mapLimit(entries, 1, async (e): Promise<Result> => {
      const decoder = new PacketDecoder();
      const ours: string[] = [];
      await forEachRecord(e.path, (r) => { ours.push(CLASS_NAME[decoder.decode(r.buf, r.offset, r.caplen, r.len, r.linktype).cls]); });
      const ts = runs.get(e.path)!;
      const frames = ts.frames.filter((f) => (f.fields.get('frame.cb_pen') ?? []).length === 0);
      const res: Result = { file: e.file, packets: 0, ourClasses: new Map(), mismatches: [] };
      if (frames.length !== ours.length) res.mismatches.push(`packet count: ours ${ours.length}, tshark ${frames.length}`);
      for (let k = 0; k < Math.min(frames.length, ours.length); k++) {
        res.packets++;
        const mine = ours[k];
        res.ourClasses.set(mine, (res.ourClasses.get(mine) ?? 0) + 1);
        const want = tsharkClass(frames[k]);
        const got = TUNNEL_CLASSES.has(mine) ? mine : 'none';
        if (want !== got) res.mismatches.push(`frame ${k + 1}: ours ${mine}, tshark's outermost encapsulation ${want} (${frames[k].fields.get('frame.protocols')?.[0]})`);
      }
      return res;
    });
    let packets = 0, mismatches = 0;
    for (const r of all) {
      results.set(r.file, r);
      packets += r.packets;
      mismatches += r.mismatches.length;
    }
    console.log(`oracle-classes: ${packets} packets classified over ${all.length} corpus files with a tunnel encapsulation, ${mismatches} disagreements`);
  }, 600_000);

  it('finds corpus files with tunnel encapsulations', () => {
    expect(entries.length).toBeGreaterThan(0);
  });

  for (const e of entries) {
    it(`${e.file}: classes agree (${[...e.expected].join(', ')})`, () => {
      const r = results.get(e.file)!;
      expect(r.mismatches.slice(0, 10)).toEqual([]);
      const nested = new Set(NESTED_ONLY[e.file] ?? []);
      const missing = [...e.expected].filter((c) => !r.ourClasses.has(c) && !nested.has(c));
      expect(missing, `classes seen: ${JSON.stringify(Object.fromEntries(r.ourClasses))}`).toEqual([]);
    });
  }
});
