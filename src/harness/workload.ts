/**
 * Deterministic workloads: the same (profile, seed, records, run, base timestamp) always yields the
 * same records, byte for byte, in the same order, with the same topics, partitions and transactions.
 * Every record carries its unique id `run/producer/seq` in the `kseg-id` header (first header).
 */

export const PROFILES = ['tutorial', 'codecs', 'headers', 'large', 'idempotent', 'transactions', 'compaction'] as const;
export type ProfileName = (typeof PROFILES)[number];

export const ID_HEADER = 'kseg-id';

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Topic configs to create it with. */
  configs: Record<string, string>;
}

export interface ProducerSpec {
  name: string;
  compression: Compression;
  idempotent: boolean;
  /** Transactional id (transactional producers only). */
  transactionalId: string | null;
  acks: -1 | 1;
  /** Records are grouped into one produce request until `batchBytes` or `lingerMs` is reached. */
  lingerMs: number;
  batchBytes: number;
}

export interface PlannedRecord {
  id: string;
  producer: string;
  seq: number;
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
  timestamp: number;
  txn: null | 'commit' | 'abort';
  /** Transaction number within the producer, null outside transactions. */
  txnId: number | null;
}

export interface Workload {
  run: string;
  profile: ProfileName;
  seed: number;
  topics: TopicSpec[];
  producers: Array<{ spec: ProducerSpec; records: PlannedRecord[] }>;
}

export interface WorkloadOptions {
  seed?: number;
  /** Records per producer (default per profile). */
  records?: number;
  /** Run id (default `r<seed>`); part of every record id. */
  run?: string;
  /** CreateTime of the first record; records are 1–5 ms apart. */
  baseTimestamp?: number;
  topicPrefix?: string;
}

/** mulberry32: a small, fast, well-distributed 32-bit PRNG. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i += 4) {
      const v = (this.next() * 4294967296) >>> 0;
      b[i] = v & 0xff;
      if (i + 1 < n) b[i + 1] = (v >>> 8) & 0xff;
      if (i + 2 < n) b[i + 2] = (v >>> 16) & 0xff;
      if (i + 3 < n) b[i + 3] = v >>> 24;
    }
    return b;
  }
}

/** Kafka's murmur2 (Utils.murmur2), for the default partitioner's `toPositive(murmur2(key)) % n`. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) + ((data[i4 + 1]! & 0xff) << 8) + ((data[i4 + 2]! & 0xff) << 16) + ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length & 3;
  const base = length & ~3;
  if (rest === 3) h ^= (data[base + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[base + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[base]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const WORDS = ['click', 'login', 'logout', 'search', 'page_view', 'purchase', 'Kafka', 'café', 'naïve', 'über', '日志', '卡夫卡', 'données', 'привет', 'γειά', 'مرحبا', '🚀', '🔥', 'ok'];
const ACTIVITIES = ['login', 'logout', 'page_view', 'search', 'add_to_cart', 'purchase', 'click'];

function text(rng: Rng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(rng.pick(WORDS));
  return out.join(' ');
}

/** Mixed payloads: JSON, multilingual text, binary, empty, control characters. */
function payload(rng: Rng, id: string): Buffer {
  switch (rng.int(6)) {
    case 0:
      return Buffer.from(JSON.stringify({ id, n: rng.int(1e6), text: text(rng, 1 + rng.int(8)) }));
    case 1:
      return Buffer.from(`${text(rng, 3 + rng.int(30))}\n\t${id}\r\n`);
    case 2:
      return Buffer.concat([Buffer.from(id), rng.bytes(rng.int(300))]);
    case 3:
      return Buffer.alloc(0);
    case 4:
      return Buffer.from(`${id} `.repeat(1 + rng.int(60)));
    default:
      return Buffer.from(JSON.stringify({ id, values: Array.from({ length: rng.int(20) }, () => rng.int(1000)) }));
  }
}

function producerSpec(name: string, o: Partial<ProducerSpec> = {}): ProducerSpec {
  return { name, compression: 'none', idempotent: false, transactionalId: null, acks: -1, lingerMs: 5, batchBytes: 64 * 1024, ...o };
}

const DEFAULT_RECORDS: Record<ProfileName, number> = {
  tutorial: 300,
  codecs: 200,
  headers: 300,
  large: 6,
  idempotent: 1000,
  transactions: 400,
  compaction: 600,
};

/** Builds the workload of a profile. Pure: no clock, no I/O. */
export function buildWorkload(profile: ProfileName, options: WorkloadOptions = {}): Workload {
  if (!PROFILES.includes(profile)) throw new Error(`unknown profile ${JSON.stringify(profile)} (one of ${PROFILES.join(', ')})`);
  const seed = options.seed ?? 1;
  const n = options.records ?? DEFAULT_RECORDS[profile];
  const run = options.run ?? `r${seed}`;
  const prefix = options.topicPrefix ?? 'kseg-';
  const rng = new Rng(seed ^ hashString(profile));
  let clock = options.baseTimestamp ?? 1_700_000_000_000;
  const tick = () => (clock += 1 + rng.int(5));
  const topics: TopicSpec[] = [];
  const producers: Workload['producers'] = [];
  const addProducer = (spec: ProducerSpec) => {
    const p = { spec, records: [] as PlannedRecord[] };
    producers.push(p);
    return p;
  };
  const record = (
    p: { spec: ProducerSpec; records: PlannedRecord[] },
    topic: string,
    partition: number,
    key: Buffer | null,
    value: (id: string) => Buffer | null,
    headers: Array<[string, Buffer | null]> = [],
    txn: PlannedRecord['txn'] = null,
    txnId: number | null = null,
  ) => {
    const seq = p.records.length;
    const id = `${run}/${p.spec.name}/${seq}`;
    p.records.push({ id, producer: p.spec.name, seq, topic, partition, key, value: value(id), headers: [[ID_HEADER, Buffer.from(id)], ...headers], timestamp: tick(), txn, txnId });
  };

  switch (profile) {
    case 'tutorial': {
      // The Kafka quickstart shape: keyed JSON user activity events, key = user id.
      const topic = { name: `${prefix}user_activities`, partitions: 3, configs: {} };
      topics.push(topic);
      const p = addProducer(producerSpec('tutorial', { compression: 'lz4', lingerMs: 20, batchBytes: 16 * 1024 }));
      for (let i = 0; i < n; i++) {
        const user = 1000 + rng.int(50);
        const key = Buffer.from(`user-${user}`);
        const activity = rng.pick(ACTIVITIES);
        const page = `/page/${rng.int(40)}`;
        record(p, topic.name, partitionForKey(key, topic.partitions), key, (id) => Buffer.from(JSON.stringify({ user_id: user, activity, page, session: rng.int(1e9).toString(16), id })), [
          ['content-type', Buffer.from('application/json')],
        ]);
      }
      break;
    }
    case 'codecs': {
      for (const c of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
        const topic = { name: `${prefix}codec-${c}`, partitions: 1, configs: {} };
        topics.push(topic);
        const p = addProducer(producerSpec(`codec-${c}`, { compression: c, lingerMs: 10, batchBytes: 32 * 1024 }));
        for (let i = 0; i < n; i++) {
          const key = rng.chance(0.2) ? null : Buffer.from(`k${rng.int(100)}`);
          record(p, topic.name, 0, key, (id) => payload(rng, id));
        }
      }
      break;
    }
    case 'headers': {
      const topic = { name: `${prefix}headers`, partitions: 1, configs: {} };
      topics.push(topic);
      const p = addProducer(producerSpec('headers', { compression: 'zstd' }));
      const names = ['trace-id', 'content-type', '重试', 'ключ', 'clé-é', '🔑', '', 'x'.repeat(200), 'dup'];
      for (let i = 0; i < n; i++) {
        const hs: Array<[string, Buffer | null]> = [];
        const count = rng.int(6);
        for (let h = 0; h < count; h++) {
          const name = rng.pick(names);
          const kind = rng.int(5);
          hs.push([name, kind === 0 ? null : kind === 1 ? Buffer.alloc(0) : kind === 2 ? rng.bytes(1 + rng.int(40)) : Buffer.from(text(rng, 1 + rng.int(4)))]);
        }
        if (rng.chance(0.2)) hs.push(['dup', Buffer.from('first')], ['dup', Buffer.from('second')]);
        record(p, topic.name, 0, rng.chance(0.5) ? null : Buffer.from(text(rng, 1)), (id) => (rng.chance(0.1) ? null : payload(rng, id)), hs);
      }
      break;
    }
    case 'large': {
      const max = 8 * 1024 * 1024;
      // A batch must also fit in a segment (else RECORD_LIST_TOO_LARGE): brokers with small
      // log.segment.bytes (test brokers: 1 MiB) need the topic's own, above max.message.bytes.
      const topic = { name: `${prefix}large`, partitions: 1, configs: { 'max.message.bytes': String(max + 1024 * 1024), 'segment.bytes': String(2 * max) } };
      topics.push(topic);
      const p = addProducer(producerSpec('large', { compression: 'none', lingerMs: 0, batchBytes: 1 }));
      for (let i = 0; i < n; i++) {
        const size = 1024 * 1024 + rng.int(3 * 1024 * 1024);
        const compressible = rng.chance(0.5);
        record(p, topic.name, 0, Buffer.from(`large-${i}`), (id) => {
          const head = Buffer.from(`${id}:`);
          const body = compressible ? Buffer.alloc(size, text(rng, 20)) : rng.bytes(size);
          return Buffer.concat([head, body]);
        }, [['size', Buffer.from(String(size))]]);
      }
      break;
    }
    case 'idempotent': {
      const topic = { name: `${prefix}idempotent`, partitions: 2, configs: {} };
      topics.push(topic);
      const p = addProducer(producerSpec('idempotent', { compression: 'zstd', idempotent: true, lingerMs: 5, batchBytes: 8 * 1024 }));
      for (let i = 0; i < n; i++) {
        const key = Buffer.from(`acct-${rng.int(200)}`);
        record(p, topic.name, partitionForKey(key, topic.partitions), key, (id) => payload(rng, id));
      }
      break;
    }
    case 'transactions': {
      const topic = { name: `${prefix}txn`, partitions: 2, configs: {} };
      topics.push(topic);
      const p = addProducer(producerSpec('txn', { compression: 'gzip', idempotent: true, transactionalId: `kseg-${run}-txn`, lingerMs: 0, batchBytes: 16 * 1024 }));
      let t = 0;
      for (let i = 0; i < n; ) {
        const size = Math.min(n - i, 1 + rng.int(20));
        // Every third transaction, on average, is deliberately aborted.
        const outcome = rng.chance(1 / 3) ? 'abort' : 'commit';
        for (let k = 0; k < size; k++, i++) {
          const key = Buffer.from(`order-${rng.int(500)}`);
          record(p, topic.name, partitionForKey(key, topic.partitions), key, (id) => Buffer.from(JSON.stringify({ id, txn: t, outcome, amount: rng.int(10000) / 100 })), [], outcome, t);
        }
        t++;
      }
      break;
    }
    case 'compaction': {
      const topic = {
        name: `${prefix}compacted`,
        partitions: 1,
        configs: {
          'cleanup.policy': 'compact',
          // Kafka 4.x refuses segment.bytes below 1 MiB (INVALID_CONFIG). Segments roll on
          // segment.ms instead, which Kafka measures between the records' CreateTimes: the
          // workload's 1-5 ms ticks roll one every ~30 records, so the cleaner has closed
          // segments to compact within a second of the run.
          'segment.bytes': String(1024 * 1024),
          'min.cleanable.dirty.ratio': '0.01',
          'delete.retention.ms': '100',
          'min.compaction.lag.ms': '0',
          'segment.ms': '100',
        },
      };
      topics.push(topic);
      const p = addProducer(producerSpec('compaction', { compression: 'snappy', lingerMs: 5, batchBytes: 4 * 1024 }));
      const keys = Math.max(5, Math.floor(n / 20));
      for (let i = 0; i < n; i++) {
        const key = Buffer.from(`key-${rng.int(keys)}`);
        const tomb = rng.chance(0.15);
        record(p, topic.name, 0, key, (id) => (tomb ? null : Buffer.from(JSON.stringify({ id, version: i, v: text(rng, 2) }))));
      }
      break;
    }
  }
  return { run, profile, seed, topics, producers };
}
