// The DumpLogSegments runs over the modern corpus (scripts/modern-corpus.mjs): which files, which modes.
// Used by test/modern-corpus.test.ts and scripts/make-modern-fixtures.mjs. Not part of the corpus's cache key.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The internal-topic decoders: the mode's name (as in ../shared's jobs.tsv), its flag, the files it is for. */
export const DECODER_MODES = [
  { mode: 'offsets', flag: '--offsets-decoder', for: /^__consumer_offsets-\d+$/ },
  { mode: 'txnlog', flag: '--transaction-log-decoder', for: /^__transaction_state-\d+$/ },
  { mode: 'metadata', flag: '--cluster-metadata-decoder', for: /^__cluster_metadata-\d+$|^bootstrap\.checkpoint$/ },
  { mode: 'sharestate', flag: '--share-group-state-decoder', for: /^__share_group_state-\d+$/ },
  { mode: 'remotelog', flag: '--remote-log-metadata-decoder', for: /^__remote_log_metadata-\d+$/ },
];

/**
 * Every DumpLogSegments run over the corpus in `root`: each file of its log dirs in every mode of
 * ../shared's jobs.tsv that fits the file, plus each internal-topic decoder on every segment and snapshot
 * (on files it is not for, as a user may mistype: `applies` false). Files the tool does not dump (text
 * files, cleaner leftovers) get the plain run. Paths are relative to `root`, sorted.
 * Returns [{ file, mode, applies, args }].
 */
export function modernJobs(root) {
  const files = [];
  const walk = (rel) => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = `${rel}/${name}`;
      if (statSync(path.join(root, r)).isDirectory()) walk(r);
      else files.push(r);
    }
  };
  for (const dir of ['kafka-logs', 'live-logs']) if (existsSync(path.join(root, dir))) walk(dir);
  const jobs = [];
  for (const file of files) {
    const parts = file.split('/');
    const owner = parts.length > 2 ? parts.at(-2) : parts.at(-1); // the partition folder, or a root file's name
    const add = (mode, flags, applies = true) => jobs.push({ file, mode, applies, args: [...flags, '--files', file] });
    if (/\.(log|checkpoint)$/.test(file)) {
      add('shallow', []);
      add('deep', ['--deep-iteration']);
      add('data', ['--print-data-log']);
      add('skipmeta', ['--print-data-log', '--skip-record-metadata']);
      for (const d of DECODER_MODES) add(d.mode, [d.flag], d.for.test(owner));
    } else if (/\.(index|timeindex)$/.test(file)) {
      add('plain', []);
      add('verify', ['--verify-index-only']);
      add('sanity', ['--index-sanity-check']);
    } else {
      add('plain', []);
    }
  }
  return jobs;
}
