import cliProgress from 'cli-progress';

/**
 * A progress bar on stderr for long walks. It never draws unless the stream is a TTY (so pipes,
 * CI logs and tests see nothing), and only appears once the work has run for `delayMs` (1 s by
 * default): short commands stay silent and pay only a clock read per update.
 */
export interface Progress {
  /** Advance by `n` units. */
  tick(n?: number): void;
  /** Set the absolute amount done. */
  update(done: number): void;
  /** Remove the bar (if drawn). Safe to call more than once. */
  stop(): void;
}

export interface ProgressOptions {
  total: number;
  /** Shown before the bar, e.g. "stats". */
  label?: string;
  /** Units: 'bytes' formats the counts in KiB/MiB. */
  unit?: 'bytes' | 'items';
  /** false (e.g. --no-progress) disables the bar entirely. */
  enabled?: boolean;
  stream?: NodeJS.WriteStream;
  delayMs?: number;
}

const NOOP: Progress = { tick() {}, update() {}, stop() {} };

function human(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** Whether a bar would be drawn on `stream` (a TTY) when enabled. */
export function progressAllowed(stream: NodeJS.WriteStream = process.stderr, enabled = true): boolean {
  return enabled && stream.isTTY === true;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (!progressAllowed(stream, options.enabled ?? true) || options.total <= 0) return NOOP;
  const start = Date.now();
  const delay = options.delayMs ?? 1000;
  const bytes = options.unit === 'bytes';
  let done = 0;
  let bar: cliProgress.SingleBar | null = null;
  let stopped = false;
  const draw = (): void => {
    if (stopped) return;
    if (bar === null) {
      if (Date.now() - start < delay) return;
      bar = new cliProgress.SingleBar(
        {
          stream,
          clearOnComplete: true,
          // The terminal's modes are never changed (no hidden cursor, line wrap left as it is):
          // a Ctrl-C during a synchronous walk kills the process before any handler could run,
          // and then nothing needs restoring.
          hideCursor: false,
          // (cli-progress reads null as its default, false, which turns wrapping off; only true
          // leaves the terminal's wrapping alone.)
          linewrap: true,
          gracefulExit: false,
          etaBuffer: 50,
          fps: 10,
          format: (opts, params) => {
            const width = opts.barsize ?? 30;
            const filled = Math.round(params.progress * width);
            const amount = bytes ? `${human(params.value)}/${human(params.total)}` : `${params.value}/${params.total}`;
            return `${options.label ?? ''} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(params.progress * 100)}% ${amount} eta ${params.eta}s`;
          },
        },
        cliProgress.Presets.legacy,
      );
      bar.start(options.total, done);
      // Any exit (a closed pipe, process.exit) clears the bar's line.
      process.once('exit', stopOnExit);
      return;
    }
    bar.update(Math.min(done, options.total));
  };
  return {
    tick(n = 1) {
      done += n;
      draw();
    },
    update(v) {
      done = v;
      draw();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', stopOnExit);
      if (bar !== null) bar.stop();
    },
  };
  function stopOnExit(): void {
    bar?.stop();
  }
}
