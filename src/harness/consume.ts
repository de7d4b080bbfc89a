import { closeSync, openSync, writeSync } from 'node:fs';
import { clientRetryDelay, kafkaErrorText, loadKafka } from './client.js';
import type { ConsumeEvent } from './consume-log.js';
import { ID_HEADER } from './workload.js';

export interface ConsumeOptions {
  bootstrap: string[];
  group: string;
  topics: string[];
  logPath: string;
  isolation?: 'read_committed' | 'read_uncommitted';
  /** Stop after this long without a record (ms). */
  idleMs?: number;
  /** Give up after this long in all (ms). */
  timeoutMs?: number;
  /** Commit every N records (and at the end). */
  commitEvery?: number;
  log?: (line: string) => void;
}

/**
 * Reads the run's topics back through a consumer group from the earliest offset, logs every record
 * it receives, and commits (next offset to read, per partition) every `commitEvery` records and at
 * the end. Every commit it makes goes into the log, for `verify` to compare with `__consumer_offsets`.
 * It stops after `idleMs` without a record, at `timeoutMs`, or when the consumer fails; `error` is
 * then the client's error (the log's `end` event says the same), and what was delivered until then
 * is committed and logged.
 */
export async function consumeRun(o: ConsumeOptions): Promise<{ records: number; commits: number; reason: string; error: string | null }> {
  const kafka = await loadKafka();
  const fd = openSync(o.logPath, 'w');
  const emit = (e: ConsumeEvent) => writeSync(fd, JSON.stringify(e) + '\n');
  const isolation = o.isolation ?? 'read_committed';
  emit({ type: 'start', group: o.group, isolation, topics: o.topics, at: Date.now() });
  const consumer = new kafka.Consumer({
    clientId: `kseg-harness-consumer-${o.group}`,
    groupId: o.group,
    bootstrapBrokers: o.bootstrap,
    // Few retries: a fetch that keeps failing must surface well within the idle time, not look idle.
    retries: 3,
    retryDelay: clientRetryDelay,
    autocommit: false,
    isolationLevel: isolation === 'read_committed' ? 1 : 0,
  });
  let records = 0;
  let commits = 0;
  const pending = new Map<string, { topic: string; partition: number; offset: bigint; leaderEpoch: number }>();
  const commit = async () => {
    if (pending.size === 0) return;
    const offsets = [...pending.values()];
    pending.clear();
    await consumer.commit({ offsets });
    for (const x of offsets) emit({ type: 'commit', group: o.group, topic: x.topic, partition: x.partition, offset: Number(x.offset) });
    commits += offsets.length;
  };
  let reason = 'idle';
  let error: string | null = null;
  try {
    const stream = await consumer.consume({ topics: o.topics, mode: 'earliest', autocommit: false });
    const started = Date.now();
    const it = stream[Symbol.asyncIterator]();
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<'idle'>((r) => (timer = setTimeout(() => r('idle'), o.idleMs ?? 5000)));
      const failed = (e: unknown) => ({ failed: e }) as const;
      const n = await Promise.race([it.next().catch(failed), idle]);
      clearTimeout(timer);
      if (n === 'idle') break;
      if ('failed' in n) {
        error = kafkaErrorText(n.failed);
        reason = `error: ${error}`;
        break;
      }
      if (n.done) {
        reason = 'end of stream';
        break;
      }
      const m = n.value;
      const id = [...m.headers.entries()].find(([k]) => k.toString() === ID_HEADER)?.[1]?.toString() ?? null;
      emit({ type: 'record', topic: m.topic, partition: m.partition, offset: Number(m.offset), id });
      records++;
      pending.set(`${m.topic}\u0000${m.partition}`, { topic: m.topic, partition: m.partition, offset: BigInt(m.offset) + 1n, leaderEpoch: -1 });
      if (records % (o.commitEvery ?? 100) === 0) await commit();
      if (Date.now() - started > (o.timeoutMs ?? 120_000)) {
        reason = 'timeout';
        break;
      }
    }
    await commit();
    await stream.close().catch(() => {});
  } finally {
    emit({ type: 'end', at: Date.now(), records, reason });
    closeSync(fd);
    await consumer.close(true);
  }
  o.log?.(`consumed ${records} records, committed ${commits} offsets (${reason})`);
  return { records, commits, reason, error };
}
