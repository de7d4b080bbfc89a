import { type KafkaModule, loadKafka } from './client.js';
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

async function createTopics(kafka: KafkaModule, w: Workload, o: ProduceOptions): Promise<void> {
  const admin = new kafka.Admin({ clientId: 'kseg-harness-admin', bootstrapBrokers: o.bootstrap, timeout: o.timeoutMs ?? 30_000 });
  try {
    for (const t of w.topics) {
      try {
        await admin.createTopics({
          topics: [t.name],
          partitions: t.partitions,
          replicas: o.replicationFactor ?? 1,
          configs: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
        });
        o.log?.(`created topic ${t.name} (${t.partitions} partitions)`);
      } catch (e) {
        const msg = String((e as Error & { errors?: unknown[] }).errors?.map((x) => (x as Error).message).join('; ') ?? (e as Error).message);
        if (!/exist/i.test(msg) && !/exist/i.test((e as Error).message)) throw e;
        o.log?.(`topic ${t.name} exists`);
      }
    }
  } finally {
    await admin.close();
  }
}

function errorText(e: unknown): string {
  const err = e as Error & { errors?: Error[] };
  const inner = err.errors?.map((x) => x.message).join('; ');
  return inner ? `${err.message}: ${inner}` : err.message;
}

/** Produces a workload through real clients, one per producer spec, writing each ack or error as it arrives. */
export async function produceWorkload(w: Workload, o: ProduceOptions): Promise<ProduceSummary> {
  const kafka = await loadKafka();
  if (o.createTopics ?? true) await createTopics(kafka, w, o);
  const manifest = new ManifestWriter(o.manifestPath);
  const summary: ProduceSummary = { records: 0, acked: 0, errors: 0, partitions: [] };
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
    } else summary.errors++;
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
          clientId: `kseg-harness-${w.run}-${spec.name}`,
          bootstrapBrokers: o.bootstrap,
          timeout: o.timeoutMs ?? 30_000,
          idempotent: spec.idempotent,
          ...(spec.transactionalId ? { transactionalId: spec.transactionalId } : {}),
          compression: spec.compression,
          acks: spec.acks,
          autocreateTopics: false,
        });
        try {
          const requests = planRequests(spec, records);
          let txn: Awaited<ReturnType<typeof producer.beginTransaction>> | null = null;
          for (let i = 0; i < requests.length; i++) {
            const req = requests[i]!;
            const first = req[0]!;
            if (first.txn && !txn) txn = await producer.beginTransaction();
            try {
              const sendOptions = { messages: req.map(toMessage) } as Parameters<typeof producer.send>[0];
              const result = txn ? await txn.send(sendOptions) : await producer.send(sendOptions);
              const offs = assignOffsets(req, result.offsets ?? []);
              req.forEach((r, k) => write(r, offs[k]!, offs[k] === null ? 'no offset in the produce response' : null));
            } catch (e) {
              const produced = (e as { produced?: { offsets?: Array<{ topic: string; partition: number; offset: bigint }> } }).produced;
              const offs = assignOffsets(req, produced?.offsets ?? []);
              req.forEach((r, k) => write(r, offs[k]!, offs[k] === null ? errorText(e) : null));
            }
            const endsTxn = txn && (i + 1 === requests.length || requests[i + 1]![0]!.txnId !== first.txnId);
            if (txn && endsTxn) {
              try {
                if (first.txn === 'abort') await txn.abort();
                else await txn.commit();
              } catch (e) {
                o.log?.(`${spec.name}: ending transaction ${first.txnId} (${first.txn}) failed: ${errorText(e)}`);
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
  return summary;
}
