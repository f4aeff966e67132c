// `flows` reports the flows the --max-flows cap evicted (issue 9 item 7) in text (a warning on
// standard error), --json (a last record) and --csv (a last row). The capture is built here with
// a known number of distinct flows, packets and bytes, so every expected figure comes from its
// construction. Runs bin/tunnelscope.js (needs `npm run build`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, eth, ipv4, udp } from '../test-support/bytes.js';
import { writePcap, type PcapRecord } from '../test-support/capture.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tunnelscope.js');
const built = existsSync(join(ROOT, 'dist', 'src', 'commands', 'flows.js'));
if (!built) console.warn('flows-eviction: dist/ is not built (run npm run build); skipping the CLI tests');

const FLOWS = 2500;
const CAP = 1000; // the smallest --max-flows allowed
let PACKETS = 0, BYTES = 0;

/** FLOWS distinct UDP 5-tuples (client port varies); every 5th flow also gets a reply. */
function capture(): Uint8Array {
  const records: PcapRecord[] = [];
  const frame = (src: string, dst: string, sport: number, dport: number) =>
    eth({ src: '52:54:00:00:00:01', dst: '52:54:00:00:00:02', type: ETHERTYPE_IPV4 },
      ipv4({ src, dst, protocol: 17 }, udp({ src: sport, dst: dport }, [1, 2, 3, 4])));
  for (let i = 0; i < FLOWS; i++) {
    const client = `192.168.${1 + (i >> 8)}.${i & 255}`;
    records.push({ sec: 1700000000 + i, frac: 0, data: frame(client, '192.168.100.53', 30000 + i, 53) });
    if (i % 5 === 0) records.push({ sec: 1700000000 + i, frac: 500, data: frame('192.168.100.53', client, 53, 30000 + i) });
  }
  PACKETS = records.length;
  BYTES = records.reduce((n, r) => n + r.data.length, 0);
  return writePcap(records);
}

function flows(file: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'flows', file, '--quiet', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  expect(r.status, r.stderr).toBe(0);
  return r;
}

describe.skipIf(!built)('flows reports evicted flows', () => {
  let dir = '', file = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tunnelscope-evict-'));
    file = join(dir, 'many-flows.pcap');
    writeFileSync(file, capture());
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('--json: a last record with the evicted flows, packets and bytes', () => {
    const lines = flows(file, '--json', '--max-flows', String(CAP)).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const listed = lines.filter((l) => 'id' in l);
    const last = lines.at(-1);
    expect(listed.length).toBe(lines.length - 1);
    expect(last.id).toBeUndefined();
    expect(last.totalFlows).toBe(FLOWS);
    expect(last.maxFlows).toBe(CAP);
    expect(listed.length).toBeLessThanOrEqual(CAP);
    expect(last.evicted.flows).toBe(FLOWS - listed.length);
    expect(last.evicted.packets + listed.reduce((n, f) => n + f.packets, 0)).toBe(PACKETS);
    expect(last.evicted.bytes + listed.reduce((n, f) => n + f.bytes, 0)).toBe(BYTES);
  });

  it('--csv: a last row of class `evicted`; the packet and byte columns sum to the capture', () => {
    const rows = flows(file, '--csv', '--max-flows', String(CAP)).stdout.trim().split('\n').map((l) => l.split(','));
    const head = rows[0];
    const col = (name: string) => head.indexOf(name);
    const last = rows.at(-1)!;
    expect(last[col('class')]).toBe('evicted');
    expect(last[col('id')]).toBe('');
    const body = rows.slice(1);
    expect(body.reduce((n, r) => n + Number(r[col('packets')]), 0)).toBe(PACKETS);
    expect(body.reduce((n, r) => n + Number(r[col('bytes')]), 0)).toBe(BYTES);
    expect(body.length - 1).toBeLessThanOrEqual(CAP);
  });

  it('text: a warning on standard error with the counts', () => {
    const listed = flows(file, '--json', '--max-flows', String(CAP)).stdout.split('\n').filter((l) => l.includes('"id"')).length;
    const r = flows(file, '--max-flows', String(CAP));
    expect(r.stderr).toContain(`${FLOWS - listed} of ${FLOWS} flows`);
    expect(r.stderr).toContain(`--max-flows cap of ${CAP}`);
  });

  it('nothing evicted: no summary record, no row, no warning', () => {
    const json = flows(file, '--json', '--max-flows', String(FLOWS * 2));
    const lines = json.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.length).toBe(FLOWS);
    expect(lines.every((l) => typeof l.id === 'number')).toBe(true);
    expect(json.stderr).not.toContain('evicted');
    const csv = flows(file, '--csv', '--max-flows', String(FLOWS * 2));
    expect(csv.stdout.trim().split('\n').length).toBe(FLOWS + 1);
    expect(flows(file, '--max-flows', String(FLOWS * 2)).stderr).not.toContain('evicted');
  });
});
