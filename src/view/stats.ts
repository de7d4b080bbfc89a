import type { Distribution, Problem, StatsResult, StatsTarget } from '../io/stats.js';
import { SCHEMA_VERSIONS, int64Json } from './json.js';
import { type Cell, formatBytes, formatTimestamp, renderKeyValue, renderTable } from './table.js';

/** `kseg stats` views: the JSON document (schema/stats.schema.json) and the text report. */

export type { StatsTarget } from '../io/stats.js';

const j = (v: number | bigint | null): number | string | null => (v === null ? null : int64Json(v));
const round = (v: number | null, digits = 3): number | null => (v === null ? null : Number(v.toFixed(digits)));

function problemJson(p: Problem) {
  return { file: p.file, position: p.position ?? null, line: p.line ?? null, message: p.message };
}

function distJson(d: Distribution | null) {
  return d === null ? null : { ...d, mean: round(d.mean) };
}

/** The `kseg stats --format json` document. */
export function statsJson(path: string, target: StatsTarget, s: StatsResult) {
  return {
    schemaVersion: SCHEMA_VERSIONS.stats,
    command: 'stats' as const,
    path,
    target,
    bytes: s.bytes,
    batches: s.batches,
    records: s.records,
    dataRecords: s.dataRecords,
    controlBatches: s.controlBatches,
    controlRecords: s.controlRecords,
    recordsPerBatch: distJson(s.recordsPerBatch),
    bytesPerRecord: round(s.bytesPerRecord),
    codecs: s.codecs.map((c) => ({ ...c, ratio: round(c.ratio) })),
    keySize: distJson(s.keySize),
    valueSize: distJson(s.valueSize),
    headerSize: distJson(s.headerSize),
    headerCount: distJson(s.headerCount),
    nullKeys: s.nullKeys,
    tombstones: s.tombstones,
    producers: s.producers.map((p) => ({ ...p, producerId: j(p.producerId), firstOffset: j(p.firstOffset), lastOffset: j(p.lastOffset) })),
    transactions: {
      committed: s.transactions.committed,
      aborted: s.transactions.aborted,
      open: s.transactions.open,
      abortedRecords: s.transactions.abortedRecords,
      openTransactions: s.transactions.openTransactions.map((o) => ({ ...o, producerId: j(o.producerId), firstOffset: j(o.firstOffset) })),
    },
    time: { first: j(s.time.first), last: j(s.time.last), spanMs: s.time.spanMs },
    crcErrors: s.crcErrors,
    partitions: s.partitions,
    problems: s.problems.map(problemJson),
  };
}

function fmtSpan(ms: number | null): string {
  if (ms === null) return '-';
  const sec = ms / 1000;
  if (sec < 120) return `${sec.toFixed(3)} s`;
  if (sec < 7200) return `${(sec / 60).toFixed(1)} min`;
  if (sec < 172800) return `${(sec / 3600).toFixed(1)} h`;
  return `${(sec / 86400).toFixed(1)} days`;
}

const num = (v: number | null, digits = 1): string => (v === null ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(digits));

/** The human report: totals, codecs, size distributions, producers, transactions. */
export function statsText(path: string, target: StatsTarget, s: StatsResult, options: { maxProducers?: number } = {}): string {
  const out: string[] = [];
  out.push(`${target} ${path}`);
  out.push(
    renderKeyValue([
      ['batches', s.batches],
      ['records (incl. control)', s.records],
      ['control batches / records', `${s.controlBatches} / ${s.controlRecords}`],
      ['data records', s.dataRecords],
      ['bytes (batches)', `${s.bytes} (${formatBytes(s.bytes)})`],
      ['records per batch', s.recordsPerBatch ? `mean ${num(s.recordsPerBatch.mean)}, p50 ${s.recordsPerBatch.p50}, max ${s.recordsPerBatch.max}` : '-'],
      ['bytes per record', num(s.bytesPerRecord)],
      ['null keys', s.nullKeys],
      ['tombstones (null values)', s.tombstones],
      ['batch time range (UTC)', s.time.first === null && s.time.last === null ? '-' : `${formatTimestamp(s.time.first)} .. ${formatTimestamp(s.time.last)} (${fmtSpan(s.time.spanMs)})`],
      ['transactions', `${s.transactions.committed} committed, ${s.transactions.aborted} aborted (${s.transactions.abortedRecords} records), ${s.transactions.open} open`],
      ['CRC failures', s.crcErrors],
    ]),
  );
  if (s.codecs.length > 0) {
    out.push('compression (stored payload vs decompressed records):');
    out.push(
      renderTable(
        ['codec', 'batches', 'records', 'stored', 'decompressed', 'ratio'],
        s.codecs.map((c) => [c.codec, c.batches, c.records, formatBytes(c.storedBytes), formatBytes(c.rawBytes), c.ratio === null ? '-' : `${c.ratio.toFixed(2)}x`]),
        { right: [1, 2, 3, 4, 5] },
      ),
    );
  }
  const dists: Array<[string, Distribution | null]> = [
    ['key bytes', s.keySize],
    ['value bytes', s.valueSize],
    ['header bytes', s.headerSize],
    ['headers per record', s.headerCount],
  ];
  out.push('sizes per record (null keys/values excluded):');
  out.push(
    renderTable(
      ['', 'count', 'min', 'p50', 'p90', 'p99', 'max', 'mean'],
      dists.map(([name, d]): Cell[] => (d === null ? [name, 0, '-', '-', '-', '-', '-', '-'] : [name, d.count, d.min, d.p50, d.p90, d.p99, d.max, num(d.mean)])),
      { right: [1, 2, 3, 4, 5, 6, 7] },
    ),
  );
  if (s.producers.length > 0) {
    const max = options.maxProducers ?? 20;
    out.push(`producers (${s.producers.length}):`);
    out.push(
      renderTable(
        ['producerId', 'epochs', 'batches', 'records', 'transactional', 'offsets'],
        s.producers.slice(0, max).map((p) => [String(p.producerId), p.epochs.join(','), p.batches, p.records, p.transactional ? 'yes' : 'no', `${p.firstOffset}..${p.lastOffset}`]),
        { right: [2, 3] },
      ),
    );
    if (s.producers.length > max) out.push(`... ${s.producers.length - max} more (--format json lists all)`);
  }
  for (const o of s.transactions.openTransactions) {
    out.push(`open transaction: ${o.partition} producerId ${o.producerId} epoch ${o.producerEpoch} from offset ${o.firstOffset} (${o.records} records, no marker yet)`);
  }
  if (s.partitions.length > 1) {
    out.push('per partition:');
    out.push(renderTable(['partition', 'batches', 'records (incl. control)', 'bytes'], s.partitions.map((p) => [p.name, p.batches, p.records, formatBytes(p.bytes)]), { right: [1, 2, 3] }));
  }
  for (const p of s.problems) out.push(`problem: ${p.file}${p.position !== undefined ? ` at byte ${p.position}` : ''}: ${p.message}`);
  return out.join('\n') + '\n';
}
