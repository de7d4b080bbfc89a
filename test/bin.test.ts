import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, REPO } from './helpers.js';

/**
 * A sample of the recorded Kafka 4.3 runs through the real launcher, bin/kafka-dump-log.js, as a
 * user runs it: a child process whose stdout, stderr and exit code must match byte for byte.
 * (Every row also runs in-process in conformance.test.ts through the same entry point.)
 */
const BIN = resolve(REPO, 'bin/kafka-dump-log.js');
const EXPECTED = resolve(FIXTURES, 'expected-corpus');

beforeAll(() => {
  // `npm ci` builds dist/ in `prepare`; a developer running vitest directly may not have.
  if (!existsSync(resolve(REPO, 'dist/bundle/dump-log.js'))) {
    const r = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
  }
});

const jobs = readFileSync(resolve(EXPECTED, 'expected/kafka-4.3/jobs.tsv'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => l.split('\t'))
  // Every 12th row: all modes and file kinds are represented (rows are grouped per file).
  .filter((_, i) => i % 12 === 0);

describe('bin/kafka-dump-log.js (child process)', () => {
  it('samples at least 30 recorded runs', () => expect(jobs.length).toBeGreaterThanOrEqual(30));
  for (const [out, err, code, ...args] of jobs) {
    it(args.join(' '), () => {
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: FIXTURES });
      expect(r.status).toBe(Number(code));
      expect(r.stderr.toString('utf8').split(FIXTURES).join('@CWD@')).toBe(readFileSync(resolve(EXPECTED, err!), 'utf8'));
      expect(r.stdout.equals(readFileSync(resolve(EXPECTED, out!)))).toBe(true);
    });
  }
  it('prints the help on stderr and exits 1, like the JVM tool', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.startsWith('This tool helps to parse a log file')).toBe(true);
    expect(r.stdout).toBe('');
  });
  it('an unknown option is a jopt-simple exception, exit 1', () => {
    const r = spawnSync(process.execPath, [BIN, '--files', 'x.log', '--nope'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('Exception in thread "main" joptsimple.UnrecognizedOptionException: nope is not a recognized option\n');
  });
});
