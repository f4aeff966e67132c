// Routed (Calico BGP mode) classification: prefixes announced over BGP in the capture become pod
// CIDRs, so plain traffic between them is `routed` while the BGP sessions between node addresses
// stay `underlay`. Expected prefixes are the ones fixtures/cni/make-cni.py configured.
import { createReadStream, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, type AnalysisDocument } from '../src/engine/analyze.js';
import { CidrSet, parseCidr } from '../src/util/cidr.js';

const FILE = 'fixtures/cni/calico-bgp.pcap';
const ANNOUNCED = ['10.244.1.0/26', '10.244.2.64/26', '10.244.3.128/26'];

function check(doc: AnalysisDocument): void {
  const bgp = doc.podCidrs.filter((c) => c.source === 'bgp').map((c) => c.cidr).sort();
  expect(bgp).toEqual([...ANNOUNCED].sort());
  const set = new CidrSet();
  for (const c of ANNOUNCED) set.add(parseCidr(c)!);
  const inPods = (ip: string | null) => ip !== null && set.hasV4(ip.split('.').reduce((n, o) => n * 256 + Number(o), 0));
  let routed = 0;
  for (const f of doc.topFlows) {
    if (f.protocol === null) continue;
    const pod = inPods(f.orig.ip) || inPods(f.resp.ip);
    expect(f.class, `${f.orig.ip} -> ${f.resp.ip}`).toBe(pod ? 'routed' : 'underlay');
    if (pod) routed++;
    if (f.orig.port === 179 || f.resp.port === 179) expect(f.class).toBe('underlay');
  }
  expect(routed).toBeGreaterThan(0);
}

describe.skipIf(!existsSync(FILE))('routed classification from BGP', () => {
  it('makes announced prefixes pod CIDRs (file input)', async () => {
    check(await analyze(FILE, { top: 1000 }));
  });
  it('settles the class of early plain packets when reading a stream once (stdin path)', async () => {
    check(await analyze(createReadStream(FILE), { top: 1000 }));
  });
});
