#!/usr/bin/env node
// node scripts/bench-floor.mjs FILE [--runs N]: how close kseg's kafka-dump-log is to the least a dump
// of FILE can take on this machine, beside Kafka's own tool. For files of large v2 entries (the
// bench's `large` set: keep one with `npm run bench -- --sets large --sizes 1024 --modes shallow
// --keep`). Per mode (shallow, --deep-iteration), rounds of three runs in turn: kseg, the floor
// (scripts/bench-floor-work.cjs: read every byte once and CRC-32C every entry on two threads with a
// perfect split, kseg's bundle loaded, nothing printed) and Kafka's DumpLogSegments as
// kafka-dump-log.sh runs it. Prints medians and, per round, Kafka's time over each: the floor's is
// the most any dump of the file by this tool's means (Node, this CRC-32C) can reach against Kafka's.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, timeOnce } from './bench-lib.mjs';
import { missingForKafka, realDumpLogCommand } from './kafka-lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const runsAt = argv.indexOf('--runs');
const runs = runsAt >= 0 ? Math.max(1, Number(argv[runsAt + 1])) : 5;
const file = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--runs');
if (!file) {
  process.stderr.write('usage: node scripts/bench-floor.mjs FILE [--runs N]\n');
  process.exit(2);
}
const missing = missingForKafka();
if (missing.length) {
  process.stderr.write(`bench-floor: Kafka's tool is needed (missing: ${missing.join(', ')})\n`);
  process.exit(2);
}

const rows = [];
for (const [mode, args] of [['shallow', []], ['deep', ['--deep-iteration']]]) {
  const dumpArgs = [...args, '--files', file];
  const who = {
    kseg: () => timeOnce([process.execPath, path.join(root, 'bin/kafka-dump-log.js'), ...dumpArgs]),
    floor: () => timeOnce([process.execPath, path.join(root, 'scripts/bench-floor-work.cjs'), mode, file]),
    kafka: () => {
      const c = realDumpLogCommand(dumpArgs);
      return timeOnce([c.cmd, ...c.args], { env: c.env });
    },
  };
  const t = { kseg: [], floor: [], kafka: [] };
  for (let i = 0; i < runs; i++) {
    // A different order each round: none of the three always runs after the same one.
    const order = [['kseg', 'floor', 'kafka'], ['kafka', 'kseg', 'floor'], ['floor', 'kafka', 'kseg']][i % 3];
    for (const w of order) t[w].push(who[w]().seconds);
  }
  const ratio = (w) => median(t.kafka.map((k, i) => k / t[w][i]));
  rows.push({ mode, kseg: median(t.kseg), floor: median(t.floor), kafka: median(t.kafka), ksegX: ratio('kseg'), floorX: ratio('floor') });
  process.stderr.write(`bench-floor: ${mode} done\n`);
}
console.log(`${path.basename(file)}, ${runs} rounds, medians (speed-up: Kafka's time over each, per round)\n`);
console.log('| mode | kseg s | floor s | Kafka s | kseg speed-up | floor speed-up | kseg / floor |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.mode} | ${r.kseg.toFixed(3)} | ${r.floor.toFixed(3)} | ${r.kafka.toFixed(3)} | ${r.ksegX.toFixed(2)}× | ${r.floorX.toFixed(2)}× | ${(r.kseg / r.floor).toFixed(2)} |`);
}
