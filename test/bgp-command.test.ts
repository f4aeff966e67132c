// `tunnelscope bgp` (text and --json) and the `bgp` layer objects of `dissect`, run in process.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bgpCommand } from '../src/commands/bgp.js';
import { dissectCommand } from '../src/commands/dissect.js';
import { main } from '../src/cli.js';
import { captureOutput as capture } from './helpers/output.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'bgp');
const BIRD = join(DIR, 'bird-sessions.pcap');
const REASM = join(DIR, 'bgp-reassembly.pcap');
const TS = /^\d+\.\d{9}$/;

afterEach(() => vi.restoreAllMocks());

describe.skipIf(!existsSync(BIRD))('tunnelscope bgp', () => {
  it('--json: one document with sessions, routes, notifications (README shape)', async () => {
    const { code, out } = await capture(() => bgpCommand.run([BIRD, '--json']));
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(Object.keys(doc)).toEqual(['summary', 'sessions', 'notifications', 'routes', 'routeEvents', 'routeEventsDropped', 'announcedPrefixes', 'errors', 'errorCount']);
    expect(doc.summary).toMatchObject({ sessions: 6, established: 6, connections: 6, messages: 145, notifications: 1, lostMessages: 0 });
    const s = doc.sessions.find((x: { type: string; notifications: unknown[] }) => x.type === 'ebgp' && x.notifications.length);
    expect(s.peers.map((p: { asn: number }) => p.asn)).toEqual([64512, 4200000001]);
    expect(s.peers[1].myAs).toBe(23456);
    expect(s.holdTime).toEqual({ offered: [9, 7], agreed: 7, mismatch: true });
    expect(s.notifications[0]).toMatchObject({ errorCode: 6, errorSubcode: 2, name: 'Cease / Administrative Shutdown', shutdownCommunication: 'tunnelscope fixture: maintenance' });
    expect(s.notifications[0].ts).toMatch(TS);
    for (const r of doc.routes) {
      expect(['announced', 'withdrawn', 'session-down']).toContain(r.status);
      expect(typeof r.from).toBe('string');
      if (r.lastAnnouncedTs) expect(r.lastAnnouncedTs).toMatch(TS);
    }
    for (const e of doc.routeEvents) expect(e.ts).toMatch(TS);
    expect(doc.announcedPrefixes).toContain('10.244.1.0/26');
    expect(doc.announcedPrefixes).toContain('fd00:10:244:1::/122');
    expect(doc.announcedPrefixes).not.toContain('10.244.1.128/26');
  });

  it('text: session table, details, notifications and routes', async () => {
    const { code, out } = await capture(() => bgpCommand.run([BIRD]));
    expect(code).toBe(0);
    expect(out).toMatch(/^BGP: 6 sessions \(6 established\), 6 TCP connections, 145 messages/);
    for (const s of ['Sessions', 'Notifications', 'Routes', 'Cease / Administrative Shutdown', '"tunnelscope fixture: maintenance"',
      '4200000001 (23456)', 'route reflection: ORIGINATOR_ID', '10.244.1.128/26', 'session-down']) expect(out).toContain(s);
  });

  it('exit status 3 for a missing file, 2 for no file', async () => {
    expect((await capture(() => main(['bgp', join(DIR, 'missing.pcap')]))).code).toBe(3);
    expect((await capture(() => main(['bgp']))).code).toBe(2);
  });
});

describe.skipIf(!existsSync(REASM))('dissect shows BGP messages', () => {
  it('--json: one bgp layer object per message that completes in the packet', async () => {
    const { code, out } = await capture(() => dissectCommand.run([REASM, '--json']));
    expect(code).toBe(0);
    const pkts = out.trim().split('\n').map((l) => JSON.parse(l));
    const bgp = (f: number) => pkts[f - 1].layers.filter((l: { proto: string }) => l.proto === 'bgp');
    expect(bgp(4)).toEqual([]);
    const open = bgp(7)[0];
    expect(open).toMatchObject({ type: 'OPEN', asn: 64512, myAs: 64512, holdTime: 90, routerId: '10.1.0.1', segments: 3, firstFrame: 4 });
    expect(open.capabilities.map((c: { code: number }) => c.code)).toEqual([1, 2, 65, 64]);
    expect(bgp(11).map((l: { type: string }) => l.type)).toEqual(['KEEPALIVE', 'UPDATE', 'KEEPALIVE']);
    expect(bgp(11)[1]).toMatchObject({
      withdrawn: [], nlri: ['10.245.1.0/26', '10.245.1.64/26'], nextHop: '10.1.0.1', asPath: [4200000001, 64600], origin: 'IGP',
    });
    expect(bgp(34)[0]).toMatchObject({ type: 'NOTIFICATION', errorCode: 6, errorSubcode: 2 });
    expect(bgp(43)[0]).toMatchObject({ type: 'OPEN', asn: 4200000001, myAs: 23456, holdTime: 30 });
    // The lost UPDATE is reported with an error naming what happened.
    const lost = pkts.flatMap((p: { layers: { lost?: boolean }[] }) => p.layers.filter((l) => l.lost));
    expect(lost).toHaveLength(1);
    expect(lost[0].error).toMatch(/^bgp: UPDATE message of 97 bytes lost in a capture gap/);
  });

  it('text: the BGP messages follow the packet summary', async () => {
    const { out } = await capture(() => dissectCommand.run([REASM]));
    const lines = out.split('\n');
    expect(lines[6]).toMatch(/\| BGP OPEN AS 64512 hold 90 id 10\.1\.0\.1$/);
    expect(lines[10]).toMatch(/\| BGP KEEPALIVE \| BGP UPDATE \+2 10\.245\.1\.0\/26 10\.245\.1\.64\/26 via 10\.1\.0\.1 \| BGP KEEPALIVE$/);
  });
});
