import { GOOD_CLASSES, RECORD_CLASSES, type VerifyReport } from './verify.js';
import { SCHEMA_VERSIONS, toJson } from '../view/json.js';

/** `kseg harness verify --format json`: the report as one JSON document (schema/harness-verify.schema.json). */
export function verifyReportJson(r: VerifyReport): string {
  return toJson({ ...r, schemaVersion: SCHEMA_VERSIONS['harness-verify'] }, 2) + '\n';
}

/** The human report: verdict, counts per class, per-partition lines, then the findings (capped per class). */
export function verifyReportText(r: VerifyReport, options: { maxPerClass?: number } = {}): string {
  const max = options.maxPerClass ?? 20;
  const out: string[] = [];
  const t = r.totals;
  const files = `${t.records} records, ${t.bad} bad, ${t.unexplainedGaps} unexplained offset gaps${r.consumer ? `, ${t.groupOffsetMismatches} committed-offset mismatches` : ''}`;
  const s = r.sends;
  if (s) {
    // A run whose sends failed verifies only what the broker took: say so in the first line.
    out.push(`kseg harness run: ${r.ok ? 'OK' : 'FAILED'} — ${s.sent} sent, ${s.acked} acked, ${s.failed} failed${s.transactionErrors.length > 0 ? `, ${s.transactionErrors.length} transactions not ended` : ''}; on disk: ${files}`);
    for (const e of s.errors.slice(0, max)) out.push(`send error (${e.records} records): ${e.error}`);
    if (s.errors.length > max) out.push(`… ${s.errors.length - max} more distinct send errors (the manifest has each record's)`);
    for (const e of s.transactionErrors.slice(0, max)) out.push(`transaction error: ${e}`);
  } else {
    out.push(`kseg harness verify: ${r.ok ? 'OK' : 'FAILED'} — ${files}`);
  }
  out.push(`log dirs: ${r.logDirs.join(', ')}`);
  out.push('');
  out.push('class              records');
  for (const c of RECORD_CLASSES) {
    const n = t.byClass[c];
    if (n === 0 && GOOD_CLASSES.has(c) && c !== 'intact') continue;
    out.push(`${c.padEnd(18)} ${String(n).padStart(7)}${GOOD_CLASSES.has(c) || n === 0 ? '' : '  <- bad'}`);
  }
  out.push('');
  out.push('partition                      records  classes');
  for (const p of r.partitions) {
    const classes = Object.entries(p.byClass)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    out.push(`${`${p.topic}-${p.partition}`.padEnd(30)} ${String(p.records).padStart(7)}  ${classes}`);
    for (const x of p.replicas) {
      const m = x.markers;
      const bits = [`offsets ${x.logStartOffset}..${x.logEndOffset - 1}`, `${x.batches} batches`];
      if (m.COMMIT + m.ABORT > 0) bits.push(`markers COMMIT ${m.COMMIT} ABORT ${m.ABORT}`, `.txnindex ${x.abortedTxns}`);
      if (x.cleanedTo !== null) bits.push(`cleaned to ${x.cleanedTo}`);
      if (x.foreign > 0) bits.push(`${x.foreign} records not in the manifest`);
      if (x.truncations.length > 0) bits.push(`walk stopped early in ${x.truncations.map((u) => `${u.file.split('/').pop()}@${u.position}/${u.fileSize}`).join(', ')}`);
      out.push(`    ${r.logDirs.length > 1 ? `${x.logDir}: ` : ''}${bits.join(', ')}`);
      for (const g of x.gaps) out.push(`    gap ${g.from}..${g.to}: ${g.explained ? '' : 'UNEXPLAINED: '}${g.reason}`);
    }
  }
  for (const c of r.replicas) {
    if (c.identical) continue;
    out.push('');
    out.push(`replicas of ${c.topic}-${c.partition} differ (log end offsets ${c.logEndOffsets.join(' / ')}):`);
    for (const d of c.differences.slice(0, max)) out.push(`    batch ${d.baseOffset}..${d.lastOffset}: ${d.kind === 'missing' ? `missing in ${d.logDirs.join(', ')}` : 'bytes differ'}`);
    if (c.differences.length > max) out.push(`    … ${c.differences.length - max} more`);
  }
  if (r.consumer) {
    out.push('');
    out.push(`consumer ${r.consumer.groups.join(', ')} (${r.consumer.isolation}): ${r.consumer.delivered} delivered, ${r.consumer.undelivered} on disk but never delivered${r.consumer.isolation === 'read_committed' ? `, ${r.consumer.abortedDelivered} aborted but delivered` : ''}`);
    for (const o of r.consumer.offsets) {
      out.push(`    ${o.group} ${o.topic}-${o.partition}: committed ${o.committed}, __consumer_offsets ${o.onDisk ?? 'none'}${o.match ? '' : '  <- mismatch'}`);
    }
  }
  const shown = new Map<string, number>();
  const lines: string[] = [];
  for (const f of r.findings) {
    const n = shown.get(f.class) ?? 0;
    shown.set(f.class, n + 1);
    if (n >= max) continue;
    const where = f.offset === null ? (f.foundAt === null ? 'not acked' : `not acked, at ${f.foundAt}`) : `offset ${f.offset}`;
    lines.push(`  ${f.class.padEnd(16)} line ${f.line}${f.id ? ` ${f.id}` : ''} ${f.topic}-${f.partition} ${where}${f.cause ? ` [${f.cause}]` : ''}: ${f.detail}`);
  }
  if (lines.length > 0) {
    out.push('');
    out.push(`findings (first ${max} per class):`);
    out.push(...lines);
    for (const [c, n] of shown) if (n > max) out.push(`  … ${n - max} more ${c}`);
  }
  return out.join('\n') + '\n';
}
