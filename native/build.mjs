#!/usr/bin/env node
// Builds kseg's optional native CRCs (native/crc: Node-API bindings of Intel ISA-L's CRC-32C and
// CRC-32) with node-gyp, as part of `npm run build` (so `npm ci` builds it too, through prepare).
// Never fails the build: where ISA-L's headers (Debian: libisal-dev), a C compiler or node-gyp are
// missing it says so in one line and kseg uses @node-rs/crc32 (src/codec/crc.ts). Skipped when the
// addon is newer than its sources.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crc');
const addon = path.join(dir, 'build/Release/kseg_crc.node');
const sources = ['crc.c', 'binding.gyp'].map((f) => path.join(dir, f));
const say = (m) => process.stderr.write(`native: ${m}\n`);

if (existsSync(addon) && sources.every((s) => statSync(s).mtimeMs <= statSync(addon).mtimeMs)) process.exit(0);

const header = ['/usr/include/isa-l/crc.h', '/usr/local/include/isa-l/crc.h'].find((h) => existsSync(h));
if (!header) {
  say("ISA-L's headers are not installed (Debian: apt-get install libisal-dev): CRCs by @node-rs/crc32");
  process.exit(0);
}
// npm's own node-gyp: npm sets npm_config_node_gyp in scripts; otherwise next to the npm running.
const gyp = process.env.npm_config_node_gyp ?? findNpmNodeGyp();
if (!gyp) {
  say('node-gyp not found: CRCs by @node-rs/crc32');
  process.exit(0);
}
// Debian's Node has its headers in /usr/include/node: no download.
const nodedir = existsSync('/usr/include/node/node_api.h') ? ['--nodedir=/usr'] : [];
const r = spawnSync(process.execPath, [gyp, 'rebuild', ...nodedir], { cwd: dir, encoding: 'utf8' });
if (r.status !== 0 || !existsSync(addon)) {
  say(`building the ISA-L CRCs failed (node-gyp exit ${r.status}): CRCs by @node-rs/crc32\n${(r.stderr ?? '').split('\n').slice(-6).join('\n')}`);
  process.exit(0);
}
say('built native/crc (ISA-L CRC-32C and CRC-32)');

function findNpmNodeGyp() {
  const candidates = [];
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {}
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout?.trim();
  if (npmRoot) candidates.push(path.join(npmRoot, 'npm/node_modules/node-gyp/bin/node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'));
  return candidates.find((c) => existsSync(c));
}
