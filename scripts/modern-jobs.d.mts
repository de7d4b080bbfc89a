// Types of scripts/modern-jobs.mjs, for the tests that import it.
export interface ModernDecoderMode {
  mode: string;
  flag: string;
  for: RegExp;
}
export const DECODER_MODES: ModernDecoderMode[];
export interface ModernJob {
  file: string;
  mode: string;
  applies: boolean;
  args: string[];
}
export function modernJobs(root: string): ModernJob[];
