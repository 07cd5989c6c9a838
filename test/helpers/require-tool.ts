/**
 * @module test/helpers/require-tool
 * Suites that need an outside program (redis-server, Chromium) call `toolOrSkip`. Without the program the suite
 * is skipped with the reason printed, unless `RC_TEST_REQUIRE=all` (set by CI), where a missing program fails.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findExecutable(name: string, extraCandidates: readonly string[] = []): string | undefined {
  const candidates = [...extraCandidates, ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name))];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/**
 * Returns the program's path, or a skip reason string for `describe(..., { skip })`.
 * Throws when the program is missing and `RC_TEST_REQUIRE=all`.
 */
export function toolOrSkip(
  name: string,
  extraCandidates: readonly string[] = [],
): { path?: string; skip: string | false } {
  const path = findExecutable(name, extraCandidates);
  if (path) return { path, skip: false };
  const reason = `${name} not found on PATH; install it (apt-get install -y ${name}) to run this suite`;
  if (process.env.RC_TEST_REQUIRE === 'all') {
    throw new Error(`RC_TEST_REQUIRE=all: ${reason}`);
  }
  console.log(`# SKIP: ${reason}`);
  return { skip: reason };
}
