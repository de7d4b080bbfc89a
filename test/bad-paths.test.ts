import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, REPO, ensureBuilt } from './helpers.js';

/**
 * Every command over a table of bad paths, as a user runs them (the real launchers in child
 * processes): the exit code, a one-line message naming the path (`kseg <cmd>: <path>: <what>`),
 * never a stack trace, and an end within a time limit (a FIFO must not hang anything).
 */

const KSEG = resolve(REPO, 'bin/kseg.js');
const DUMP = resolve(REPO, 'bin/kafka-dump-log.js');
const LIMIT_MS = 15_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

function run(bin: string, args: string[], cwd = REPO): Promise<Run> {
  return new Promise((done) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      // Decoded whole: a chunk may end inside a UTF-8 sequence.
      done({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), ms: Date.now() - t0, timedOut });
    });
  });
}

const T = mkdtempSync(join(tmpdir(), 'kseg-bad-paths-'));
const plain = join(FIXTURES, 'kafka-logs/plain-0');

/** A log dir holding a copy of plain-0 and the given root files. */
function logDirWith(name: string, files: Record<string, string>): string {
  const d = join(T, name);
  cpSync(plain, join(d, 'plain-0'), { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  return d;
}

/** A partition folder holding one segment file with these bytes. */
function segmentWith(name: string, bytes: Uint8Array): string {
  const d = join(T, name);
  mkdirSync(d, { recursive: true });
  const f = join(d, '00000000000000000000.log');
  writeFileSync(f, bytes);
  return f;
}

/** Deterministic "random" bytes (a linear congruential generator): the same file every run. */
function noise(n: number, seed = 12345): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const crlfCheckpoint = ['0', '1', 'plain-0 0 1500', ''].join('\r\n');

const CASES: Record<string, () => string> = {
  missing: () => join(T, 'no-such-dir'),
  'not a log dir': () => {
    const d = join(T, 'etc-like');
    mkdirSync(join(d, 'conf.d'), { recursive: true });
    writeFileSync(join(d, 'hosts'), '127.0.0.1 localhost\n');
    return d;
  },
  'empty folder': () => {
    mkdirSync(join(T, 'empty'));
    return join(T, 'empty');
  },
  'the folder above a log dir': () => {
    const d = join(T, 'above');
    cpSync(plain, join(d, 'kafka-logs/plain-0'), { recursive: true });
    return d;
  },
  'a directory named like a segment': () => {
    const d = join(T, 'dirseg-0/00000000000000000000.log');
    mkdirSync(d, { recursive: true });
    return d;
  },
  FIFO: () => {
    mkdirSync(join(T, 'fifo-0'));
    const f = join(T, 'fifo-0/00000000000000000000.log');
    expect(spawnSync('mkfifo', [f]).status).toBe(0);
    return f;
  },
  'empty file': () => segmentWith('emptyfile-0', new Uint8Array(0)),
  'truncated file': () => segmentWith('trunc-0', readFileSync(join(plain, '00000000000000000000.log')).subarray(0, 100)),
  'random bytes': () => segmentWith('random-0', noise(4096)),
  'CRLF checkpoint': () => logDirWith('crlf-logs', { 'recovery-point-offset-checkpoint': crlfCheckpoint, 'replication-offset-checkpoint': crlfCheckpoint }),
  'empty checkpoint': () => logDirWith('emptycp-logs', { 'cleaner-offset-checkpoint': '', 'replication-offset-checkpoint': '', 'log-start-offset-checkpoint': '' }),
};

type Command = 'ls' | 'cat' | 'stats' | 'audit' | 'explain' | 'harness verify';
const COMMANDS: Command[] = ['ls', 'cat', 'stats', 'audit', 'explain', 'harness verify'];

/**
 * Expected exit codes: 0 done, 1 findings (damage), 2 could not run. `ls` and `harness verify`
 * read log dirs (a segment file is a usage error); `explain` reads one segment file.
 */
const EXPECTED: Record<string, Record<Command, number>> = {
  missing: { ls: 2, cat: 2, stats: 2, audit: 2, explain: 2, 'harness verify': 2 },
  'not a log dir': { ls: 2, cat: 2, stats: 2, audit: 2, explain: 2, 'harness verify': 2 },
  'empty folder': { ls: 2, cat: 2, stats: 2, audit: 2, explain: 2, 'harness verify': 2 },
  'the folder above a log dir': { ls: 2, cat: 2, stats: 2, audit: 2, explain: 2, 'harness verify': 2 },
  'a directory named like a segment': { ls: 2, cat: 2, stats: 2, audit: 2, explain: 2, 'harness verify': 2 },
  FIFO: { ls: 2, cat: 2, stats: 2, audit: 2, explain: 2, 'harness verify': 2 },
  'empty file': { ls: 2, cat: 0, stats: 0, audit: 0, explain: 0, 'harness verify': 2 },
  'truncated file': { ls: 2, cat: 1, stats: 1, audit: 1, explain: 1, 'harness verify': 2 },
  'random bytes': { ls: 2, cat: 1, stats: 1, audit: 1, explain: 1, 'harness verify': 2 },
  'CRLF checkpoint': { ls: 0, cat: 0, stats: 0, audit: 0, explain: 2, 'harness verify': 0 },
  'empty checkpoint': { ls: 0, cat: 0, stats: 0, audit: 0, explain: 2, 'harness verify': 0 },
};

const paths = new Map<string, string>();
let manifest = '';

beforeAll(() => {
  ensureBuilt('dist/bundle/kseg.js');
  for (const [name, make] of Object.entries(CASES)) paths.set(name, make());
  // The manifest of what plain-0 holds: verify is clean on a log dir of plain-0.
  manifest = join(T, 'plain-manifest.jsonl');
  const rows = readFileSync(join(FIXTURES, 'manifest.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && JSON.parse(l).topic === 'plain');
  writeFileSync(manifest, rows.join('\n') + '\n');
});

afterAll(() => rmSync(T, { recursive: true, force: true }));

function argsFor(cmd: Command, path: string): string[] {
  if (cmd === 'harness verify') return ['harness', 'verify', '--manifest', manifest, '--log-dirs', path];
  return [cmd, path];
}

const STACK = /^\s+at |internal error|Error: [A-Z]+:|\bERR_/m;

describe('every kseg command over bad paths: exit code, one line naming the path, no stack trace, no hang', () => {
  for (const name of Object.keys(CASES)) {
    for (const cmd of COMMANDS) {
      it(`kseg ${cmd} <${name}>`, async () => {
        const path = paths.get(name)!;
        const r = await run(KSEG, argsFor(cmd, path));
        expect(r.timedOut, `took over ${LIMIT_MS} ms`).toBe(false);
        expect(r.stderr).not.toMatch(STACK);
        expect(r.stdout).not.toMatch(STACK);
        expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: EXPECTED[name]![cmd] });
        const lines = r.stderr.split('\n').filter((l) => l !== '');
        // Every line a command prints on stderr is its own: `kseg <cmd>: …`.
        for (const l of lines) expect(l.startsWith(`kseg ${cmd}: `), l).toBe(true);
        if (r.code === 2) {
          expect(lines, r.stderr).toHaveLength(1);
          expect(lines[0]).toContain(`kseg ${cmd}: ${path}: `);
        } else {
          expect(`${r.stdout}${r.stderr}`).toContain(path);
        }
      });
    }
  }

  it('a trailing slash names the same folder for every command', async () => {
    const dir = paths.get('CRLF checkpoint')!;
    for (const cmd of ['ls', 'cat', 'stats', 'audit'] as const) {
      for (const target of [dir, join(dir, 'plain-0')]) {
        const a = await run(KSEG, [cmd, target]);
        const b = await run(KSEG, [cmd, `${target}/`]);
        expect(b.code, `${cmd} ${target}/`).toBe(0);
        // The same output: the path is taken without its slash.
        expect(b.stdout).toBe(a.stdout);
      }
    }
  });
});

describe('kafka-dump-log over the same bad paths: what Kafka prints, never a stack trace or a hang', () => {
  for (const name of Object.keys(CASES)) {
    it(`kafka-dump-log --files <${name}>`, async () => {
      const r = await run(DUMP, ['--files', paths.get(name)!]);
      expect(r.timedOut, `took over ${LIMIT_MS} ms`).toBe(false);
      expect(r.stderr).not.toMatch(STACK);
      // Kafka's codes: 0, or 1 after an uncaught exception's first line.
      expect([0, 1]).toContain(r.code);
      if (r.code === 1) expect(r.stderr).toMatch(/^Exception in thread "main" [\w.$]+(: .*)?\n$/);
    });
  }
});
