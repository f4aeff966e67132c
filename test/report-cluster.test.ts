// The report's cluster section (src/render/html/cluster.ts) in headless Chromium: the node x node
// matrix cells hold the bytes, loss and median delay that gen_pairs.py (scapy) computed for the
// link-flap pair (fixtures/correlate/link-flap.truth.json, `cluster.matrix`), and every lossy
// path's breakdowns by size, protocol and time are drawn. Skipped, with a message, where
// /usr/bin/chromium is missing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/engine/analyze.js';
import { renderReport } from '../src/render/html.js';
import { clusterView } from '../src/analyses/correlate/cluster.js';
import { CHROMIUM, chromiumContext } from './helpers/chromium.js';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'test-output');
const DIR = join(ROOT, 'fixtures', 'correlate');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`report cluster browser test SKIPPED: ${CHROMIUM} is missing (Debian: apt-get install chromium)`);

interface Truth {
  window: number;
  paths: { from: string; lost: number; lostBySize: unknown[]; lostByProtocol: unknown[]; lostByTime: { lost: number }[] }[];
  cluster: {
    totals: { packets: number };
    matrix: { from: string; to: string; packets: number; bytes: number; lost: number; delayP50: number | null }[];
  };
}

describe.skipIf(!hasChromium)('HTML report: cluster section in headless Chromium', () => {
  const browser = chromiumContext(OUT, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run']);

  it('link-flap: matrix cells and loss breakdowns as the generator made them', async () => {
    const truth = JSON.parse(readFileSync(join(DIR, 'link-flap.truth.json'), 'utf8')) as Truth;
    const files = [join(DIR, 'link-flap.a.pcap'), join(DIR, 'link-flap.b.pcap')];
    const doc = await analyze(files, { workers: 1 });
    const named = new Map([[files[0], 'link-flap.a'], [files[1], 'link-flap.b']]);
    doc.cluster = await clusterView(files, named, { windowS: truth.window });
    const file = join(OUT, 'report-cluster.html');
    writeFileSync(file, renderReport(doc));
    const page = await browser().newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    const box = await page.locator('section#cluster').boundingBox();
    expect(box!.height).toBeGreaterThan(100);
    expect(await page.locator('nav.toc a[href="#cluster"]').count()).toBe(1);
    // The matrix: 2 x 2 with an empty diagonal, one cell per direction, as the truth says.
    expect(await page.locator('#cluster-matrix td').count()).toBe(4);
    expect(await page.locator('#cluster-matrix td.matrix-empty').count()).toBe(2);
    for (const m of truth.cluster.matrix) {
      const cell = page.locator(`#cluster-matrix td[data-from="${m.from}"][data-to="${m.to}"]`);
      expect(await cell.count()).toBe(1);
      expect(Number(await cell.getAttribute('data-packets'))).toBe(m.packets);
      expect(Number(await cell.getAttribute('data-bytes'))).toBe(m.bytes);
      expect(Number(await cell.getAttribute('data-lost'))).toBe(m.lost);
      expect(Number(await cell.getAttribute('data-delay-p50'))).toBe(m.delayP50);
      const text = (await cell.innerText()).replace(/\s+/g, ' ');
      expect(text).toContain(`${m.lost} of ${m.packets} lost`);
      expect(text).toContain(`p50 ${(m.delayP50! * 1000).toFixed(3)} ms`);
      expect((await cell.boundingBox())!.width).toBeGreaterThan(50);
    }
    // Totals: the generator's count with every delivered packet once.
    expect((await page.locator('[data-stat="cluster-packets"] .v').innerText()).replace(/,/g, '')).toBe(String(truth.cluster.totals.packets));
    // Breakdowns for the one lossy path: a row per size bucket, protocol and time bucket in the truth.
    const lossy = truth.paths.filter((p) => p.lost > 0);
    expect(await page.locator('.cluster-path').count()).toBe(lossy.length);
    const p = lossy[0];
    const block = page.locator(`.cluster-path[data-from="${p.from}"]`);
    expect(await block.locator('table[id$="-size"] tbody tr').count()).toBe(p.lostBySize.length);
    expect(await block.locator('table[id$="-protocol"] tbody tr').count()).toBe(p.lostByProtocol.length);
    expect(await block.locator('table[id$="-time"] tbody tr').count()).toBe(p.lostByTime.length);
    // The bars of the time buckets with loss are drawn (the link flap), the others empty.
    const bars = await block.locator('table[id$="-time"] .lossbar').all();
    const drawn = await Promise.all(bars.map(async (b) => ((await b.boundingBox())?.width ?? 0) > 0));
    expect(drawn).toEqual(p.lostByTime.map((t) => t.lost > 0));
    expect(await page.locator('#cluster-findings td', { hasText: 'PATH_LOSS_BURST' }).count()).toBe(1);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(OUT, 'report-cluster.png'), fullPage: true });
    await page.close();
  }, 120_000);
});
