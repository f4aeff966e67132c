// The sliding-window rate (ARP_BROADCAST_STORM, the L2 section's peak ARP broadcasts per second)
// merged across ranges of one file: a window that straddles the cut must count the events on both
// sides, as one thread does. Expected values laid out by hand from the event times.
import { describe, expect, it } from 'vitest';
import { RateWindow } from '../src/util/tables.js';

/** 150 events 5 ms apart from t = 1000 s (frames 1..150): all in one second, like fixtures/lint/arp-broadcast-storm.trigger.pcap. */
const STORM = Array.from({ length: 150 }, (_, i) => ({ ts: 1000 + i * 0.005, frame: i + 1, file: 0 }));

type Ev = { ts: number; frame: number; file: number };

function run(events: Ev[], threshold: number): RateWindow {
  const w = new RateWindow(1, threshold);
  for (const e of events) w.push(e.ts, e.file, e.frame);
  return w;
}

/** The events cut at `cuts`, each part in its own window, merged in order into the first. */
function merged(events: Ev[], cuts: number[], threshold: number): RateWindow {
  const bounds = [0, ...cuts, events.length];
  const parts = bounds.slice(0, -1).map((b, i) => run(events.slice(b, bounds[i + 1]), threshold));
  for (const p of parts.slice(1)) parts[0].mergeState(p.exportState());
  return parts[0];
}

const stats = (w: RateWindow) => ({ peak: w.peak, peakStart: w.peakStart, total: w.total, hits: w.hits, firstHit: w.firstHit, firstHitFile: w.firstHitFile });

describe('RateWindow merged across ranges of one file', () => {
  it('one window: 150 events within 745 ms peak at 150, and the 101st to 150th exceed 100', () => {
    expect(stats(run(STORM, 100))).toEqual({ peak: 150, peakStart: 1000, total: 150, hits: 50, firstHit: 101, firstHitFile: 0 });
  });

  it('cut anywhere in the storm, the merge gives the same peak and matches as one window', () => {
    for (let cut = 0; cut <= STORM.length; cut++) {
      expect(stats(merged(STORM, [cut], 100)), `cut at ${cut}`).toEqual({ peak: 150, peakStart: 1000, total: 150, hits: 50, firstHit: 101, firstHitFile: 0 });
    }
  });

  it('three ranges, with a pause that empties the window between two storms', () => {
    // 150 events 5 ms apart, a 2 s pause, then 120 events 2 ms apart (frames 151..270): the
    // second storm's window starts at 1002.745 and its 101st to 120th events (frames 251..270) exceed 100.
    const second = Array.from({ length: 120 }, (_, i) => ({ ts: 1002.745 + i * 0.002, frame: 151 + i, file: 0 }));
    const events = [...STORM, ...second];
    const want = { peak: 150, peakStart: 1000, total: 270, hits: 70, firstHit: 101, firstHitFile: 0 };
    expect(stats(run(events, 100))).toEqual(want);
    for (const cuts of [[40, 200], [100, 160], [149, 150], [150, 151], [120, 260]]) {
      expect(stats(merged(events, cuts, 100)), `cuts ${cuts}`).toEqual(want);
    }
  });

  it('windows never span files: two files of 80 events each peak at 80, with no match at 100', () => {
    const two = [...STORM.slice(0, 80), ...STORM.slice(0, 80).map((e) => ({ ...e, file: 1 }))];
    const want = { peak: 80, peakStart: 1000, total: 160, hits: 0, firstHit: 0, firstHitFile: 0 };
    expect(stats(run(two, 100))).toEqual(want);
    expect(stats(merged(two, [80], 100))).toEqual(want);
  });
});
