import type { Int64 } from '../format/int64.js';
import { javaHashMapOrder } from './java.js';
import type { ByteSink } from './output.js';

/**
 * The end-of-run reports DumpLogSegments prints on stderr after all files: index mismatches,
 * time-index problems, non-consecutive offsets. Keyed by absolute file path; files come out in
 * java.util.HashMap order, as the tool iterates its maps.
 */
export class DumpReports {
  /** index file -> (index offset -> log offset), printed descending by index offset. */
  private readonly indexMismatches = new Map<string, Map<string, { index: Int64; log: Int64 }>>();
  private readonly timeMismatches = new Map<string, Array<[Int64, Int64]>>();
  private readonly outOfOrder = new Map<string, Array<[Int64, Int64]>>();
  private readonly notFound = new Map<string, Array<[Int64, Int64]>>();
  /** log file -> (previous offset -> next offset), printed ascending by previous offset. */
  private readonly nonConsecutive = new Map<string, Map<string, { prev: Int64; next: Int64 }>>();

  indexMismatch(file: string, indexOffset: Int64, logOffset: Int64): void {
    let m = this.indexMismatches.get(file);
    if (!m) this.indexMismatches.set(file, (m = new Map()));
    m.set(String(indexOffset), { index: indexOffset, log: logOffset });
  }

  timestampMismatch(file: string, indexTimestamp: Int64, logTimestamp: Int64): void {
    push(this.timeMismatches, file, [indexTimestamp, logTimestamp]);
  }

  outOfOrderTimestamp(file: string, indexTimestamp: Int64, previous: Int64): void {
    push(this.outOfOrder, file, [indexTimestamp, previous]);
  }

  offsetNotFound(file: string, indexOffset: Int64, logOffset: Int64): void {
    push(this.notFound, file, [indexOffset, logOffset]);
  }

  nonConsecutiveOffset(file: string, previous: Int64, next: Int64): void {
    let m = this.nonConsecutive.get(file);
    if (!m) this.nonConsecutive.set(file, (m = new Map()));
    m.set(String(previous), { prev: previous, next });
  }

  print(err: ByteSink): void {
    for (const file of javaHashMapOrder([...this.indexMismatches.keys()])) {
      err.text(`Mismatches in :${file}\n`);
      const entries = [...this.indexMismatches.get(file)!.values()].sort((a, b) => cmp(b.index, a.index));
      for (const e of entries) err.text(`  Index offset: ${e.index}, log offset: ${e.log}\n`);
    }
    for (const file of javaHashMapOrder([...this.timeMismatches.keys()])) {
      err.text(`Found timestamp mismatch in :${file}\n`);
      for (const [a, b] of this.timeMismatches.get(file)!) err.text(`  Index timestamp: ${a}, log timestamp: ${b}\n`);
    }
    for (const file of javaHashMapOrder([...this.outOfOrder.keys()])) {
      err.text(`Found out of order timestamp in :${file}\n`);
      for (const [a, b] of this.outOfOrder.get(file)!) err.text(`  Index timestamp: ${a}, Previously indexed timestamp: ${b}\n`);
    }
    for (const file of javaHashMapOrder([...this.notFound.keys()])) {
      err.text(`The following indexed offsets are not found in :${file}\n`);
      for (const [a, b] of this.notFound.get(file)!) err.text(`Indexed offset: ${a}, found log offset: ${b}\n`);
    }
    for (const file of javaHashMapOrder([...this.nonConsecutive.keys()])) {
      err.text(`Non-consecutive offsets in ${file}\n`);
      const entries = [...this.nonConsecutive.get(file)!.values()].sort((a, b) => cmp(a.prev, b.prev));
      for (const e of entries) err.text(`  ${e.prev} is followed by ${e.next}\n`);
    }
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  let l = m.get(k);
  if (!l) m.set(k, (l = []));
  l.push(v);
}

function cmp(a: Int64, b: Int64): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
