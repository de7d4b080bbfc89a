#!/usr/bin/env node
// Real Apache Kafka (version pinned in kafka/pom.xml), fetched from Maven Central into a git-ignored
// cache and run from Node. Used by .ci/run and by the tests that compare kseg with the real thing.
//
//   node scripts/kafka.mjs fetch                 copy Kafka's jars into .cache/kafka-<version>/libs
//   node scripts/kafka.mjs check                 print what is missing for a real Kafka (exit 1), or "ok"
//   node scripts/kafka.mjs dump-log ARGS...      the real kafka-dump-log.sh (DumpLogSegments) with ARGS
//   node scripts/kafka.mjs broker [--for SECONDS] [--prop k=v ...]
//                                                format and start a KRaft broker on 127.0.0.1, print its
//                                                bootstrap address and log dir, stop it cleanly after
//                                                SECONDS (default: on Ctrl-C), leaving nothing running
import { KAFKA_VERSION, LIBS, fetchKafka, missingForKafka, runRealDumpLog, startBroker } from './kafka-lib.mjs';

const [cmd, ...rest] = process.argv.slice(2);
switch (cmd) {
  case 'fetch': {
    const t0 = Date.now();
    fetchKafka({ quiet: !rest.includes('--verbose') });
    console.log(`Kafka ${KAFKA_VERSION}: jars in ${LIBS} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    break;
  }
  case 'check': {
    const missing = missingForKafka();
    console.log(missing.length ? `missing: ${missing.join('; ')}` : `ok: Kafka ${KAFKA_VERSION}`);
    process.exit(missing.length ? 1 : 0);
    break;
  }
  case 'dump-log': {
    const r = runRealDumpLog(rest);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exit(r.code);
    break;
  }
  case 'broker': {
    const props = {};
    let seconds = 0;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--for') seconds = Number(rest[++i]);
      else if (rest[i] === '--prop') {
        const [k, ...v] = rest[++i].split('=');
        props[k] = v.join('=');
      }
    }
    const b = await startBroker({ props });
    console.log(`broker ${KAFKA_VERSION} up: bootstrap ${b.bootstrap}, log.dirs ${b.logDir}, server log ${b.serverLog}`);
    const stop = async () => {
      const e = await b.stop();
      console.log(`broker stopped (${e.code ?? e.signal})`);
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (seconds > 0) setTimeout(stop, seconds * 1000);
    break;
  }
  default:
    console.error('usage: node scripts/kafka.mjs fetch | check | dump-log ARGS... | broker [--for SECONDS] [--prop k=v ...]');
    process.exit(2);
}
