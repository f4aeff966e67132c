// The traffic class table (src/classes.ts) is the one source of class names, labels, colours and
// the tunnel flag: the decoder's ids, CLASS_NAME, the report's colours and labels and the
// overhead section's descriptions all read it.
import { describe, expect, it } from 'vitest';
import { TRAFFIC_CLASSES, CLASS_NAMES, classInfo } from '../src/classes.js';
import { CLASS_NAME, TrafficClass } from '../dissectors/packet.js';
import { isTunnelClass } from '../src/analyses/facts.js';
import { CLASS_COLORS, CLASS_LABELS } from '../src/render/html/format.js';
import { analyze } from '../src/engine/analyze.js';
import { join } from 'node:path';

describe('traffic class table', () => {
  it('has one row per TrafficClass id, in id order, named as SPEC "Traffic classes" names them', () => {
    expect(TRAFFIC_CLASSES.map((c) => c.id)).toEqual(TRAFFIC_CLASSES.map((_, i) => i));
    // SPEC: vxlan, geneve, ipip, gre, nvgre (and wireguard), routed, underlay, other.
    expect(new Set(CLASS_NAMES)).toEqual(new Set(['vxlan', 'geneve', 'ipip', 'gre', 'nvgre', 'wireguard', 'routed', 'underlay', 'other']));
    for (const [key, id] of Object.entries(TrafficClass)) expect(CLASS_NAME[id]).toBe(key.toLowerCase());
    expect(CLASS_NAME).toBe(CLASS_NAMES);
  });

  it('marks exactly the encapsulations as tunnels (as the per-packet isTunnelClass does)', () => {
    for (const c of TRAFFIC_CLASSES) expect(c.tunnel).toBe(isTunnelClass(c.id));
    expect(classInfo('vxlan')?.tunnel).toBe(true);
    expect(classInfo('routed')?.tunnel).toBe(false);
    expect(classInfo('nope')).toBeUndefined();
  });

  it('gives the HTML report its colours and labels', () => {
    for (const c of TRAFFIC_CLASSES) {
      expect(CLASS_COLORS[c.name]).toBe(c.colour);
      expect(CLASS_LABELS[c.name]).toBe(c.label);
    }
    expect(new Set(TRAFFIC_CLASSES.map((c) => c.colour)).size).toBe(TRAFFIC_CLASSES.length);
  });

  it('names the tunnels in the overhead section by their label', async () => {
    const doc = await analyze(join(import.meta.dirname, '..', 'fixtures', 'ipip.pcap'), { workers: 1, quiet: true, standard: false });
    const ipip = doc.overhead.encapsulations.find((e) => e.class === 'ipip');
    expect(ipip?.description).toMatch(/^IP-in-IP over IPv4: /);
  });
});
