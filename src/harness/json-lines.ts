/**
 * The harness's line files (manifest, consume log): one JSON value per line, blank lines ignored.
 * Yields each value with its 1-based line number; `invalid` builds the caller's error for a line
 * that is not JSON.
 */
export function* jsonLines(text: string, invalid: (line: number, message: string) => Error): Generator<{ value: unknown; line: number }> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(l);
    } catch (e) {
      throw invalid(i + 1, (e as Error).message);
    }
    yield { value, line: i + 1 };
  }
}
