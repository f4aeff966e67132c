// Per-path time buckets stay bounded however long the capture is compared with the window.
import { describe, expect, it } from 'vitest';
import { MAX_FINE_TIME_BUCKETS, PathStats } from '../src/analyses/correlate/paths.js';

describe('correlate path time buckets', () => {
  it('doubles the bucket width instead of growing past the cap, keeping every count', () => {
    const windowNs = 10e6; // 10 ms
    const p = new PathStats(0, 1, 3, 1, 4789, 0, windowNs);
    // One hour of one packet every 10 ms, every 7th lost: 360,000 windows.
    let sent = 0, lost = 0;
    for (let t = 0; t < 3600e9; t += 10e6) {
      const l = sent % 7 === 0 ? 1 : 0;
      p.countTime(t, 1, l);
      sent++;
      lost += l;
    }
    expect(p.timeSent.size).toBeLessThanOrEqual(MAX_FINE_TIME_BUCKETS);
    // 360,000 windows need 2^7 = 128 windows per bucket to fit 4096 buckets (2,813 of them).
    expect(p.timeBucketNs).toBe(windowNs * 128);
    expect([...p.timeSent.values()].reduce((a, b) => a + b, 0)).toBe(sent);
    expect([...p.timeLost.values()].reduce((a, b) => a + b, 0)).toBe(lost);
  });
});
