#!/usr/bin/env node
// The modern corpus: log dirs written by the real Kafka broker (kafka/pom.xml's version) and Kafka's own
// Java clients (kafka/ModernCorpus.java), with what Kafka 4.x writes that ../shared lacks. Test tooling:
// test/modern-corpus.test.ts compares kafka-dump-log with the real DumpLogSegments on every file of it.
//
//   node scripts/modern-corpus.mjs [--out DIR] [--fresh]
//       generates it (about two minutes) into DIR, or into the cache (.cache/modern-corpus/<key>, where
//       <key> hashes the generator's inputs) unless it is already there; prints the folder.
//
// The folder holds `kafka-logs/` (the log dir after a clean stop: trimmed indexes, producer snapshots),
// `live-logs/` (the same log dir copied while the broker ran: active segments with preallocated,
// zero-padded indexes) and `generator.txt` (the workload's steps, the features in effect, the timings).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE, KAFKA_VERSION, REPO, classpath, runJava, startBroker } from './kafka-lib.mjs';

const WORKLOAD = path.join(REPO, 'kafka/ModernCorpus.java');
const REMOTE_STORAGE = path.join(REPO, 'kafka/DirRemoteStorage.java');
const SEED = 20260516;

/** The broker's settings beyond kafka-lib's defaults; part of the cache key. */
export const MODERN_BROKER_PROPS = {
  // preallocated index files of 256 KiB (not 10 MiB) keep the live copy small
  'log.index.size.max.bytes': String(256 * 1024),
  'log.cleaner.backoff.ms': '500',
  // KRaft snapshots (.checkpoint) every few seconds of metadata, and small metadata segments (test-only setting)
  'metadata.log.max.snapshot.interval.ms': '8000',
  'metadata.log.max.record.bytes.between.snapshots': '16384',
  'internal.metadata.log.segment.bytes': '8192',
  // ACLs land in __cluster_metadata only with KRaft's authorizer; the clients here are all ANONYMOUS
  'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'super.users': 'User:ANONYMOUS',
  // the coordinator aborts a timed-out transaction within a second, not ten
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': '1000',
  // share-group state: a ShareSnapshot after every few ShareUpdates
  'share.coordinator.snapshot.update.records.per.snapshot': '8',
  // tiered storage (kafka/DirRemoteStorage.java; its folders are added per run): __remote_log_metadata
  'remote.log.storage.system.enable': 'true',
  'remote.log.storage.manager.class.name': 'DirRemoteStorage',
  'remote.log.metadata.manager.listener.name': 'PLAINTEXT',
  'rlmm.config.remote.log.metadata.topic.num.partitions': '2',
  'rlmm.config.remote.log.metadata.topic.replication.factor': '1',
  'remote.log.manager.task.interval.ms': '1000',
};

/** Compiles the tiered storage plugin into `dir` (the broker loads it from remote.log.storage.manager.class.path). */
function compileRemoteStorage(dir) {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('javac', ['-nowarn', '-cp', classpath(), '-d', dir, REMOTE_STORAGE], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`javac ${REMOTE_STORAGE} failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
}

/** Hash of everything that decides what the generator writes. */
export function modernCorpusKey() {
  const h = createHash('sha256');
  for (const f of [WORKLOAD, REMOTE_STORAGE, fileURLToPath(import.meta.url), path.join(REPO, 'kafka/pom.xml')]) h.update(readFileSync(f));
  h.update(JSON.stringify({ SEED, MODERN_BROKER_PROPS, KAFKA_VERSION }));
  return h.digest('hex').slice(0, 16);
}

export const MODERN_CACHE = path.join(path.dirname(CACHE), 'modern-corpus');

/** Copies a log dir keeping holes (preallocated indexes are sparse): GNU cp, else Node's copy. */
export function copyLogDir(from, to) {
  const r = spawnSync('cp', ['-a', '--sparse=always', from, to], { stdio: 'pipe' });
  if (r.status !== 0) cpSync(from, to, { recursive: true });
}

/**
 * Starts a broker, runs the workload, copies the log dir while the broker runs, stops it cleanly.
 * Writes `out/kafka-logs`, `out/live-logs`, `out/generator.txt`. Throws with the broker's log on failure.
 */
export async function generateModernCorpus(out, { log = () => {} } = {}) {
  const t0 = Date.now();
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'kseg-modern-'));
  const rsmClasses = path.join(work, 'remote-storage-classes');
  const remoteDir = path.join(work, 'remote-storage');
  let broker;
  try {
    compileRemoteStorage(rsmClasses);
    broker = await startBroker({
      workDir: work,
      props: { ...MODERN_BROKER_PROPS, 'remote.log.storage.manager.class.path': rsmClasses, 'rsm.config.dir': remoteDir },
    });
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  log(`broker ${KAFKA_VERSION} up at ${broker.bootstrap} (${Date.now() - t0} ms)`);
  const lines = [`Kafka ${KAFKA_VERSION}, seed ${SEED}, key ${modernCorpusKey()}`];
  try {
    const r = runJava(WORKLOAD, [broker.bootstrap, broker.logDir, String(broker.pid), String(SEED), path.join(work, 'streams-state'), remoteDir], {
      timeoutMs: 600_000,
      jvm: ['-Xmx512m'],
    });
    const steps = r.stdout.split('\n').filter((l) => l.startsWith('step ') || l === 'done');
    lines.push(...steps);
    steps.forEach((s) => log(s));
    if (r.code !== 0 || steps.at(-1) !== 'done') {
      throw new Error(`kafka/ModernCorpus.java failed (exit ${r.code}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-6000)}\n--- server.log:\n${tail(broker.serverLog)}`);
    }
    copyLogDir(broker.logDir, path.join(out, 'live-logs'));
    lines.push(`live copy at ${Date.now() - t0} ms`);
    const exit = await broker.stop();
    lines.push(`broker stopped (${exit?.code ?? exit?.signal}) at ${Date.now() - t0} ms`);
    copyLogDir(broker.logDir, path.join(out, 'kafka-logs'));
  } finally {
    await broker.stop(); // a no-op after a clean stop; after a failure it stops the broker
    rmSync(work, { recursive: true, force: true }); // the error carries the server log's tail
  }
  for (const dir of ['kafka-logs', 'live-logs']) rmSync(path.join(out, dir, '.lock'), { force: true });
  writeFileSync(path.join(out, 'generator.txt'), lines.join('\n') + '\n');
  log(`modern corpus in ${out} (${Date.now() - t0} ms)`);
  return out;
}

/**
 * The cached modern corpus for the generator's current inputs, generated first if it is not there
 * (into a temporary sibling, renamed into place when complete). Returns its folder.
 */
export async function modernCorpus({ fresh = false, log } = {}) {
  const dir = path.join(MODERN_CACHE, modernCorpusKey());
  const complete = () => existsSync(path.join(dir, 'generator.txt'));
  if (!fresh && complete()) return dir;
  mkdirSync(MODERN_CACHE, { recursive: true });
  const tmp = mkdtempSync(path.join(MODERN_CACHE, 'tmp-'));
  try {
    await generateModernCorpus(tmp, { log });
    if (fresh) rmSync(dir, { recursive: true, force: true });
    // another checkout sharing the cache may have finished the same corpus meanwhile: keep the first
    if (!complete()) renameSync(tmp, dir);
  } catch (e) {
    if (!complete()) throw e;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

function tail(file, n = 4000) {
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-n) : '';
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const log = (s) => console.error(`[modern-corpus] ${s}`);
  const dir = at >= 0 ? await generateModernCorpus(path.resolve(args[at + 1]), { log }) : await modernCorpus({ fresh: args.includes('--fresh'), log });
  console.log(dir);
}
