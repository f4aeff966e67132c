// Clock offset of each node pair from the minimum one-way delays in both directions. With
// m(a->b) = min over packets a sent to b of t_b(arrival) - t_a(send) (raw clocks) and m(b->a)
// likewise, and offset = b's clock minus a's:
//   m(a->b) = offset + dmin(a->b)   m(b->a) = -offset + dmin(b->a)
// so offset = (m(a->b) - m(b->a)) / 2 exactly when the two minimum delays are equal, and in any
// case (delays are never negative) it lies within +-(m(a->b) + m(b->a)) / 2 of that: the
// uncertainty. With packets in one direction only the offset cannot be told from the delay.

export interface ClockJson {
  a: string;
  b: string;
  /** Seconds, b's clock minus a's; 0 when it could not be estimated. */
  offset: number;
  /** Seconds (half the smallest round trip); null when the offset could not be estimated. */
  uncertainty: number | null;
  samples: { ab: number; ba: number };
  estimated: boolean;
}

export class PairClock {
  /** Minimum raw delay (ns) from node i to node j at [i * n + j]. */
  readonly minRaw: Float64Array;
  readonly count: Float64Array;
  constructor(readonly n: number) {
    this.minRaw = new Float64Array(n * n).fill(Infinity);
    this.count = new Float64Array(n * n);
  }

  observe(from: number, to: number, rawNs: number): void {
    const k = from * this.n + to;
    this.count[k]++;
    if (rawNs < this.minRaw[k]) this.minRaw[k] = rawNs;
  }

  /** Offset (ns) of `b` minus `a`, NaN when one direction has no sample. */
  offsetNs(a: number, b: number): number {
    const ab = this.minRaw[a * this.n + b], ba = this.minRaw[b * this.n + a];
    if (!Number.isFinite(ab) || !Number.isFinite(ba)) return NaN;
    return (ab - ba) / 2;
  }

  uncertaintyNs(a: number, b: number): number {
    const ab = this.minRaw[a * this.n + b], ba = this.minRaw[b * this.n + a];
    if (!Number.isFinite(ab) || !Number.isFinite(ba)) return NaN;
    return (ab + ba) / 2;
  }

  /** What to subtract from a raw delay from `from` to `to` (NaN when unknown). */
  correctionNs(from: number, to: number): number {
    return this.offsetNs(from, to);
  }

  json(names: string[]): ClockJson[] {
    const out: ClockJson[] = [];
    for (let a = 0; a < this.n; a++) {
      for (let b = a + 1; b < this.n; b++) {
        const ab = this.count[a * this.n + b], ba = this.count[b * this.n + a];
        if (ab + ba === 0) continue;
        const off = this.offsetNs(a, b);
        const est = !Number.isNaN(off);
        out.push({
          a: names[a], b: names[b], offset: est ? off / 1e9 : 0, uncertainty: est ? this.uncertaintyNs(a, b) / 1e9 : null,
          samples: { ab, ba }, estimated: est,
        });
      }
    }
    return out;
  }
}
