// Types of scripts/kafka-lib.mjs, for the tests that import it.
export const REPO: string;
export const KAFKA_VERSION: string;
export const CACHE: string;
export const LIBS: string;
export function javaMajor(): number;
export function haveJars(): boolean;
export function missingForKafka(): string[];
export function fetchKafka(opts?: { quiet?: boolean }): string;
export function classpath(): string;
export interface JavaRun {
  stdout: Buffer;
  stderr: Buffer;
  code: number;
}
export function runRealDumpLog(args: readonly string[], opts?: { cwd?: string; timeoutMs?: number }): JavaRun;
export const KAFKA_RUN_CLASS_JVM_OPTIONS: readonly string[];
export function realDumpLogCommand(args: readonly string[]): { cmd: string; args: string[]; env: NodeJS.ProcessEnv };
export function runJava(
  mainOrSource: string,
  args: readonly string[],
  opts?: { cwd?: string; stdio?: 'pipe' | 'inherit'; timeoutMs?: number; jvm?: string[]; input?: string | Buffer },
): { stdout: string; stderr: string; code: number };
export interface DriverRun {
  stdout: Buffer;
  stderr: Buffer;
  code: number | 'timeout';
}
export class DumpDriver {
  constructor(opts?: { cwd?: string; timeoutMs?: number });
  readonly cwd: string;
  run(args: readonly string[]): Promise<DriverRun>;
  close(): void;
}
export function freePort(): Promise<number>;
export function brokerProperties(opts: { brokerPort: number; controllerPort: number; logDir: string; props?: Record<string, string> }): Record<string, string>;
export interface Broker {
  bootstrap: string;
  brokerPort: number;
  controllerPort: number;
  logDir: string;
  workDir: string;
  clusterId: string;
  pid: number;
  serverLog: string;
  stop(opts?: { timeoutMs?: number }): Promise<{ code: number | null; signal: string | null }>;
}
export function startBroker(opts?: { workDir?: string; props?: Record<string, string>; startTimeoutMs?: number; heap?: string }): Promise<Broker>;
