import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaClientMissing } from '../src/harness/client.js';
import { FIXTURES, REPO, ensureBuilt } from './helpers.js';

/**
 * The kseg command line as a user meets it: one exit-code convention for every command (0 done,
 * 1 findings, 2 could not run), errors as `kseg <cmd>: …`, and one vocabulary of options.
 */
const KSEG = resolve(REPO, 'bin/kseg.js');

function kseg(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [KSEG, ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'kseg-cli-'));
const good = join(FIXTURES, 'kafka-logs');
const goodSegment = join(good, 'plain-0/00000000000000000000.log');
/** A copy of plain-0 with one byte flipped in its first batch and its last segment torn. */
const damaged = join(tmp, 'logs');
const damagedSegment = join(damaged, 'plain-0/00000000000000000000.log');
const manifest = join(FIXTURES, 'manifest.jsonl');

beforeAll(() => {
  ensureBuilt('dist/bundle/kseg.js');
  cpSync(join(good, 'plain-0'), join(damaged, 'plain-0'), { recursive: true });
  const first = readFileSync(damagedSegment);
  first[100] = first[100]! ^ 0xff; // inside the first batch's records: its CRC fails
  writeFileSync(damagedSegment, first);
  const last = join(damaged, 'plain-0/00000000000000001344.log');
  const bytes = readFileSync(last);
  writeFileSync(last, bytes.subarray(0, bytes.length - 10));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** [command args on a clean input, on a damaged one] per command. */
const COMMANDS: Record<string, { clean: string[]; damaged: string[] }> = {
  ls: { clean: ['ls', good], damaged: ['ls', damaged] },
  cat: { clean: ['cat', good, '-t', 'plain', '-n', '3'], damaged: ['cat', damaged] },
  stats: { clean: ['stats', good], damaged: ['stats', damaged] },
  audit: { clean: ['audit', good], damaged: ['audit', damaged] },
  explain: { clean: ['explain', goodSegment], damaged: ['explain', damagedSegment] },
  'harness verify': {
    clean: ['harness', 'verify', '--manifest', manifest, '--log-dirs', good],
    // The manifest lists every fixture topic; this log dir holds plain-0 only, damaged.
    damaged: ['harness', 'verify', '--manifest', manifest, '--log-dirs', damaged],
  },
};

describe('exit codes: 0 done, 1 findings, 2 could not run — every command', () => {
  for (const [name, c] of Object.entries(COMMANDS)) {
    const words = name.split(' ');
    it(`kseg ${name}`, () => {
      const ok = kseg(...c.clean);
      expect(ok.code, ok.stderr).toBe(0);
      const found = kseg(...c.damaged);
      expect(found.code, found.stderr).toBe(1);
      // Usage errors: exit 2, one line in the command's name (was commander's 'error: …', exit 1).
      const unknown = kseg(...words, '--no-such-option', ...c.clean.slice(words.length));
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toBe(`kseg ${name}: unknown option '--no-such-option'\n`);
      const format = kseg(...c.clean, '--format', 'xml');
      expect(format.code).toBe(2);
      expect(format.stderr).toMatch(new RegExp(`^kseg ${name}: option '-f, --format <format>' argument 'xml' is invalid\\. one of text, json(, ndjson)?, not xml\\n$`));
      const help = kseg(...words, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('-f, --format <format>');
    });
  }

  it('a missing argument, an unknown command, no command: exit 2; --version and help: 0', () => {
    const missing = kseg('cat');
    expect(missing).toMatchObject({ code: 2, stderr: "kseg cat: missing required argument 'path'\n" });
    expect(kseg('nope')).toMatchObject({ code: 2, stderr: "kseg: unknown command 'nope'\n" });
    expect(kseg().code).toBe(2);
    expect(kseg('--version')).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    expect(kseg('help').code).toBe(0);
  });

  it('a bad option value is a usage error naming the option', () => {
    expect(kseg('cat', good, '--limit', 'many')).toMatchObject({ code: 2, stderr: "kseg cat: option '-n, --limit <n>' argument 'many' is invalid. not a count (0 or more): many\n" });
    expect(kseg('explain', goodSegment, '--count', '0')).toMatchObject({ code: 2, stderr: "kseg explain: option '-n, --count <n>' argument '0' is invalid. not a count of at least 1: 0\n" });
    expect(kseg('cat', good, '--to-offset', '-3').code).toBe(2);
    expect(kseg('cat', good, '--codec', 'brotli')).toMatchObject({ code: 2, stderr: 'kseg cat: unknown codec brotli (one of none, gzip, snappy, lz4, zstd)\n' });
    expect(kseg('cat', good, '--aborted', '--committed')).toMatchObject({ code: 2, stderr: 'kseg cat: --aborted and --committed exclude each other\n' });
    expect(kseg('explain', goodSegment, '--offset', '1', '--position', '0')).toMatchObject({ code: 2, stderr: 'kseg explain: give --offset or --position, not both\n' });
  });
});

describe('one vocabulary', () => {
  it('--format takes text and json on every command (ls table and audit human still read as text)', () => {
    for (const c of Object.values(COMMANDS)) {
      const text = kseg(...c.clean, '-f', 'text');
      expect(text.code).toBe(0);
      const json = kseg(...c.clean, '-f', 'json');
      expect(json.code).toBe(0);
      JSON.parse(json.stdout);
    }
    expect(kseg('ls', good, '--format', 'table').stdout).toBe(kseg('ls', good).stdout);
    expect(kseg('audit', good, '--format', 'human').stdout).toBe(kseg('audit', good).stdout);
  });

  it("cat's short options are kcat's: -t topic, -p partition, -o offset, -n count, -f format", () => {
    const long = kseg('cat', good, '--topic', 'txn', '--partition', '0', '--from-offset', '20', '--limit', '4', '--format', 'ndjson');
    const short = kseg('cat', good, '-t', 'txn', '-p', '0', '-o', '20', '-n', '4', '-f', 'ndjson');
    expect(short).toEqual(long);
    expect(short.stdout.trim().split('\n').map((l) => JSON.parse(l).offset)).toEqual([20, 21, 22, 23]);
  });

  it('explain: -o for the offset, -n for the count', () => {
    const a = kseg('explain', goodSegment, '--offset', '10', '--count', '2', '-f', 'json');
    expect(kseg('explain', goodSegment, '-o', '10', '-n', '2', '-f', 'json')).toEqual(a);
    expect(JSON.parse(a.stdout).batches).toHaveLength(2);
  });
});

const CLIENT_MISSING = await kafkaClientMissing();

describe.skipIf(CLIENT_MISSING !== null)(`the harness, when the broker cannot be reached${CLIENT_MISSING ? ` (skipped: ${CLIENT_MISSING})` : ''}`, () => {
  it('one line naming the broker and the cause, exit 2', async () => {
    // A port nothing listens on: bound, then closed.
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const r = kseg('harness', 'produce', '--bootstrap', `127.0.0.1:${port}`, '--profile', 'tutorial', '--manifest', join(tmp, 'm.jsonl'), '--timeout', '2000');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^kseg harness produce: broker 127\\.0\\.0\\.1:${port}: .*: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\n$`));
    const remote = kseg('harness', 'produce', '--bootstrap', 'example.com:9092', '--profile', 'tutorial', '--manifest', join(tmp, 'm.jsonl'));
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('example.com:9092: only localhost brokers are allowed');
  });
});
