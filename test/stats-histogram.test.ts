import { describe, expect, it } from 'vitest';
import { Histogram } from '../src/io/histogram.js';
import { Rng } from '../src/harness/workload.js';

/** The harness's seeded PRNG (mulberry32), as a function: every run checks the same data. */
function prng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/** The reference: sort every observation, nearest rank at index max(0, ceil(q·n) − 1). */
function reference(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const rank = (q: number): number => s[Math.max(0, Math.ceil(q * n) - 1)]!;
  let sum = 0;
  for (const v of s) sum += v;
  return { count: n, min: s[0]!, p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: s[n - 1]!, mean: sum / n };
}

function histogramOf(values: number[]): Histogram {
  const h = new Histogram();
  for (const v of values) h.add(v);
  return h;
}

describe('Histogram (frequency map behind kseg stats size distributions)', () => {
  it('is null when empty', () => {
    expect(new Histogram().distribution()).toBeNull();
  });

  it('equals the sorted-array nearest-rank reference on seeded random integer data', () => {
    const rnd = prng(0x6b736567);
    // Sizes that stress both the flat range and the map (values ≥ 16 KiB), skewed and uniform,
    // and counts around the rank boundaries of p50/p90/p99 (ceil(q·n) at n = 1, 2, 99..101...).
    const shapes: Array<[string, () => number]> = [
      ['small uniform', () => Math.floor(rnd() * 50)],
      ['skewed (mostly tiny, long tail)', () => Math.floor(Math.exp(rnd() * 13))],
      ['large only', () => 16384 + Math.floor(rnd() * 1e6)],
      ['constant', () => 7],
      ['two values', () => (rnd() < 0.97 ? 0 : 1_048_576)],
    ];
    const counts = [1, 2, 3, 10, 99, 100, 101, 999, 1000, 1001, 12345];
    let checked = 0;
    for (const [shape, next] of shapes) {
      for (const n of counts) {
        const values = Array.from({ length: n }, next);
        expect(histogramOf(values).distribution(), `${shape}, n=${n}`).toEqual(reference(values));
        checked++;
      }
    }
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rnd() * 3000);
      const spread = [10, 300, 20000, 5e6][trial % 4]!;
      const values = Array.from({ length: n }, () => Math.floor(rnd() * rnd() * spread));
      expect(histogramOf(values).distribution(), `trial ${trial}, n=${n}`).toEqual(reference(values));
      checked++;
    }
    expect(checked).toBe(shapes.length * counts.length + 200);
  });

  it('orders negative and fractional values among the integers like a numeric sort', () => {
    const rnd = prng(42);
    for (let trial = 0; trial < 50; trial++) {
      const values = Array.from({ length: 1 + Math.floor(rnd() * 500) }, () => {
        const u = rnd();
        return u < 0.2 ? -Math.floor(rnd() * 100) : u < 0.4 ? rnd() * 40 : u < 0.9 ? Math.floor(rnd() * 40) : 20000 + rnd() * 10;
      });
      const { mean, ...got } = histogramOf(values).distribution()!;
      const { mean: refMean, ...want } = reference(values);
      expect(got, `trial ${trial}`).toEqual(want);
      expect(mean).toBeCloseTo(refMean, 9);
    }
  });

  it('holds distinct values, not observations: a million records of 300 sizes keep 300 entries', () => {
    const rnd = prng(7);
    const h = new Histogram();
    const values: number[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      const v = i < 300 ? i * 97 : Math.floor(rnd() * 300) * 97; // 0 .. 29003: flat range and map
      h.add(v);
      if (i % 1000 === 0) values.push(v);
    }
    expect(h.count).toBe(1_000_000);
    expect(h.distinct).toBe(300);
    const d = h.distribution()!;
    expect(d).toMatchObject({ count: 1_000_000, min: 0, max: 299 * 97 });
    // The reference over a 1-in-1000 subsample lands close to the exact percentiles.
    const sub = reference(values);
    expect(Math.abs(d.p50 - sub.p50)).toBeLessThanOrEqual(10 * 97);
  });
});
