import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { resolveDirectory } from '../io/paths.js';
import { allowRemote, kafkaErrorText } from '../harness/client.js';
import { readConsumeLog } from '../harness/consume-log.js';
import { readManifest } from '../harness/manifest.js';
import { type SendSummary, type VerifyReport, verifyRun, withSends } from '../harness/verify.js';
import { PROFILES, type ProfileName, buildWorkload } from '../harness/workload.js';
import { verifyReportJson, verifyReportText } from '../harness/report-text.js';
import { type CommandIo, EXIT, RunError, runCommand } from './command.js';
import { formatOption } from './options.js';

function int(name: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

/** `--bootstrap`: localhost brokers only unless KSEG_HARNESS_ALLOW_REMOTE=1 (a usage error otherwise). */
function bootstrapList(v: string): string[] {
  try {
    return allowRemote(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--bootstrap /, ''));
  }
}

const list = (v: string) => v.split(',').map((x) => x.trim()).filter((x) => x !== '');
const log = (s: string) => process.stderr.write(`kseg harness: ${s}\n`);

interface VerifyFlags {
  manifest: string;
  logDirs: string[];
  format: 'text' | 'json';
  consumeLog?: string;
  compacted?: string[];
  output?: string;
  max: number;
}

/** Prints the verify report; returns exit 1 when a record is not where and as it should be. */
function runVerify(flags: VerifyFlags, io: CommandIo, sends?: SendSummary): number {
  // Each log dir is resolved (and refused if it is none) before the manifest is read against it.
  for (const d of flags.logDirs) resolveDirectory(d, { what: 'a log dir' });
  const files = verifyRun(readManifest(flags.manifest), flags.logDirs, {
    manifestPath: flags.manifest,
    ...(flags.consumeLog ? { consumeLog: readConsumeLog(flags.consumeLog) } : {}),
    ...(flags.compacted ? { compactedTopics: new Set(flags.compacted) } : {}),
  });
  const report: VerifyReport = sends ? withSends(files, sends) : files;
  const text = flags.format === 'json' ? verifyReportJson(report) : verifyReportText(report, { maxPerClass: flags.max });
  if (flags.output) writeFileSync(flags.output, text);
  else io.out(text);
  return report.ok ? EXIT.OK : EXIT.FINDINGS;
}

function verifyOptions(c: Command): Command {
  return c
    .requiredOption('--log-dirs <dirs>', 'log dir(s), comma separated: several are replicas compared byte for byte', list)
    .addOption(formatOption())
    .option('--consume-log <file>', 'the log of `kseg harness consume`: also check delivery and committed offsets')
    .option('--compacted <topics>', 'treat these topics as compacted even without a cleaner checkpoint', list)
    .option('--output <file>', 'write the report to a file instead of stdout')
    .option('--max <n>', 'findings shown per class in the text report', int('--max'), 20);
}

function profile(v: string): ProfileName {
  if (!(PROFILES as readonly string[]).includes(v)) throw new InvalidArgumentError(`one of ${PROFILES.join(', ')}`);
  return v as ProfileName;
}

function produceOptions(c: Command): Command {
  return c
    .requiredOption('--bootstrap <host:port>', 'broker(s) to produce to (localhost only)', bootstrapList)
    .requiredOption('--profile <name>', `workload: ${PROFILES.join(', ')}`, profile)
    .requiredOption('--manifest <file>', 'where to write the manifest (one line per record, as acked)')
    .option('--seed <n>', 'workload seed', int('--seed'), 1)
    .option('--records <n>', 'records per producer (default: per profile)', int('--records'))
    .option('--run <id>', 'run id in every record id (default r<seed>)')
    .option('--topic-prefix <prefix>', 'prefix of the workload topics', 'kseg-')
    .option('--replication-factor <n>', 'replication factor of created topics', int('--replication-factor'), 1)
    .option('--no-create-topics', 'do not create the topics')
    .option('--timeout <ms>', 'request timeout', int('--timeout'), 30_000);
}

/** Runs a step that talks to the broker; its failure is one line naming the broker and the cause. */
async function live<T>(bootstrap: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw new RunError(`broker ${bootstrap}: ${kafkaErrorText(e)}`);
  }
}

async function runProduce(o: Record<string, unknown>) {
  const { produceWorkload } = await import('../harness/produce.js');
  const w = buildWorkload(o['profile'] as ProfileName, {
    seed: o['seed'] as number,
    ...(o['records'] !== undefined ? { records: o['records'] as number } : {}),
    ...(o['run'] ? { run: o['run'] as string } : {}),
    topicPrefix: o['topicPrefix'] as string,
    baseTimestamp: Date.now(),
  });
  const bootstrap = o['bootstrap'] as string[];
  const s = await live(bootstrap.join(','), () => produceWorkload(w, {
    bootstrap,
    manifestPath: o['manifest'] as string,
    createTopics: o['createTopics'] as boolean,
    replicationFactor: o['replicationFactor'] as number,
    timeoutMs: o['timeout'] as number,
    log,
  }));
  log(`produced ${s.records} records (${w.profile}, seed ${w.seed}, run ${w.run}): ${s.acked} acked, ${s.errors} errors → ${o['manifest']}`);
  for (const e of s.errorCounts.slice(0, 5)) log(`  ${e.records} × ${e.error}`);
  return { s, w };
}

/** `kseg harness produce|verify|run|consume`. */
export function registerHarness(program: Command): void {
  const h = program.command('harness').description('Produce a deterministic workload through a real client, then verify every record against the files');

  produceOptions(h.command('produce').description('produce a workload and write the manifest as acks arrive')).action((o) =>
    runCommand('harness produce', async () => ((await runProduce(o)).s.errors > 0 ? EXIT.FINDINGS : EXIT.OK)),
  );

  verifyOptions(
    h
      .command('verify')
      .description('classify every manifest record against the log dir(s): intact, lost, duplicate, misplaced, corrupted, reordered, …')
      .requiredOption('--manifest <file>', 'manifest (JSON lines)'),
  ).action((o: VerifyFlags) => runCommand('harness verify', (io) => runVerify(o, io)));

  verifyOptions(produceOptions(h.command('run').description('produce, wait until every acked offset is readable in the files, then verify')))
    .option('--flush-timeout <ms>', 'how long to wait for the files', int('--flush-timeout'), 60_000)
    .action((o) =>
      runCommand('harness run', async (io) => {
        const { s, w } = await runProduce(o);
        const { waitForFlush } = await import('../harness/flush.js');
        const pending = await waitForFlush(o.logDirs, s.partitions, { timeoutMs: o.flushTimeout });
        if (pending.length > 0) log(`flush wait timed out; not yet readable: ${pending.map((p) => `${p.topic}-${p.partition}@${p.maxOffset}`).join(', ')}`);
        // The run made its compacted topics: the cleaner may remove superseded records before it has
        // written its checkpoint, which verify otherwise relies on to explain them.
        const compacted = w.topics.filter((t) => (t.configs['cleanup.policy'] ?? '').includes('compact')).map((t) => t.name);
        return runVerify({ ...o, compacted: [...(o.compacted ?? []), ...compacted] }, io, {
          sent: s.records,
          acked: s.acked,
          failed: s.errors,
          errors: s.errorCounts,
          transactionErrors: s.transactionErrors,
        });
      }),
    );

  h.command('consume')
    .description('read the run back through a consumer group, committing as it goes; log what was delivered and committed')
    .requiredOption('--bootstrap <host:port>', 'broker(s) (localhost only)', bootstrapList)
    .requiredOption('--group <id>', 'consumer group id')
    .requiredOption('--manifest <file>', "the run's manifest (its topics are consumed)")
    .requiredOption('--consume-log <file>', 'where to write the consume log (for verify --consume-log)')
    .addOption(new Option('--isolation <level>', 'isolation level').choices(['read_committed', 'read_uncommitted']).default('read_committed'))
    .option('--idle <ms>', 'stop after this long without a record', int('--idle'), 5000)
    .option('--timeout <ms>', 'stop after this long in all', int('--timeout'), 120_000)
    .action((o) =>
      runCommand('harness consume', async () => {
        const { consumeRun } = await import('../harness/consume.js');
        const topics = [...new Set(readManifest(o.manifest).map((r) => r.topic))];
        const bootstrap = o.bootstrap as string[];
        const c = await live(bootstrap.join(','), () => consumeRun({
          bootstrap,
          group: o.group,
          topics,
          logPath: o.consumeLog,
          isolation: o.isolation,
          idleMs: o.idle,
          timeoutMs: o.timeout,
          log,
        }));
        // The log holds what was delivered until the failure; the run itself did not finish.
        return c.error !== null ? EXIT.FINDINGS : EXIT.OK;
      }),
    );
}
