import Table from 'cli-table3';

/**
 * Tables for kseg's human views (cli-table3). No colours: the output is often piped or pasted,
 * and ANSI codes would garble it. Numeric columns are right-aligned.
 */
export type Cell = string | number;

export interface TableOptions {
  /** Column indexes to right-align (numbers). */
  right?: number[];
  /** Compact style: no row separators (default true). */
  compact?: boolean;
}

export function renderTable(head: string[], rows: Cell[][], options: TableOptions = {}): string {
  const right = new Set(options.right ?? []);
  const table = new Table({
    head,
    style: { head: [], border: [], compact: options.compact ?? true },
    colAligns: head.map((_, i) => (right.has(i) ? 'right' : 'left')),
  });
  for (const r of rows) table.push(r.map((c) => (typeof c === 'number' ? String(c) : c)));
  return table.toString();
}

/** Two-column key/value table (for totals and single-item details). */
export function renderKeyValue(rows: Array<[string, Cell]>): string {
  const table = new Table({ style: { head: [], border: [], compact: true } });
  for (const [k, v] of rows) table.push({ [k]: typeof v === 'number' ? String(v) : v });
  return table.toString();
}

/** 1536 -> "1.5 KiB"; exact bytes below 1 KiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** Epoch millis -> ISO-8601 UTC, or "-" for none. Out-of-range values are printed as numbers. */
export function formatTimestamp(ms: number | bigint | null): string {
  if (ms === null) return '-';
  const n = Number(ms);
  const d = new Date(n);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
