import { afterAll, beforeAll } from 'vitest';
import { DumpDriver, fetchKafka, missingForKafka } from '../scripts/kafka-lib.mjs';

/**
 * Whether the real Kafka (kafka/pom.xml's version: broker, DumpLogSegments, Java clients) can run
 * here. Tests that need it skip with this message otherwise, so `npm test` passes on a machine
 * without Java; `.ci/run` fetches the jars first.
 */
export const KAFKA_MISSING = missingForKafka();
export const HAVE_KAFKA = KAFKA_MISSING.length === 0;

if (!HAVE_KAFKA) {
  console.warn(`[kseg tests] tests against the real Kafka are skipped: ${KAFKA_MISSING.join('; ')}.`);
}

/** For a beforeAll: fetches the jars when only Maven's copy is missing (the first run, ~40 s). */
export function ensureKafka(): void {
  fetchKafka();
}

/**
 * For a test file: the real DumpLogSegments in one JVM with `cwd` as its working directory, started
 * before the file's tests and closed after them; the getter gives undefined where Kafka cannot run.
 */
export function useRealDumpDriver(cwd: string): () => DumpDriver | undefined {
  let driver: DumpDriver | undefined;
  beforeAll(() => {
    if (!HAVE_KAFKA) return;
    ensureKafka();
    driver = new DumpDriver({ cwd });
  });
  afterAll(() => driver?.close());
  return () => driver;
}
