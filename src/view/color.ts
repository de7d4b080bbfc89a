/**
 * ANSI styling for human-readable views. Colour is on only for a TTY and never when NO_COLOR is set
 * (https://no-color.org: any non-empty value) or TERM is "dumb", so piped output stays plain text
 * that diff and grep can use.
 */
export interface Palette {
  enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  magenta(s: string): string;
  cyan(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

const ON: Palette = {
  enabled: true,
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  blue: wrap(34, 39),
  magenta: wrap(35, 39),
  cyan: wrap(36, 39),
};

const id = (s: string): string => s;
const OFF: Palette = { enabled: false, bold: id, dim: id, red: id, green: id, yellow: id, blue: id, magenta: id, cyan: id };

/** Whether to colour output written to `stream` under environment `env`. */
export function colorWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return stream.isTTY === true;
}

export function palette(enabled: boolean): Palette {
  return enabled ? ON : OFF;
}

/** Removes ANSI SGR sequences (for width computations and tests). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}
