// What the text and HTML reports print besides the tables: a file that could not be read, the
// reason an over-MTU packet is a violation, and the count of BGP pod CIDRs left out of the list.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { analyze } from '../src/engine/analyze.js';
import { analysisText, overheadText } from '../src/render/text.js';
import { renderReport } from '../src/render/html.js';

const ROOT = join(import.meta.dirname, '..');
const GOOD = join(ROOT, 'fixtures', 'vxlan-4789.pcap');
const MISSING = join(ROOT, 'fixtures', 'no-such-capture.pcap');

describe('report details', () => {
  it('names a file that could not be read, with its error, in text and HTML', async () => {
    const doc = await analyze([GOOD, MISSING], { quiet: true });
    const bad = doc.summary.files.find((f) => f.name === MISSING)!;
    expect(bad.error).toMatch(/no such file/);
    expect(analysisText(doc)).toContain(`  ${MISSING}: `);
    expect(analysisText(doc)).toContain(`    error: ${bad.error}`);
    const html = renderReport(doc);
    expect(html).toContain(`error: ${bad.error}`);
  });

  it('gives the reason of every MTU violation in the overhead text and the page', async () => {
    // Six 1550-byte VXLAN frames carrying 1500-byte inner packets with DF on a 1500 MTU (fixtures/lint).
    const doc = await analyze(join(ROOT, 'fixtures', 'lint', 'encap-mtu-inner-1500.pcap'), { quiet: true, mtu: 1500 });
    expect(doc.overhead.exceeded.length).toBeGreaterThan(0);
    const e = doc.overhead.exceeded[0];
    expect(e.reason.length).toBeGreaterThan(0);
    expect(overheadText(doc.overhead, doc.classes, doc.tunnels)).toContain(`first frame ${e.firstFrame}): ${e.reason}`);
    expect(renderReport(doc)).toContain(`): ${e.reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`);
  });

  it('says how many BGP pod CIDRs are not listed', async () => {
    const doc = await analyze(GOOD, { quiet: true });
    expect(analysisText(doc)).not.toContain('more announced over BGP');
    doc.podCidrsNotListed = 1234;
    expect(analysisText(doc)).toContain('… and 1234 more announced over BGP');
    expect(renderReport(doc)).toContain('1,234 more pod CIDRs announced over BGP are not listed');
  });
});
