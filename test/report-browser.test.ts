// The HTML report in a real browser: Debian's headless Chromium driven by playwright-core opens
// the page from a file:// URL and checks that every section and chart rendered with a size, that
// the numbers on the page are those of the `analyze --json` document, that the flows table sorts
// on click, that nothing was logged as an error and that no request left the page. Screenshots go
// to test-output/. UPDATE_DOCS_SCREENSHOT=1 also rewrites docs/report.png from the sample.
//
// Skipped, with a message, where /usr/bin/chromium is missing (CI installs it: .ci/) and, for the
// corpus capture, where /work/shared is absent.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { analyze, type AnalysisDocument } from '../src/engine/analyze.js';
import { renderReport } from '../src/render/html.js';
import { dissectCommand, tsharkCommand } from '../src/analyses/findings/filters.js';
import { reportAnalyzeOptions } from '../src/commands/report.js';
import { createLintSet } from '../src/analyses/lint/index.js';
import type { BgpResult } from '../src/analyses/bgp/analysis.js';
import type { LintResult } from '../src/analyses/lint/analysis.js';
import type { CniResult } from '../src/analyses/cni/fingerprint.js';
import { CORPUS_DIR } from '../test-support/shared.js';
import { CHROMIUM, chromiumContext } from './helpers/chromium.js';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'test-output');
const SAMPLE = join(ROOT, 'fixtures', 'sample', 'node-mix.pcap');
const CORPUS_VXLAN = join(CORPUS_DIR, 'real', 'ndpi__vxlan.pcap');
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync',
];

const hasChromium = existsSync(CHROMIUM);
const hasCorpus = existsSync(CORPUS_VXLAN);
if (!hasChromium) console.warn(`report browser tests SKIPPED: ${CHROMIUM} is missing (Debian: apt-get install chromium)`);
else if (!hasCorpus) console.warn(`report browser test on ${CORPUS_VXLAN} SKIPPED: the shared corpus is absent`);

const SECTIONS = ['health', 'summary', 'traffic', 'overhead', 'sizes', 'flows', 'tunnels', 'bgp', 'lint', 'cni', 'glossary'];
const num = (s: string | null) => Number((s ?? '').replace(/[,\s]/g, ''));

interface Opened { page: Page; errors: string[]; requests: string[]; url: string }

describe.skipIf(!hasChromium)('HTML report in headless Chromium', () => {
  const browser = chromiumContext(OUT, ARGS);

  async function open(html: string, name: string): Promise<Opened> {
    const file = join(OUT, `report-${name}.html`);
    writeFileSync(file, html);
    const page = await browser().newPage();
    const errors: string[] = [], requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: 'load' });
    return { page, errors, requests, url };
  }

  async function size(page: Page, selector: string): Promise<{ width: number; height: number }> {
    const box = await page.locator(selector).first().boundingBox();
    expect(box, `${selector} has a box`).not.toBeNull();
    return box!;
  }

  /** The common checks; `json` is the `analyze --json` document of the same capture. */
  async function checkPage(json: AnalysisDocument, page: Page): Promise<void> {
    // Every section, every chart, with a size.
    for (const id of SECTIONS) {
      const b = await size(page, `section#${id}`);
      expect(b.width, id).toBeGreaterThan(300);
      expect(b.height, id).toBeGreaterThan(20);
    }
    const charts = ['#traffic-chart'];
    if (json.classes.some((c) => c.overheadBytes > 0)) charts.push('#overhead-class-chart');
    if (json.tunnels.length) charts.push('#overhead-tunnel-chart');
    const histClasses = json.classes.filter((c) => c.packets > 0).map((c) => c.class);
    for (const c of histClasses) charts.push(`#hist-${c}`);
    expect(await page.locator('svg.chart').count()).toBe(charts.length);
    for (const sel of charts) {
      const b = await size(page, sel);
      expect(b.width, sel).toBeGreaterThan(200);
      expect(b.height, sel).toBeGreaterThan(100);
    }
    // The traffic chart: one area per legend entry, each drawn.
    const legend = await page.locator('#traffic-legend .chip').count();
    expect(legend).toBeGreaterThan(0);
    expect(await page.locator('#traffic-chart path.area').count()).toBe(legend);
    for (const p of await page.locator('#traffic-chart path.area').all()) expect((await p.boundingBox())!.width).toBeGreaterThan(0);
    // Histograms: one bar per non-empty bin, the MTU marked.
    for (const c of json.classes.filter((x) => x.packets > 0)) {
      expect(await page.locator(`#hist-${c.class} rect.bar`).count(), c.class).toBe(c.histogram.filter((x) => x > 0).length);
      expect(await page.locator(`#hist-${c.class} .mtu text`).textContent()).toBe(`MTU ${json.overhead.mtu.toLocaleString('en-US')}`);
      for (const r of await page.locator(`#hist-${c.class} rect.bar`).all()) expect((await r.boundingBox())!.height).toBeGreaterThan(0);
    }
    if (json.tunnels.length) {
      const bars = page.locator('#overhead-tunnel-chart rect.bar[data-bar="a"]');
      expect(await bars.count()).toBe(Math.min(20, json.tunnels.length));
    }

    // Numbers: the summary, the classes, the tunnels, the flows.
    expect(num(await page.locator('[data-k="packets"]').textContent())).toBe(json.summary.packets);
    expect(num(await page.locator('[data-k="flows"]').textContent())).toBe(json.flows.total);
    expect(num(await page.locator('[data-k="tunnels"]').textContent())).toBe(json.tunnels.length);
    expect(await page.locator('#classes-table tbody tr').count()).toBe(json.classes.length);
    for (const c of json.classes) {
      const cells = page.locator(`#classes-table tr[data-class="${c.class}"] td`);
      expect(num(await cells.nth(1).textContent()), `${c.class} flows`).toBe(c.flows);
      expect(num(await cells.nth(2).textContent()), `${c.class} packets`).toBe(c.packets);
    }
    if (json.tunnels.length) {
      const t = json.tunnels[0];
      const row = page.locator('#tunnels-table tbody tr').first();
      expect(await row.getAttribute('data-vni')).toBe(t.vni === null ? '' : String(t.vni));
      const cells = row.locator('td');
      expect(await cells.nth(1).textContent()).toBe(t.a);
      expect(await cells.nth(2).textContent()).toBe(t.b);
      if (t.vni !== null) expect(await cells.nth(3).textContent()).toBe(String(t.vni));
      expect(num(await cells.nth(6).textContent())).toBe(t.packets);
    }
    const flowRows = page.locator('#flows-table tbody tr');
    expect(await flowRows.count()).toBe(Math.min(500, json.flows.total));
    expect(num(await flowRows.first().locator('td').nth(5).textContent())).toBe(json.topFlows[0].packets);

    // Sorting: packets (numeric: largest first, then reversed), then class (text: A to Z).
    const packetsCol = async () => Promise.all((await page.locator('#flows-table tbody tr td:nth-child(6)').allTextContents()).map(num));
    const th = page.locator('#flows-table thead th').nth(5);
    await th.locator('button').click();
    expect(await th.getAttribute('aria-sort')).toBe('descending');
    const desc = await packetsCol();
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await th.locator('button').click();
    expect(await th.getAttribute('aria-sort')).toBe('ascending');
    const asc = await packetsCol();
    expect(asc).toEqual([...desc].sort((a, b) => a - b));
    const cls = page.locator('#flows-table thead th').nth(0);
    await cls.locator('button').click();
    const names = await page.locator('#flows-table tbody tr td:nth-child(1)').allTextContents();
    expect(names).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(await th.getAttribute('aria-sort')).toBeNull();

    // Lint links go to an anchor of the page's glossary or to the README.
    for (const a of await page.locator('#lint a.rule').all()) {
      const href = (await a.getAttribute('href'))!;
      if (href.startsWith('#')) expect(await page.locator(href).count(), href).toBe(1);
      else expect(href).toMatch(/^README\.md#[a-z0-9-]+$/);
    }
  }

  function expectQuiet(o: Opened): void {
    expect(o.errors).toEqual([]);
    // The page itself is the only request (following in-page anchors requests nothing).
    expect(o.requests).toEqual([o.url]);
  }

  it('renders the bundled sample capture', async () => {
    const json = JSON.parse(JSON.stringify(await analyze(SAMPLE, { quiet: true }))) as AnalysisDocument;
    const doc = await analyze(SAMPLE, reportAnalyzeOptions({ quiet: true }));
    const o = await open(renderReport(doc), 'sample');
    await checkPage(json, o.page);
    // The sample has tunnels of four kinds: a VXLAN VNI is on the page.
    expect(json.tunnels.some((t) => t.class === 'vxlan' && t.vni === 1)).toBe(true);
    expect(await o.page.locator('#tunnels-table tr[data-vni="1"][data-class="vxlan"]').count()).toBe(1);
    await o.page.screenshot({ path: join(OUT, 'report-sample.png'), fullPage: true });
    expectQuiet(o);
    if (process.env.UPDATE_DOCS_SCREENSHOT) {
      const shot = await browser().newPage();
      await shot.setViewportSize({ width: 1280, height: 1400 });
      await shot.goto(o.url, { waitUntil: 'load' });
      const png = join(ROOT, 'docs', 'report.png');
      mkdirSync(join(ROOT, 'docs'), { recursive: true });
      await shot.screenshot({ path: png, clip: { x: 0, y: 0, width: 1280, height: 1400 } });
      expect(statSync(png).size).toBeLessThan(300 * 1024);
      await shot.close();
    }
    await o.page.close();
  });

  it('renders BGP, lint findings, the CNI verdict and L2 from the real modules, with rule links into the glossary', async () => {
    const files = [join(ROOT, 'fixtures', 'vxlan-lint.pcap'), join(ROOT, 'fixtures', 'bgp', 'bird-sessions.pcap')];
    // The lint set (BGP, L2, CNI, lint) in the same pass, as analyze runs it once src/engine/standard.ts lists it.
    const doc = await analyze(files, reportAnalyzeOptions({ quiet: true, extraAnalyses: () => createLintSet().analyses }));
    const lint = doc.lint as LintResult, cni = doc.cni as CniResult, bgp = doc.bgp as BgpResult;
    expect(lint?.findings.length).toBeGreaterThan(0);
    expect(bgp?.sessions.length).toBeGreaterThan(0);
    const json = JSON.parse(JSON.stringify(doc)) as AnalysisDocument;
    const o = await open(renderReport(doc), 'lint-bgp');
    await checkPage(json, o.page);
    const p = o.page;
    // BGP: the sessions and the routing table, numbers as in the document.
    expect(num(await p.locator('[data-k="bgp-sessions"]').textContent())).toBe(bgp.summary.sessions);
    expect(num(await p.locator('[data-k="bgp-prefixes"]').textContent())).toBe(bgp.summary.announcedPrefixes);
    expect(await p.locator('#bgp-sessions-table tbody tr').count()).toBe(Math.min(500, bgp.sessions.length));
    expect(await p.locator('#bgp-routes-table tbody tr').count()).toBe(Math.min(500, bgp.routes.length));
    const r0 = bgp.routes[0];
    expect(await p.locator(`#bgp-routes-table tr[data-prefix="${r0.prefix}"]`).count()).toBeGreaterThan(0);
    const s0 = p.locator('#bgp-sessions-table tbody tr').first().locator('td');
    expect(await s0.nth(0).textContent()).toContain(bgp.sessions[0].peers[0].ip);
    expect(await s0.nth(3).textContent()).toBe(bgp.sessions[0].state);
    expect((await p.locator('#bgp-sessions-table').boundingBox())!.height).toBeGreaterThan(20);
    // Lint: one row per finding; each rule links to its glossary entry with the cause and the fix.
    expect(await p.locator('#lint-table tbody tr').count()).toBe(lint.findings.length);
    for (const f of lint.findings) {
      const row = p.locator(`#lint-table tr[data-rule="${f.rule}"]`);
      expect(num(await row.locator('td').nth(3).textContent()), f.rule).toBe(f.count);
      expect(await row.locator('td').nth(2).textContent()).toBe(f.message.replace(/`/g, '')); // `code` spans render as <code>
      await row.locator('a.rule').click();
      expect(new URL(p.url()).hash).toBe(`#lint-${f.rule}`);
      const entry = p.locator(`#lint-${f.rule} + dd`);
      expect(await entry.textContent()).toContain('Fix.');
      const box = (await p.locator(`#lint-${f.rule}`).boundingBox())!;
      expect(box.height).toBeGreaterThan(0);
    }
    for (const sev of ['error', 'warning', 'info'] as const) {
      expect(await p.locator('[data-k="lint-summary"]').textContent()).toContain(`${lint.summary[sev]} ${sev}`);
    }
    expect(await p.locator('[data-k="cni-verdict"]').textContent()).toBe(cni.status === 'identified' ? cni.label || cni.verdict : cni.verdict);
    expect(await p.locator('#cni [data-candidate]').count()).toBe(Math.min(12, cni.candidates.length));
    expect((await p.locator('#cni .card').first().boundingBox())!.height).toBeGreaterThan(20);
    expect(await p.locator('section#extra-l2').count()).toBe(1);
    expect((await p.locator('section#extra-l2').boundingBox())!.height).toBeGreaterThan(20);
    await p.screenshot({ path: join(OUT, 'report-lint-bgp.png'), fullPage: true });
    expect(o.errors).toEqual([]);
    expect(o.requests.every((u) => u === o.url)).toBe(true);
    await p.close();
  });

  it('stays small and quick to open for 100k flows: aggregated, tables capped with a note', async () => {
    const base = await analyze(SAMPLE, reportAnalyzeOptions({ quiet: true }));
    const big = structuredClone(base);
    const f0 = base.topFlows[0], t0 = base.tunnels[0];
    // What analyze gives for a 100k-flow capture with the report's --top 500, and long lists elsewhere.
    big.flows = { ...base.flows, total: 100_000 };
    big.topFlows = Array.from({ length: 500 }, (_, i) => ({ ...f0, id: i + 1, packets: 100_000 - i * 7, bytes: 90_000_000 - i * 1000 }));
    big.tunnels = Array.from({ length: 5000 }, (_, i) => ({ ...t0, a: `192.168.${i >> 8}.${i & 255}`, vni: i, bytes: 1e9 - i }));
    const n = 600;
    big.timeline = {
      bucketSeconds: 8, start: 1_700_000_000, buckets: n, packets: 0, wireBytes: 0,
      series: ['underlay', 'routed', 'vxlan', 'geneve', 'ipip', 'gre', 'nvgre', 'wireguard', 'other'].map((c, k) => ({
        class: c, bytes: Array.from({ length: n }, (_, i) => 1e6 * (1 + Math.sin(i / 17 + k))), packets: Array.from({ length: n }, () => 1000),
      })),
    };
    big.bgp = { sessions: [], routes: Array.from({ length: 20_000 }, (_, i) => ({ prefix: `10.${i >> 8}.${i & 255}.0/26`, nextHop: '192.168.56.12', frame: i + 1 })) };
    const html = renderReport(big);
    expect(Buffer.byteLength(html)).toBeLessThan(700 * 1024);
    const t = Date.now();
    const o = await open(html, 'big');
    const loadMs = Date.now() - t;
    expect(loadMs).toBeLessThan(5000);
    const p = o.page;
    expect(await p.locator('#flows-table tbody tr').count()).toBe(500);
    expect(await p.locator('#flows .left-out').getAttribute('data-left-out')).toBe('99500');
    expect(await p.locator('#tunnels-table tbody tr').count()).toBe(500);
    expect(await p.locator('#tunnels .left-out').getAttribute('data-left-out')).toBe('4500');
    expect(await p.locator('#bgp-routes-table tbody tr').count()).toBe(500);
    expect(await p.locator('#overhead-tunnel-chart rect.bar[data-bar="a"]').count()).toBe(20);
    expect(await p.locator('#traffic-chart path.area').count()).toBe(8); // routed and underlay are one series
    const t1 = Date.now();
    await p.locator('#flows-table thead th').nth(6).locator('button').click();
    expect(Date.now() - t1).toBeLessThan(2000);
    console.log(`100k-flow page: ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB, opened in ${loadMs} ms`);
    expect(o.errors).toEqual([]);
    await p.close();
  });

  it('runs only its own script: an injected inline script or event handler does not run (CSP script hash)', async () => {
    const doc = await analyze(SAMPLE, reportAnalyzeOptions({ quiet: true }));
    const html = renderReport(doc);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)![1];
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+={0,2}'/);
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    // What an escaping slip would produce: capture text (a flow's address, a BGP shutdown message)
    // written into the page as markup. Put it where table cells go.
    const payload = '<script>window.__injected = 1; document.title = "INJECTED";</script>' +
      '<img id="inj-img" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" onload="window.__injectedHandler = 1" onerror="window.__injectedHandler = 2">' +
      '<button id="inj-btn" onclick="window.__injectedClick = 1">x</button>';
    const at = html.indexOf('<main class="wrap">') + '<main class="wrap">'.length;
    const o = await open(html.slice(0, at) + payload + html.slice(at), 'csp-injected');
    const p = o.page;
    await p.locator('#inj-btn').click();
    const ran = await p.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return { script: w.__injected ?? null, handler: w.__injectedHandler ?? null, click: w.__injectedClick ?? null, title: document.title };
    });
    expect(ran).toEqual({ script: null, handler: null, click: null, title: expect.not.stringContaining('INJECTED') });
    // The browser refused them for the policy's sake (not for some other reason), and said so.
    expect(o.errors.length).toBeGreaterThan(0);
    for (const e of o.errors) expect(e).toMatch(/Content Security Policy/);
    // The page's own script still runs under the same policy: the flows table sorts.
    const th = p.locator('#flows-table thead th').nth(5);
    await th.locator('button').click();
    expect(await th.getAttribute('aria-sort')).toBe('descending');
    const packets = (await p.locator('#flows-table tbody tr td:nth-child(6)').allTextContents()).map(num);
    expect(packets).toEqual([...packets].sort((a, b) => b - a));
    expect(o.requests.every((u) => u === o.url)).toBe(true);
    await p.close();
  });

  it('opens with the health summary: findings worst first with filters to copy; flows search, class toggles and CSV download', async () => {
    const doc = await analyze(join(ROOT, 'fixtures', 'vxlan-lint.pcap'), reportAnalyzeOptions({ quiet: true }));
    const lint = doc.lint as LintResult;
    expect(lint.findings.length).toBeGreaterThan(1);
    const o = await open(renderReport(doc), 'health');
    const p = o.page;
    // The first section of the page is the health summary, and the TOC starts with it.
    expect(await p.evaluate(() => document.querySelector('main section')?.id)).toBe('health');
    expect(await p.locator('nav.toc a').first().getAttribute('href')).toBe('#health');
    // One line per finding, worst first, each with its count.
    const items = p.locator('#health li.health-item');
    expect(await items.count()).toBe(lint.findings.length);
    const rank: Record<string, number> = { error: 3, warning: 2, info: 1 };
    const sevs = (await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-severity') ?? ''))).map((s) => rank[s]);
    expect(sevs).toEqual([...sevs].sort((a, b) => b - a));
    for (const f of lint.findings) {
      const item = p.locator(`#health li.health-item[data-rule="${f.rule}"]`);
      expect(num(await item.locator('[data-k="health-count"]').textContent()), f.rule).toBe(f.count);
      expect(await item.locator('[data-filter-kind="filter"] code.filter').textContent(), f.rule).toBe(f.evidence.filter);
    }
    // The CNI verdict and the overhead headline beside the findings.
    expect(await p.locator('#health [data-k="health-cni"]').count()).toBe(1);
    expect(await p.locator('#health [data-k="health-overhead"]').textContent()).toMatch(/%$/);
    // Copy: the exact filter goes to the clipboard where the page may write it, and always into the visible field.
    await browser().grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => undefined);
    const firstRule = await items.first().getAttribute('data-rule');
    const want = lint.findings.find((f) => f.rule === firstRule)!.evidence.filter as string;
    const line = items.first().locator('[data-filter-kind="filter"]');
    expect(await line.locator('input.copy-out').isVisible()).toBe(false);
    await line.locator('button.copy').click();
    await expect.poll(() => line.locator('button.copy').getAttribute('data-copied')).not.toBeNull();
    expect(await line.locator('input.copy-out').isVisible()).toBe(true);
    expect(await line.locator('input.copy-out').inputValue()).toBe(want);
    if ((await line.locator('button.copy').getAttribute('data-copied')) === 'clipboard') {
      expect(await p.evaluate(() => navigator.clipboard.readText())).toBe(want);
    } else {
      console.warn('health: the clipboard is not available headless; checked the visible field only');
    }
    // Search: only rows containing the text stay visible.
    const rows = p.locator('#flows-table tbody tr');
    const total = await rows.count();
    const visible = () => p.locator('#flows-table tbody tr:not([hidden])').count();
    expect(await visible()).toBe(total);
    const term = doc.topFlows[0].orig.ip!;
    const matching = (await rows.evaluateAll((els, t) => els.filter((e) => (e.textContent ?? '').toLowerCase().includes(t)).length, term.toLowerCase()));
    expect(matching).toBeLessThan(total);
    await p.locator('#flows-search').fill(term);
    expect(await visible()).toBe(matching);
    await p.locator('#flows-search').fill('');
    expect(await visible()).toBe(total);
    // Toggles: switching a class off hides exactly its rows.
    const cls = doc.topFlows[0].class;
    const ofClass = doc.topFlows.slice(0, total).filter((f) => f.class === cls).length;
    await p.locator(`input[data-class-toggle="${cls}"]`).uncheck();
    expect(await visible()).toBe(total - ofClass);
    expect(await p.locator(`#flows-table tbody tr[data-class="${cls}"]:not([hidden])`).count()).toBe(0);
    await p.locator(`input[data-class-toggle="${cls}"]`).check();
    expect(await visible()).toBe(total);
    // Each flow row offers its filters, rebuilt in the page exactly as the analysis wrote them.
    for (let i = 0; i < total; i++) {
      const row = rows.nth(i);
      const id = Number(await row.getAttribute('data-flow'));
      const e = doc.topFlows.find((x) => x.id === id)!.evidence!;
      await row.locator('button.ff').click();
      expect(await row.locator('[data-filter-kind="filter"] code.filter').textContent()).toBe(e.filter);
      expect(await row.locator('[data-filter-kind="dissect"] code.filter').textContent()).toBe(dissectCommand(doc.summary.files[0].name, e));
      expect(await row.locator('[data-filter-kind="tshark"] code.filter').textContent()).toBe(tsharkCommand(doc.summary.files[0].name, e));
    }
    // CSV download: a data: URL built in the page, one line per shown row plus the header.
    await p.locator('button.csv[data-csv="flows-table"]').click();
    const href = (await p.locator('a[data-csv-link="flows-table"]').last().getAttribute('href'))!;
    expect(href.startsWith('data:text/csv;charset=utf-8,')).toBe(true);
    const csv = decodeURIComponent(href.slice('data:text/csv;charset=utf-8,'.length)).trimEnd().split('\n');
    expect(csv.length).toBe(total + 1);
    expect(csv[0].split(',').slice(0, 2)).toEqual(['class', 'tunnel']);
    expect(o.errors).toEqual([]);
    expect(o.requests.filter((u) => !u.startsWith('data:'))).toEqual([o.url]);
    await p.close();
  });

  it.skipIf(!hasCorpus)(`renders a real corpus capture (${CORPUS_VXLAN}${hasCorpus ? '' : ': SKIPPED, shared corpus absent'})`, async () => {
    const json = JSON.parse(JSON.stringify(await analyze(CORPUS_VXLAN, { quiet: true }))) as AnalysisDocument;
    const doc = await analyze(CORPUS_VXLAN, reportAnalyzeOptions({ quiet: true }));
    expect(json.tunnels.length).toBeGreaterThan(0);
    const o = await open(renderReport(doc), 'ndpi-vxlan');
    await checkPage(json, o.page);
    await o.page.screenshot({ path: join(OUT, 'report-ndpi-vxlan.png'), fullPage: true });
    expectQuiet(o);
    await o.page.close();
  });
});
