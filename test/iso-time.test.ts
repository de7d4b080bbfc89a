import { describe, expect, it } from 'vitest';
import { Rng } from '../src/harness/workload.js';
import { isoTime } from '../src/view/records.js';

// isoTime formats the time of day by arithmetic while timestamps stay in the day it formatted
// last: it must print exactly what Date#toISOString prints, across days, before 1970 and past 9999.
describe('isoTime', () => {
  it('equals Date#toISOString for timestamps near each other, across day boundaries and far apart', () => {
    const rng = new Rng(20261123);
    const day = 86_400_000;
    const starts = [0, 1_700_000_000_000, -1, -day, -day - 1, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_000, -62_167_219_200_001, 8.64e15];
    let checked = 0;
    for (const start of starts) {
      let ts = start;
      for (let i = 0; i < 2000; i++) {
        // Mostly small steps (records of a batch), sometimes over a day boundary or far away.
        const r = rng.next();
        ts += r < 0.9 ? Math.floor(rng.next() * 5000) : r < 0.97 ? day - (ts % day) - 1 + Math.floor(rng.next() * 3) : Math.floor((rng.next() - 0.5) * 1e13);
        if (ts > 8.64e15 || ts < -8.64e15) ts = start;
        const expected = ts === -1 ? null : new Date(ts).toISOString();
        expect(isoTime(ts), String(ts)).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBe(starts.length * 2000);
    expect(isoTime(8.64e15 + 1)).toBeNull();
    expect(isoTime(123n)).toBeNull();
  });
});
