// Types of scripts/modern-corpus.mjs, for the tests that import it.
export const MODERN_BROKER_PROPS: Record<string, string>;
export const MODERN_CACHE: string;
export function modernCorpusKey(): string;
export function copyLogDir(from: string, to: string): void;
export function generateModernCorpus(out: string, opts?: { log?: (line: string) => void }): Promise<string>;
export function modernCorpus(opts?: { fresh?: boolean; log?: (line: string) => void }): Promise<string>;
