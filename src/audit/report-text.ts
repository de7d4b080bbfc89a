import type { Anomaly, AuditReport } from './index.js';
import { SCHEMA_VERSIONS, int64Json, toJson } from '../view/json.js';

/** The JSON document of schema/audit.schema.json. */
export function auditJson(r: AuditReport): string {
  const item = (a: Anomaly) => {
    const o: Record<string, unknown> = { class: a.class, severity: a.severity, file: a.file, position: a.position };
    if (a.end !== undefined) o['end'] = a.end;
    if (a.offset !== undefined) o['offset'] = int64Json(a.offset);
    if (a.line !== undefined) o['line'] = a.line;
    o['detail'] = a.detail;
    return o;
  };
  return (
    toJson(
      {
        schemaVersion: SCHEMA_VERSIONS.audit,
        command: 'audit',
        path: r.path,
        target: r.target,
        resync: r.resync,
        clean: r.anomalies.length === 0,
        summary: r.summary,
        anomalies: r.anomalies.map(item),
        notes: r.notes.map(item),
      },
      2,
    ) + '\n'
  );
}

function where(a: Anomaly): string {
  const parts: string[] = [];
  if (a.line !== undefined) parts.push(`line ${a.line}`);
  else if (a.position >= 0) parts.push(a.end !== undefined ? `bytes ${a.position}..${a.end}` : `byte ${a.position}`);
  if (a.offset !== undefined) parts.push(`offset ${String(a.offset)}`);
  return parts.join(', ');
}

/**
 * The human report: anomalies grouped by file in the order found, then a one-line count of the
 * notes by class (all of them with `verbose`), then the verdict.
 */
export function auditText(r: AuditReport, options: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  const s = r.summary;
  out.push(`kseg audit ${r.path} (${r.target}${r.resync ? ', --resync' : ''})`);
  out.push(`  ${s.partitions} partition(s), ${s.segments} segment file(s), ${s.batches} batches, ${s.records} records, ${s.bytes} bytes read`);
  const group = (list: Anomaly[]) => {
    // Files in the order they were first reported; findings within a file in discovery order.
    const rank = new Map<string, number>();
    for (const a of list) if (!rank.has(a.file)) rank.set(a.file, rank.size);
    const sorted = list.map((a, i) => ({ a, i })).sort((x, y) => rank.get(x.a.file)! - rank.get(y.a.file)! || x.i - y.i);
    let file = '';
    for (const { a } of sorted) {
      if (a.file !== file) {
        file = a.file;
        out.push('', file);
      }
      const w = where(a);
      out.push(`  ${a.severity.toUpperCase().padEnd(7)} ${a.class}${w ? ` at ${w}` : ''}: ${a.detail}`);
    }
  };
  group(r.anomalies);
  if (r.notes.length > 0) {
    if (options.verbose) {
      out.push('', 'Notes (explained or expected; not anomalies):');
      group(r.notes);
    } else {
      const counts = new Map<string, number>();
      for (const n of r.notes) counts.set(n.class, (counts.get(n.class) ?? 0) + 1);
      out.push('', `notes (not anomalies; --verbose lists them): ${[...counts].map(([c, n]) => `${c} ${n}`).join(', ')}`);
    }
  }
  out.push('');
  out.push(
    r.anomalies.length === 0
      ? 'CLEAN: no anomalies.'
      : `ANOMALIES: ${s.errors} error(s), ${s.warnings} warning(s).`,
  );
  return out.join('\n') + '\n';
}
