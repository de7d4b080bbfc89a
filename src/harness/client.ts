/**
 * The Kafka client behind the live harness: @platformatic/kafka (see docs/harness.md for why).
 *
 * It is an optional dependency, loaded only by `harness produce|run|consume`: reading log dirs,
 * `verify` and the library never load it, and `npm ci` installs kseg without it when npm skips it.
 * npm does skip it on Node < 22.19: two of its dependencies (@platformatic/dynamic-buffer,
 * @platformatic/wasm-utils) declare `node >= 22.19`, and npm drops an optional dependency whose
 * tree fails an engine check (silently, whatever --force says). They are plain JavaScript and
 * WebAssembly that run on Node 20 (kseg's live tests use them there), so `npm run harness-client`
 * installs the client into `harness-client/` beside kseg, and this loader looks there second.
 *
 * On Node < 22.15 node:zlib has no zstd, so the client's zstd codec is backed by
 * @bokuweb/zstd-wasm (no native build).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isXerialSnappy, unsnappy } from '../codec/snappy.js';

/**
 * The part of @platformatic/kafka the harness uses, written out here so kseg compiles where the
 * optional package is absent (its own types come with it).
 */
export interface KafkaMessage {
  topic: string;
  partition: number;
  key?: Buffer;
  value?: Buffer;
  headers?: Map<Buffer, Buffer | null>;
  timestamp?: bigint;
}
export interface ProduceResult {
  offsets?: Array<{ topic: string; partition: number; offset: bigint }>;
}
export interface KafkaTransaction {
  send(options: { messages: KafkaMessage[] }): Promise<ProduceResult>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}
export interface KafkaProducer {
  send(options: { messages: KafkaMessage[] }): Promise<ProduceResult>;
  beginTransaction(): Promise<KafkaTransaction>;
  close(): Promise<void>;
}
export interface ReceivedMessage {
  topic: string;
  partition: number;
  offset: bigint;
  headers: Map<Buffer, Buffer>;
}
export interface KafkaConsumer {
  consume(options: { topics: string[]; mode: 'earliest' | 'latest' | 'committed'; autocommit: boolean }): Promise<AsyncIterable<ReceivedMessage> & { close(): Promise<void> }>;
  commit(options: { offsets: Array<{ topic: string; partition: number; offset: bigint; leaderEpoch: number }> }): Promise<void>;
  close(force?: boolean): Promise<void>;
}
/** DescribeConfigs' resource type of a topic. */
export const TOPIC_RESOURCE = 2;
export interface KafkaAdmin {
  createTopics(options: { topics: string[]; partitions: number; replicas: number; configs: Array<{ name: string; value: string }> }): Promise<unknown>;
  describeConfigs(options: {
    resources: Array<{ resourceType: number; resourceName: string; configurationKeys?: string[] }>;
  }): Promise<Array<{ resourceName: string; configs: Array<{ name: string; value: string | null }> }>>;
  listOffsets(options: { topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; timestamp: bigint }> }> }): Promise<unknown>;
  /** Forgets the cached cluster metadata (the next request fetches it again). */
  clearMetadata(): void;
  close(): Promise<void>;
}
/** Options every client takes (`retryDelay` may be a function, see clientRetryDelay). */
export interface ClientOptions {
  clientId: string;
  bootstrapBrokers: string[];
  timeout?: number;
  retries?: number;
  retryDelay?: number | typeof clientRetryDelay;
}
interface Codec {
  available: boolean;
  compressSync: (d: unknown) => Buffer;
  decompressSync: (d: unknown) => Buffer;
}
export interface KafkaModule {
  Admin: new (o: ClientOptions) => KafkaAdmin;
  Producer: new (
    o: ClientOptions & { idempotent?: boolean; transactionalId?: string; compression?: string; acks?: number; autocreateTopics?: boolean },
  ) => KafkaProducer;
  Consumer: new (o: ClientOptions & { groupId: string; autocommit?: boolean; isolationLevel?: number }) => KafkaConsumer;
  compressionsAlgorithms: Record<string, Codec>;
  createRecordsBatch(messages: KafkaMessage[], options?: { compression?: string }): unknown;
}

interface ZstdWasm {
  init(): Promise<void>;
  compress(d: Uint8Array, level: number): Uint8Array;
  decompress(d: Uint8Array): Uint8Array;
}

export const KAFKA_CLIENT = '@platformatic/kafka';
const ZSTD_WASM = '@bokuweb/zstd-wasm';

/** The live client (or the zstd codec it needs on Node < 22.15) is not installed. */
export class KafkaClientMissingError extends Error {}

/** kseg's own folder: the nearest package.json named kseg above this module (src/, dist/ or dist/bundle/). */
function ksegRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'kseg') return dir;
      } catch {
        // not kseg's; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** Where `npm run harness-client` installs the client (a kseg checkout only). */
export function harnessClientDir(): string | null {
  const root = ksegRoot();
  return root === null ? null : join(root, 'harness-client');
}

/** The client version kseg pins (package.json's optionalDependencies). */
export function pinnedClientVersion(): string | null {
  const root = ksegRoot();
  if (root === null) return null;
  const pj = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> };
  return pj.optionalDependencies?.[KAFKA_CLIENT] ?? null;
}

function notFound(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function missing(what: string, cause: unknown): KafkaClientMissingError {
  const version = pinnedClientVersion();
  const pkg = `${what}${what === KAFKA_CLIENT && version ? `@${version}` : ''}`;
  return new KafkaClientMissingError(
    [
      `the live harness (produce, run, consume) needs ${pkg}, which is not installed (${(cause as Error).message.split('\n')[0]}).`,
      `It is an optional dependency: npm installs it on Node >= 22.19 and skips it on older Node, where its own dependencies ask for 22.19 (they run on Node 20).`,
      `In a kseg checkout: npm run harness-client. Elsewhere: npm install ${pkg} in the project that uses kseg.`,
      'Reading log dirs and `kseg harness verify` do not need it.',
    ].join('\n'),
  );
}

/** Imports an optional package: from kseg's node_modules, then from harness-client/. */
async function importOptional<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    if (!notFound(e)) throw e;
    const dir = harnessClientDir();
    if (dir !== null && existsSync(join(dir, 'node_modules'))) {
      let entry: string;
      try {
        entry = createRequire(join(dir, 'package.json')).resolve(name);
      } catch {
        throw missing(name, e);
      }
      return (await import(pathToFileURL(entry).href)) as T;
    }
    throw missing(name, e);
  }
}

/** Whether the live client can be loaded here (for the tests' skip message). */
export async function kafkaClientMissing(): Promise<string | null> {
  try {
    await loadKafka();
    return null;
  } catch (e) {
    if (e instanceof KafkaClientMissingError) return e.message.split('\n')[0]!;
    throw e;
  }
}

let loaded: Promise<KafkaModule> | null = null;

export function loadKafka(): Promise<KafkaModule> {
  loaded ??= (async () => {
    const kafka = await importOptional<KafkaModule>(KAFKA_CLIENT);
    // The client hands codecs a Buffer or its own DynamicBuffer (whose .buffer is contiguous).
    const bytes = (d: unknown): Buffer => (Buffer.isBuffer(d) ? d : (d as { buffer: Buffer }).buffer);
    const zstd = kafka.compressionsAlgorithms['zstd']!;
    if (!zstd.available) {
      const wasm = await importOptional<ZstdWasm>(ZSTD_WASM);
      await wasm.init();
      zstd.compressSync = (d) => Buffer.from(wasm.compress(bytes(d), 3));
      zstd.decompressSync = (d) => Buffer.from(wasm.decompress(bytes(d)));
      zstd.available = true;
    }
    // Kafka's Java code (its producers, and the log cleaner when it rewrites a snappy batch) frames
    // snappy the xerial way, which the client's WebAssembly snappy cannot read: its fetch fails with
    // "RuntimeError: unreachable" on the batches Kafka 4.3.2's cleaner wrote. kseg's codec reads both.
    const snappy = kafka.compressionsAlgorithms['snappy']!;
    const clientSnappy = snappy.decompressSync;
    snappy.decompressSync = (d) => {
      const b = bytes(d);
      if (!isXerialSnappy(b)) return clientSnappy(d);
      const out = unsnappy(b);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    };
    return kafka;
  })();
  loaded.catch(() => {
    loaded = null;
  });
  return loaded;
}

/** What the client's errors carry: a ProtocolError holds the broker's error name, code and message. */
interface ClientError {
  message?: string;
  errors?: unknown[];
  apiId?: string;
  apiCode?: number;
  serverErrorMessage?: string | null;
  path?: string;
  cause?: unknown;
}

/**
 * One line for a client error, down to the broker's answer: the client's own message says only
 * "Received response with error while executing API CreateTopics(v7)"; the broker's error name,
 * code and message (e.g. INVALID_CONFIG (40): Invalid value 16384 for configuration segment.bytes:
 * Value must be at least 1048576) sit in the nested ProtocolErrors.
 */
export function kafkaErrorText(e: unknown): string {
  const walk = (x: unknown): string => {
    const err = (x ?? {}) as ClientError;
    if (typeof err.apiId === 'string') {
      const what = err.serverErrorMessage ? err.serverErrorMessage : (err.message ?? '');
      return `${err.apiId} (error code ${err.apiCode})${what ? `: ${what}` : ''}`;
    }
    // A retried request carries one error per attempt: say each distinct one once. A network
    // error's cause is the socket's (connect ECONNREFUSED 127.0.0.1:9092).
    const inner: string[] = [];
    for (const t of [...(err.errors ?? []), ...(err.cause === undefined || err.cause === null ? [] : [err.cause])].map(walk)) {
      if (t !== '' && !inner.includes(t)) inner.push(t);
    }
    const own = err.message ?? String(x);
    return inner.length > 0 ? `${own.replace(/\.$/, '')}: ${inner.join('; ')}` : own;
  };
  return walk(e);
}

/** Whether a client error (or one nested in it) is the broker error `apiId`. */
export function hasKafkaError(e: unknown, apiId: string): boolean {
  const err = (e ?? {}) as ClientError;
  return err.apiId === apiId || (err.errors ?? []).some((x) => hasKafkaError(x, apiId));
}

/** Retries per request: enough for the backoffs below to span a few seconds. */
export const CLIENT_RETRIES = 10;

/**
 * The client's retry delay, shaped like the Java producer's. The client's default is a flat 1000 ms,
 * and every transaction after the first pays it: the coordinator answers the next
 * AddPartitionsToTxn with CONCURRENT_TRANSACTIONS while it still writes the previous transaction's
 * markers (a few ms), as Kafka's protocol does. The Java producer retries that case after 20 ms;
 * other retriable errors back off exponentially from 100 ms to 1 s (retry.backoff.ms,
 * retry.backoff.max.ms). Measured on Kafka 4.3.2: 400 records in 35 transactions took 32 s with
 * the default, 1.5-4 s with this (by machine load).
 */
export function clientRetryDelay(_client: unknown, _operation: string, attempt: number, _retries: number, error: unknown): number {
  if (hasKafkaError(error, 'CONCURRENT_TRANSACTIONS')) return 20;
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 1000);
}

export function parseBootstrap(s: string): string[] {
  const list = s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (list.length === 0) throw new Error('--bootstrap needs HOST:PORT[,HOST:PORT…]');
  for (const b of list) {
    const host = b.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (!/^(localhost|127\.\d+\.\d+\.\d+|::1)$/.test(host)) {
      // The harness drives a local test broker; refusing remote hosts keeps a typo from writing to a real cluster.
      throw new Error(`--bootstrap ${b}: only localhost brokers are allowed (set KSEG_HARNESS_ALLOW_REMOTE=1 to override)`);
    }
  }
  return list;
}

export function allowRemote(s: string): string[] {
  return process.env['KSEG_HARNESS_ALLOW_REMOTE'] === '1' ? s.split(',').map((x) => x.trim()).filter(Boolean) : parseBootstrap(s);
}
