/** Bundles `entry` (a path relative to the repo) into one ES module in the repo's node_modules/.cache; returns its path. */
export function bundleTs(entry: string): Promise<string>;
/** Bundles `entry` (a path relative to the repo) and imports it. */
export function importTs(entry: string): Promise<unknown>;
