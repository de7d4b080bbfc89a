import { fetchKafka, missingForKafka } from '../scripts/kafka-lib.mjs';

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
