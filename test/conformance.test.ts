import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, HAVE_SHARED, SHARED, dumpInProcess } from './helpers.js';

/**
 * Every recorded run of Kafka 4.3's own DumpLogSegments over the real broker files: our
 * kafka-dump-log must print the same stdout and stderr, byte for byte, and exit the same.
 */
interface Job {
  stdoutFile: string;
  stderrFile: string;
  code: number;
  args: string[];
}

function loadJobs(expectedRoot: string): Job[] {
  const text = readFileSync(resolve(expectedRoot, 'expected/kafka-4.3/jobs.tsv'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [stdoutFile, stderrFile, code, ...args] = l.split('\t');
      return { stdoutFile: stdoutFile!, stderrFile: stderrFile!, code: Number(code), args };
    });
}

/** The mode of a job, for the per-mode count (decoder modes belong to the internal-topics work). */
function modeOf(job: Job): string {
  // `-other`: a decoder on files it is not for (the modern sample's mistyped runs)
  const m = /\.([a-z]+(?:-other)?)\.out$/.exec(job.stdoutFile);
  return job.stdoutFile.includes('/cli/') ? 'cli' : (m?.[1] ?? 'other');
}

/**
 * The full recordings in ../shared, and the sample of them bundled in fixtures/ (run always, so a
 * fresh clone still checks byte-exactness). `cwd` is where the runs' relative paths start;
 * `expected` is where jobs.tsv's output paths start.
 */
const CORPORA = [
  { label: 'corpus', cwd: resolve(SHARED, 'corpus'), expected: resolve(SHARED, 'corpus'), needsShared: true },
  { label: 'kraft', cwd: resolve(SHARED, 'kraft'), expected: resolve(SHARED, 'kraft'), needsShared: true },
  { label: 'fixtures/corpus', cwd: FIXTURES, expected: resolve(FIXTURES, 'expected-corpus'), needsShared: false },
  { label: 'fixtures/kraft', cwd: resolve(FIXTURES, 'kraft'), expected: resolve(FIXTURES, 'expected-kraft'), needsShared: false },
  // a sample of the modern corpus (Kafka 4.3.2 broker and clients), recorded by scripts/make-modern-fixtures.mjs
  { label: 'fixtures/modern', cwd: resolve(FIXTURES, 'modern'), expected: resolve(FIXTURES, 'expected-modern'), needsShared: false },
];

for (const { label, cwd: dir, expected, needsShared } of CORPORA) {
  describe.skipIf(needsShared && !HAVE_SHARED)(`kafka-4.3 conformance: ${label}`, () => {
    const jobs = !needsShared || HAVE_SHARED ? loadJobs(expected) : [];
    const tally = new Map<string, { same: number; all: number }>();
    afterAll(() => {
      let same = 0;
      for (const t of tally.values()) same += t.same;
      const per = [...tally.entries()].map(([m, t]) => `${m} ${t.same}/${t.all}`).join(', ');
      console.log(`[conformance] ${label}: ${same}/${jobs.length} identical (${per})`);
    });
    for (const job of jobs) {
      it(`${job.args.join(' ')}`, () => {
        const expOut = readFileSync(resolve(expected, job.stdoutFile)).toString('utf8');
        const expErr = readFileSync(resolve(expected, job.stderrFile)).toString('utf8');
        const got = dumpInProcess(job.args, dir);
        // Kafka printed absolute paths of the corpus folder; the recording replaced them with @CWD@.
        const norm = (b: Buffer) => b.toString('utf8').split(dir).join('@CWD@');
        const t = tally.get(modeOf(job)) ?? { same: 0, all: 0 };
        tally.set(modeOf(job), t);
        t.all++;
        const out = norm(got.stdout);
        const err = norm(got.stderr);
        if (out === expOut && err === expErr && got.code === job.code) t.same++;
        expect({ code: got.code, stderr: err }).toEqual({ code: job.code, stderr: expErr });
        expect(out).toBe(expOut);
      });
    }
  });
}
