import { Command, InvalidArgumentError } from 'commander';
import { PathError } from '../io/paths.js';
import { LogDirBrowser } from '../serve/api.js';
import { startServer } from '../serve/server.js';

const DEFAULT_PORT = 8642;

function parsePort(s: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 65535) throw new InvalidArgumentError(`not a TCP port (0-65535): ${s}`);
  return n;
}

/** `kseg serve [LOG_DIR] [--port N]`: the read-only web page on 127.0.0.1 (src/serve). */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Browse a log dir in a web page on 127.0.0.1 (read-only): partitions, batches, records, index seeks, audit findings, every byte explained')
    .argument('[LOG_DIR]', 'a log dir or one partition folder', '/tmp/kafka-logs')
    .option('--port <n>', `TCP port on 127.0.0.1 (0 picks a free one)`, parsePort, DEFAULT_PORT)
    .action(async (logDir: string, opts: { port: number }) => {
      let running;
      try {
        running = await startServer(new LogDirBrowser(logDir), { port: opts.port });
      } catch (e) {
        if (e instanceof PathError) {
          process.stderr.write(`kseg serve: ${e.message}\n`);
          process.exitCode = 2;
          return;
        }
        const code = (e as { code?: string }).code;
        const why = code === 'EADDRINUSE' ? `port ${opts.port} on 127.0.0.1 is in use; pick another with --port N (0: any free port)` : e instanceof Error ? e.message : String(e);
        process.stderr.write(`kseg serve: ${why}\n`);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(`kseg serve: ${logDir} at ${running.url} (read-only; Ctrl-C stops)\n`);
      const stop = () => void running.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
