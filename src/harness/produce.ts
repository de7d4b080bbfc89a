import { CLIENT_RETRIES, type KafkaAdmin, type KafkaModule, TOPIC_RESOURCE, type KafkaTransaction, clientRetryDelay, hasKafkaError, kafkaErrorText, loadKafka } from './client.js';
import { type ManifestRow, ManifestWriter, b64 } from './manifest.js';
import type { PlannedRecord, ProducerSpec, Workload } from './workload.js';

export interface ProduceOptions {
  bootstrap: string[];
  manifestPath: string;
  /** Create the workload's topics first (existing topics are kept). */
  createTopics?: boolean;
  replicationFactor?: number;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface ProduceSummary {
  records: number;
  acked: number;
  errors: number;
  /** Distinct send errors (the broker's error name, code and message) with how many records each. */
  errorCounts: Array<{ error: string; records: number }>;
  /** Transactions whose COMMIT or ABORT the client could not complete. */
  transactionErrors: string[];
  /** Acked offsets' extent per partition, for the flush wait. */
  partitions: Array<{ topic: string; partition: number; maxOffset: number }>;
}

/** A manifest row for a planned record, before its ack. */
export function plannedRow(r: PlannedRecord, profile: string): ManifestRow {
  return {
    id: r.id,
    producer: r.producer,
    seq: r.seq,
    profile,
    topic: r.topic,
    partition: r.partition,
    offset: null,
    key: b64(r.key),
    value: b64(r.value),
    headers: r.headers.map(([k, v]) => [k, b64(v)]),
    timestamp: r.timestamp,
    txn: r.txn,
    txnId: r.txnId,
    ackTimestamp: null,
    error: null,
  };
}

/**
 * Splits a producer's records into produce requests the way a linger/batch-size accumulator would:
 * a request closes when it reaches `batchBytes`, and never spans two transactions.
 */
export function planRequests(spec: ProducerSpec, records: PlannedRecord[]): PlannedRecord[][] {
  const out: PlannedRecord[][] = [];
  let cur: PlannedRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = (r.key?.length ?? 0) + (r.value?.length ?? 0) + r.headers.reduce((a, [k, v]) => a + k.length + (v?.length ?? 0), 0) + 20;
    if (cur.length > 0 && (bytes + size > spec.batchBytes || cur[0]!.txnId !== r.txnId)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(r);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Assigns acked offsets: a request's records in one partition get base, base+1, … in request order. */
export function assignOffsets(request: PlannedRecord[], offsets: Array<{ topic: string; partition: number; offset: bigint | number }>): Array<number | null> {
  const base = new Map<string, number>();
  for (const o of offsets) base.set(`${o.topic}\u0000${o.partition}`, Number(o.offset));
  const next = new Map<string, number>();
  return request.map((r) => {
    const k = `${r.topic}\u0000${r.partition}`;
    const b = base.get(k);
    if (b === undefined || b < 0) return null;
    const i = next.get(k) ?? 0;
    next.set(k, i + 1);
    return b + i;
  });
}

/** The options every client of a run shares: where, how long, and the Java-like retry policy. */
function clientOptions(o: ProduceOptions, clientId: string) {
  return { clientId, bootstrapBrokers: o.bootstrap, timeout: o.timeoutMs ?? 30_000, retries: CLIENT_RETRIES, retryDelay: clientRetryDelay };
}

/** How an existing topic's configs differ from the profile's (a reused topic keeps its own). */
async function configDifferences(admin: KafkaAdmin, topic: string, want: Record<string, string>): Promise<string> {
  if (Object.keys(want).length === 0) return '';
  let have: Map<string, string | null>;
  try {
    const [d] = await admin.describeConfigs({ resources: [{ resourceType: TOPIC_RESOURCE, resourceName: topic, configurationKeys: Object.keys(want) }] });
    have = new Map((d?.configs ?? []).map((c) => [c.name, c.value]));
  } catch (e) {
    return ` (its configs could not be read: ${kafkaErrorText(e)})`;
  }
  const diff = Object.entries(want).filter(([k, v]) => have.get(k) !== v);
  if (diff.length === 0) return ' (with the profile\'s configs)';
  return ` with other configs than the profile's: ${diff.map(([k, v]) => `${k}=${have.get(k) ?? 'unset'} (profile: ${v})`).join(', ')}; sends may fail or behave otherwise (--topic-prefix gives fresh topics)`;
}

async function createTopics(kafka: KafkaModule, w: Workload, o: ProduceOptions): Promise<void> {
  const admin = new kafka.Admin(clientOptions(o, 'kseg-harness-admin'));
  try {
    for (const t of w.topics) {
      const configs = Object.entries(t.configs).map(([name, value]) => ({ name, value }));
      try {
        await admin.createTopics({ topics: [t.name], partitions: t.partitions, replicas: o.replicationFactor ?? 1, configs });
        o.log?.(`created topic ${t.name} (${t.partitions} partitions${configs.length > 0 ? `, ${configs.map((c) => `${c.name}=${c.value}`).join(' ')}` : ''})`);
      } catch (e) {
        if (!hasKafkaError(e, 'TOPIC_ALREADY_EXISTS')) throw new Error(`creating topic ${t.name}: ${kafkaErrorText(e)}`);
        o.log?.(`topic ${t.name} exists${await configDifferences(admin, t.name, t.configs)}`);
      }
    }
    await waitForLeaders(admin, w);
  } finally {
    await admin.close();
  }
}

/**
 * Waits until every partition of the workload's topics answers ListOffsets, i.e. its leader has
 * the partition and would take a produce. Why: a topic created a moment ago can answer part of a
 * produce request with NOT_LEADER_OR_FOLLOWER, and the client then resends the whole request, so
 * the partitions that had taken it store those batches twice (seen on Kafka 4.3.2: 25 records of
 * the tutorial profile stored twice, which verify rightly calls duplicate [retry]).
 */
async function waitForLeaders(admin: KafkaAdmin, w: Workload, timeoutMs = 30_000): Promise<void> {
  const topics = w.topics.map((t) => ({ name: t.name, partitions: [...Array(t.partitions).keys()].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) }));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await admin.listOffsets({ topics });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`the workload's partitions have no ready leader after ${timeoutMs} ms: ${kafkaErrorText(e)}`);
      admin.clearMetadata();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Produces a workload through real clients, one per producer spec, writing each ack or error as it arrives. */
export async function produceWorkload(w: Workload, o: ProduceOptions): Promise<ProduceSummary> {
  const kafka = await loadKafka();
  if (o.createTopics ?? true) await createTopics(kafka, w, o);
  const manifest = new ManifestWriter(o.manifestPath);
  const summary: ProduceSummary = { records: 0, acked: 0, errors: 0, errorCounts: [], transactionErrors: [], partitions: [] };
  const errorCounts = new Map<string, number>();
  const maxOffset = new Map<string, { topic: string; partition: number; maxOffset: number }>();
  const write = (r: PlannedRecord, offset: number | null, error: string | null) => {
    const row = plannedRow(r, w.profile);
    row.offset = offset;
    row.error = error;
    manifest.write(row);
    summary.records++;
    if (offset !== null) {
      summary.acked++;
      const k = `${r.topic}\u0000${r.partition}`;
      const m = maxOffset.get(k);
      if (!m) maxOffset.set(k, { topic: r.topic, partition: r.partition, maxOffset: offset });
      else if (offset > m.maxOffset) m.maxOffset = offset;
    } else {
      summary.errors++;
      errorCounts.set(error ?? 'no ack', (errorCounts.get(error ?? 'no ack') ?? 0) + 1);
    }
  };
  const toMessage = (r: PlannedRecord) => ({
    topic: r.topic,
    partition: r.partition,
    key: r.key ?? undefined,
    value: r.value ?? undefined,
    headers: new Map(r.headers.map(([k, v]) => [Buffer.from(k), v] as [Buffer, Buffer])),
    timestamp: BigInt(r.timestamp),
  });
  try {
    await Promise.all(
      w.producers.map(async ({ spec, records }) => {
        const producer = new kafka.Producer({
          ...clientOptions(o, `kseg-harness-${w.run}-${spec.name}`),
          idempotent: spec.idempotent,
          ...(spec.transactionalId ? { transactionalId: spec.transactionalId } : {}),
          compression: spec.compression,
          acks: spec.acks,
          autocreateTopics: false,
        });
        try {
          const requests = planRequests(spec, records);
          let txn: KafkaTransaction | null = null;
          for (let i = 0; i < requests.length; i++) {
            const req = requests[i]!;
            const first = req[0]!;
            if (first.txn && !txn) txn = await producer.beginTransaction();
            try {
              const sendOptions = { messages: req.map(toMessage) };
              const result = txn ? await txn.send(sendOptions) : await producer.send(sendOptions);
              const offs = assignOffsets(req, result.offsets ?? []);
              req.forEach((r, k) => write(r, offs[k]!, offs[k] === null ? 'no offset in the produce response' : null));
            } catch (e) {
              const produced = (e as { produced?: { offsets?: Array<{ topic: string; partition: number; offset: bigint }> } }).produced;
              const offs = assignOffsets(req, produced?.offsets ?? []);
              req.forEach((r, k) => write(r, offs[k]!, offs[k] === null ? kafkaErrorText(e) : null));
            }
            const endsTxn = txn && (i + 1 === requests.length || requests[i + 1]![0]!.txnId !== first.txnId);
            if (txn && endsTxn) {
              try {
                if (first.txn === 'abort') await txn.abort();
                else await txn.commit();
              } catch (e) {
                const text = `${spec.name}: ending transaction ${first.txnId} (${first.txn}) failed: ${kafkaErrorText(e)}`;
                summary.transactionErrors.push(text);
                o.log?.(text);
              }
              txn = null;
            }
            if (spec.lingerMs > 0) await new Promise((r) => setTimeout(r, spec.lingerMs));
          }
        } finally {
          await producer.close();
        }
      }),
    );
  } finally {
    manifest.close();
  }
  summary.partitions = [...maxOffset.values()];
  summary.errorCounts = [...errorCounts].map(([error, records]) => ({ error, records })).sort((a, b) => b.records - a.records);
  return summary;
}
