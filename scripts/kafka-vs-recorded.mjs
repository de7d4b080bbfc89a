#!/usr/bin/env node
// Runs the real DumpLogSegments (the version kafka/pom.xml pins) over every recorded run of
// ../shared's corpora (jobs.tsv) and reports whether it reproduces the recorded stdout, stderr and
// exit code, after the recordings' normalisation (absolute paths as @CWD@, an uncaught exception's
// first line only). Runs on copies: Kafka's tool creates a missing .index/.timeindex.
//
//   node scripts/kafka-vs-recorded.mjs [corpus|kraft ...] [--show N]   (mismatches shown: default 5)
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DumpDriver, KAFKA_VERSION, REPO } from './kafka-lib.mjs';

const argv = process.argv.slice(2);
const showIdx = argv.indexOf('--show');
const show = showIdx >= 0 ? Number(argv[showIdx + 1]) : 5;
const labels = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--show');
const SHARED = path.resolve(REPO, '../shared');
const wanted = labels.length ? labels : ['corpus', 'kraft'];

let allSame = 0;
let allJobs = 0;
for (const label of wanted) {
  const src = path.join(SHARED, label);
  const tmp = mkdtempSync(path.join(os.tmpdir(), `kseg-recorded-${label}-`));
  cpSync(src, tmp, { recursive: true });
  const jobs = readFileSync(path.join(src, 'expected/kafka-4.3/jobs.tsv'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [out, err, code, ...args] = l.split('\t');
      return { out, err, code: Number(code), args };
    });
  const driver = new DumpDriver({ cwd: tmp });
  const diffs = [];
  const t0 = Date.now();
  for (const job of jobs) {
    const r = await driver.run(job.args);
    const norm = (b) => b.toString('utf8').split(tmp).join('@CWD@');
    const out = norm(r.stdout);
    const err = norm(r.stderr);
    const expOut = readFileSync(path.join(src, job.out), 'utf8');
    const expErr = readFileSync(path.join(src, job.err), 'utf8');
    if (out === expOut && err === expErr && r.code === job.code) continue;
    diffs.push({ job, out, err, code: r.code, expOut, expErr });
  }
  driver.close();
  rmSync(tmp, { recursive: true, force: true });
  const same = jobs.length - diffs.length;
  allSame += same;
  allJobs += jobs.length;
  console.log(`[real Kafka ${KAFKA_VERSION} vs recorded] ${label}: ${same}/${jobs.length} identical (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  for (const d of diffs.slice(0, show)) {
    console.log(`  differs: ${d.job.args.join(' ')}  (code ${d.code}, recorded ${d.job.code})`);
    const firstDiff = (a, b) => {
      const la = a.split('\n');
      const lb = b.split('\n');
      for (let i = 0; i < Math.max(la.length, lb.length); i++) if (la[i] !== lb[i]) return `line ${i + 1}: real ${JSON.stringify(la[i])} recorded ${JSON.stringify(lb[i])}`;
      return 'same';
    };
    console.log(`    stdout ${firstDiff(d.out, d.expOut)}`);
    console.log(`    stderr ${firstDiff(d.err, d.expErr)}`);
  }
}
console.log(`total: ${allSame}/${allJobs} identical`);
process.exit(allSame === allJobs ? 0 : 1);
