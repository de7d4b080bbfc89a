// Real Apache Kafka in the loop: its jars from Maven Central (kafka/pom.xml pins the version), a
// single-node KRaft broker on 127.0.0.1 started and stopped from Node, and the real
// DumpLogSegments — as one process per run (runRealDumpLog) or many runs in one JVM (DumpDriver).
// Test tooling and scripts only: nothing under src/ imports this.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const POM = path.join(REPO, 'kafka/pom.xml');

/** The pinned Kafka version: the one place it is written is kafka/pom.xml. */
const POM_TEXT = readFileSync(POM, 'utf8');
export const KAFKA_VERSION = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(POM_TEXT)[1];
/** Names the pom's contents in the cache's completion marker: an artifact added to the pom is fetched. */
const POM_KEY = `pom ${createHash('sha256').update(POM_TEXT).digest('hex').slice(0, 16)}`;

/** Where the jars are copied: git-ignored, outside any log dir; KSEG_KAFKA_CACHE overrides. */
export const CACHE = path.resolve(process.env.KSEG_KAFKA_CACHE ?? path.join(REPO, '.cache', `kafka-${KAFKA_VERSION}`));
export const LIBS = path.join(CACHE, 'libs');
const COMPLETE = path.join(CACHE, 'libs.complete');

/** Java must run in a UTF-8 locale: DumpLogSegments prints through System.out in the locale's charset. */
const JAVA_ENV = { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' };
delete JAVA_ENV.JAVA_TOOL_OPTIONS;
delete JAVA_ENV._JAVA_OPTIONS;

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Java's major version, or 0 when there is none. */
export function javaMajor() {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 0;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr);
  if (!m) return 0;
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

/** Whether the cache holds this pom's jars (the marker lists every pom whose artifacts were copied in). */
export function haveJars() {
  return existsSync(COMPLETE) && readFileSync(COMPLETE, 'utf8').split('\n').includes(POM_KEY);
}

/**
 * What stands between this machine and a real Kafka: [] when the jars are cached (or can be fetched)
 * and Java 17+ is there; otherwise one phrase per missing thing, for a skip message.
 */
export function missingForKafka() {
  const missing = [];
  if (!onPath('java')) missing.push('java (Java 17+) is not on PATH');
  else if (javaMajor() < 17) missing.push(`java is version ${javaMajor()}, Kafka ${KAFKA_VERSION} needs 17+`);
  if (!haveJars() && !onPath('mvn')) missing.push(`mvn is not on PATH and Kafka ${KAFKA_VERSION}'s jars are not cached in ${LIBS}`);
  return missing;
}

/**
 * Copies Kafka's jars and their runtime dependencies into the cache (once; ~/.m2 keeps Maven's own
 * download, so a fresh clone's fetch is a copy). Throws with Maven's output when it fails.
 * A cache filled for another version of the pom (worktrees share one) gets the missing jars added,
 * never removed: JVMs of other checkouts may be running from it.
 */
export function fetchKafka({ quiet = true } = {}) {
  if (haveJars()) return LIBS;
  mkdirSync(CACHE, { recursive: true });
  if (!existsSync(COMPLETE)) rmSync(LIBS, { recursive: true, force: true });
  const r = spawnSync(
    'mvn',
    ['-B', ...(quiet ? ['-q'] : []), '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${LIBS}`, '-DincludeScope=runtime'],
    { encoding: 'utf8', stdio: quiet ? 'pipe' : 'inherit', env: JAVA_ENV },
  );
  if (r.status !== 0) throw new Error(`mvn dependency:copy-dependencies failed (exit ${r.status}):\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  const jars = readdirSync(LIBS).filter((f) => f.endsWith('.jar'));
  if (!jars.includes(`kafka-tools-${KAFKA_VERSION}.jar`) || !jars.includes(`kafka_2.13-${KAFKA_VERSION}.jar`)) {
    throw new Error(`mvn copied ${jars.length} jars into ${LIBS} but not Kafka ${KAFKA_VERSION}'s`);
  }
  writeLog4jConfigs();
  const earlier = existsSync(COMPLETE) ? readFileSync(COMPLETE, 'utf8') : '';
  writeFileSync(COMPLETE, `${earlier}${jars.length} jars, Kafka ${KAFKA_VERSION}\n${POM_KEY}\n`);
  return LIBS;
}

const TOOLS_LOG4J = path.join(CACHE, 'tools-log4j2.properties');
const BROKER_LOG4J = path.join(CACHE, 'broker-log4j2.properties');

/** Kafka's distribution runs its tools with warnings and errors on stderr (config/tools-log4j2.yaml). */
function writeLog4jConfigs() {
  writeFileSync(
    TOOLS_LOG4J,
    [
      'appender.stderr.type = Console',
      'appender.stderr.name = STDERR',
      'appender.stderr.target = SYSTEM_ERR',
      // DumpDriver swaps System.err per run: the appender must write to the current one
      'appender.stderr.follow = true',
      'appender.stderr.layout.type = PatternLayout',
      'appender.stderr.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = WARN',
      'rootLogger.appenderRef.stderr.ref = STDERR',
      '',
    ].join('\n'),
  );
  writeFileSync(
    BROKER_LOG4J,
    [
      'appender.file.type = File',
      'appender.file.name = FILE',
      'appender.file.fileName = ${sys:kafka.logs.dir}/server.log',
      'appender.file.layout.type = PatternLayout',
      'appender.file.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = INFO',
      'rootLogger.appenderRef.file.ref = FILE',
      '',
    ].join('\n'),
  );
}

export function classpath() {
  return `${LIBS}/*`;
}

function javaArgs(log4j, mainClass, args, extraJvm = []) {
  return ['-Xss4m', `-Dlog4j2.configurationFile=${log4j}`, ...extraJvm, '-cp', classpath(), mainClass, ...args];
}

/**
 * The real kafka-dump-log.sh, one JVM: { stdout, stderr (Buffers), code }. With kafka-run-class.sh's
 * options (KAFKA_RUN_CLASS_JVM_OPTIONS), as for DumpDriver: a damaged length field that makes the tool
 * allocate hundreds of MB fails with OutOfMemoryError under its 256 MB heap, at a size that depends
 * on the collector (~252 MB with G1, ~169 MB with the serial one), whatever the machine's memory.
 */
export function runRealDumpLog(args, { cwd = process.cwd(), timeoutMs = 600_000 } = {}) {
  fetchKafka();
  const r = spawnSync('java', javaArgs(TOOLS_LOG4J, 'org.apache.kafka.tools.DumpLogSegments', args, KAFKA_RUN_CLASS_JVM_OPTIONS), {
    cwd,
    env: JAVA_ENV,
    maxBuffer: 1 << 30,
    timeout: timeoutMs,
  });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? 128 };
}

/**
 * The JVM options Kafka's bin/kafka-run-class.sh gives every tool when the user sets none: its
 * defaults for KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS and KAFKA_JMX_OPTS.
 */
export const KAFKA_RUN_CLASS_JVM_OPTIONS = [
  '-Xmx256M',
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-Djava.awt.headless=true',
  '-Dcom.sun.management.jmxremote',
  '-Dcom.sun.management.jmxremote.authenticate=false',
  '-Dcom.sun.management.jmxremote.ssl=false',
];

/**
 * The command kafka-dump-log.sh execs (one JVM, kafka-run-class.sh's default options, the tools'
 * log4j config), for a caller that runs and measures it itself: { cmd, args, env }.
 */
export function realDumpLogCommand(args) {
  fetchKafka();
  return {
    cmd: 'java',
    args: [...KAFKA_RUN_CLASS_JVM_OPTIONS, `-Dlog4j2.configurationFile=${TOOLS_LOG4J}`, '-cp', classpath(), 'org.apache.kafka.tools.DumpLogSegments', ...args],
    env: JAVA_ENV,
  };
}

/** Runs any Java main class on Kafka's classpath (its clients, its tools), with output inherited or captured; `input` goes to its stdin. */
export function runJava(mainOrSource, args, { cwd = process.cwd(), stdio = 'pipe', timeoutMs = 600_000, jvm = [], input } = {}) {
  fetchKafka();
  const r = spawnSync('java', javaArgs(TOOLS_LOG4J, mainOrSource, args, jvm), {
    cwd,
    env: JAVA_ENV,
    stdio,
    input,
    maxBuffer: 1 << 30,
    timeout: timeoutMs,
    encoding: stdio === 'pipe' ? 'utf8' : undefined,
  });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? 128 };
}

/**
 * Kafka's DumpLogSegments called many times in one JVM (kafka/DumpDriver.java). Paths are relative
 * to `cwd`. A case that takes longer than `timeoutMs` kills the JVM (reported as code 'timeout')
 * and the next case starts a new one.
 */
export class DumpDriver {
  constructor({ cwd = process.cwd(), timeoutMs = 120_000 } = {}) {
    fetchKafka();
    this.cwd = cwd;
    this.timeoutMs = timeoutMs;
    this.proc = null;
    this.queue = Promise.resolve();
  }

  #start() {
    const proc = spawn('java', javaArgs(TOOLS_LOG4J, path.join(REPO, 'kafka/DumpDriver.java'), [], [...KAFKA_RUN_CLASS_JVM_OPTIONS, '-XX:TieredStopAtLevel=1']), {
      cwd: this.cwd,
      env: JAVA_ENV,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const state = { proc, buf: Buffer.alloc(0), waiting: null, stderr: '', exited: false };
    proc.stdout.on('data', (chunk) => {
      state.buf = state.buf.length ? Buffer.concat([state.buf, chunk]) : chunk;
      this.#drain(state);
    });
    proc.stderr.on('data', (c) => (state.stderr += c.toString()));
    proc.on('exit', (code, signal) => {
      state.exited = true;
      if (state.waiting) state.waiting.reject(new Error(`DumpDriver exited (${code ?? signal}): ${state.stderr.slice(-2000)}`));
    });
    this.proc = state;
    return state;
  }

  #drain(state) {
    if (!state.waiting) return;
    const nl = state.buf.indexOf(10);
    if (nl < 0) return;
    const [code, outLen, errLen] = state.buf.subarray(0, nl).toString('ascii').split('\t').map(Number);
    const end = nl + 1 + outLen + errLen;
    if (state.buf.length < end) return;
    const stdout = Buffer.from(state.buf.subarray(nl + 1, nl + 1 + outLen));
    const stderr = Buffer.from(state.buf.subarray(nl + 1 + outLen, end));
    state.buf = state.buf.subarray(end);
    const w = state.waiting;
    state.waiting = null;
    w.resolve({ stdout, stderr, code });
  }

  /** One run of DumpLogSegments with `args`: { stdout, stderr, code } (code 'timeout' if it hung). */
  run(args) {
    if (args.some((a) => a.includes('\t') || a.includes('\n'))) throw new Error(`DumpDriver: an argument holds a TAB or newline: ${JSON.stringify(args)}`);
    const job = this.queue.then(() => this.#runNow(args));
    this.queue = job.catch(() => {});
    return job;
  }

  #runNow(args) {
    const state = this.proc && !this.proc.exited ? this.proc : this.#start();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        state.waiting = null;
        state.proc.kill('SIGKILL');
        this.proc = null;
        resolve({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), code: 'timeout' });
      }, this.timeoutMs);
      state.waiting = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          this.proc = null;
          reject(e);
        },
      };
      state.proc.stdin.write(`${args.join('\t')}\n`);
      this.#drain(state);
    });
  }

  close() {
    if (this.proc && !this.proc.exited) this.proc.proc.stdin.end();
    this.proc = null;
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks it; closed again before the broker binds it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Properties of the single-node KRaft broker+controller; `props` adds or overrides. */
export function brokerProperties({ brokerPort, controllerPort, logDir, props = {} }) {
  const base = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${brokerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': logDir,
    'num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '3',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '3',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'share.coordinator.state.topic.num.partitions': '3',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'false',
    // small segments so they roll (Kafka 4.x's lower bound for log.segment.bytes is 1 MiB)
    'log.segment.bytes': String(1024 * 1024),
    'log.cleaner.backoff.ms': '1000',
  };
  return { ...base, ...props };
}

/**
 * Formats and starts a single-node KRaft broker+controller on 127.0.0.1 (two free ports, a temp
 * `log.dirs`). Resolves once the broker answers on its port and has logged that it started.
 * Returns { bootstrap, logDir, workDir, stop() }: stop() sends SIGTERM (a clean, controlled
 * shutdown: indexes trimmed, clean-shutdown marker written) and waits for the JVM to exit.
 */
export async function startBroker({ workDir, props = {}, startTimeoutMs = 120_000, heap = '1g' } = {}) {
  fetchKafka();
  workDir ??= mkdtempSync(path.join(os.tmpdir(), 'kseg-kafka-'));
  const logDir = path.join(workDir, 'kafka-logs');
  const [brokerPort, controllerPort] = [await freePort(), await freePort()];
  const properties = brokerProperties({ brokerPort, controllerPort, logDir, props });
  const propsFile = path.join(workDir, 'server.properties');
  writeFileSync(propsFile, Object.entries(properties).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  // like Kafka's Uuid.randomUuid(): never starting with '-', which kafka-storage would take for an option
  let clusterId;
  do clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-'));
  const fmt = spawnSync(
    'java',
    javaArgs(TOOLS_LOG4J, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', propsFile]),
    { env: JAVA_ENV, encoding: 'utf8' },
  );
  if (fmt.status !== 0) throw new Error(`kafka-storage format failed (exit ${fmt.status}): ${fmt.stdout}${fmt.stderr}`);
  const proc = spawn(
    'java',
    javaArgs(BROKER_LOG4J, 'kafka.Kafka', [propsFile], [`-Xmx${heap}`, `-Xms256m`, `-Dkafka.logs.dir=${workDir}`, '-XX:+UseG1GC']),
    { env: JAVA_ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: false },
  );
  let output = '';
  proc.stdout.on('data', (c) => (output += c));
  proc.stderr.on('data', (c) => (output += c));
  let exited = null;
  const exitPromise = new Promise((resolve) => proc.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  const serverLog = path.join(workDir, 'server.log');
  const started = () => existsSync(serverLog) && /Kafka Server started/.test(readFileSync(serverLog, 'utf8'));
  const t0 = Date.now();
  for (;;) {
    if (exited) throw new Error(`the broker exited (${exited.code ?? exited.signal}) while starting:\n${output.slice(-3000)}${tail(serverLog)}`);
    if (started() && (await canConnect(brokerPort))) break;
    if (Date.now() - t0 > startTimeoutMs) {
      proc.kill('SIGKILL');
      throw new Error(`the broker did not start within ${startTimeoutMs} ms:\n${tail(serverLog)}`);
    }
    await sleep(200);
  }
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    bootstrap: `127.0.0.1:${brokerPort}`,
    brokerPort,
    controllerPort,
    logDir,
    workDir,
    clusterId,
    pid: proc.pid,
    serverLog,
    async stop({ timeoutMs = 120_000 } = {}) {
      if (!exited) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
        await exitPromise;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
      return exited;
    },
  };
}

function tail(file, n = 3000) {
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-n) : '';
}
