/**
 * Exact distributions of integer observations (record sizes, header counts, records per batch)
 * in memory bounded by the number of DISTINCT values, not by the number of observations: a
 * frequency map value → count. `kseg stats` feeds it one value per record, so a 1 GiB segment of
 * ten million records costs a few kilobytes instead of a sample array of ten million doubles.
 */

export interface Distribution {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Values below this go to a flat array indexed by value (grown on demand, at most
 * 8 × DENSE_LIMIT bytes); larger ones, and anything not a non-negative integer, to a Map. Most
 * Kafka keys, header sets and values are small, so the hot path is one array increment.
 */
const DENSE_LIMIT = 1 << 14;

/** Frequency map of numbers with exact nearest-rank percentiles. */
export class Histogram {
  private dense = new Float64Array(256);
  private readonly sparse = new Map<number, number>();
  private n = 0;

  /** Records one observation of `v`. */
  add(v: number): void {
    this.n++;
    if (v >= 0 && v < DENSE_LIMIT && Number.isInteger(v)) {
      if (v >= this.dense.length) {
        let len = this.dense.length * 2;
        while (len <= v) len *= 2;
        const d = new Float64Array(Math.min(len, DENSE_LIMIT));
        d.set(this.dense);
        this.dense = d;
      }
      this.dense[v]!++;
    } else {
      this.sparse.set(v, (this.sparse.get(v) ?? 0) + 1);
    }
  }

  /** Number of observations. */
  get count(): number {
    return this.n;
  }

  /** Number of distinct values held (what the memory is proportional to). */
  get distinct(): number {
    let d = this.sparse.size;
    for (let i = 0; i < this.dense.length; i++) if (this.dense[i]! > 0) d++;
    return d;
  }

  /**
   * count/min/p50/p90/p99/max/mean, null when empty. A percentile q is the nearest-rank value:
   * the element at 0-based index max(0, ceil(q·n) − 1) of the observations sorted ascending —
   * exactly what sorting every observation would give.
   */
  distribution(): Distribution | null {
    const n = this.n;
    if (n === 0) return null;
    // Distinct values ascending with their counts: negatives and non-integers (sparse) below 0,
    // then the dense range, then the large sparse values.
    const sparseKeys = [...this.sparse.keys()].sort((a, b) => a - b);
    const values: number[] = [];
    const counts: number[] = [];
    let si = 0;
    for (; si < sparseKeys.length && sparseKeys[si]! < 0; si++) {
      values.push(sparseKeys[si]!);
      counts.push(this.sparse.get(sparseKeys[si]!)!);
    }
    // Non-integers in [0, DENSE_LIMIT) interleave with the dense values.
    for (let v = 0; v < this.dense.length; v++) {
      for (; si < sparseKeys.length && sparseKeys[si]! < v; si++) {
        values.push(sparseKeys[si]!);
        counts.push(this.sparse.get(sparseKeys[si]!)!);
      }
      const c = this.dense[v]!;
      if (c > 0) {
        values.push(v);
        counts.push(c);
      }
    }
    for (; si < sparseKeys.length; si++) {
      values.push(sparseKeys[si]!);
      counts.push(this.sparse.get(sparseKeys[si]!)!);
    }
    const ranks = [0.5, 0.9, 0.99].map((q) => Math.max(0, Math.ceil(q * n) - 1));
    const at: number[] = [];
    let sum = 0;
    let seen = 0;
    let r = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const c = counts[i]!;
      sum += v * c;
      seen += c;
      // Observations with sorted index < seen are equal to v.
      while (r < ranks.length && ranks[r]! < seen) {
        at.push(v);
        r++;
      }
    }
    return { count: n, min: values[0]!, p50: at[0]!, p90: at[1]!, p99: at[2]!, max: values[values.length - 1]!, mean: sum / n };
  }
}
