/**
 * Reads a table out of a section of a document (between `<!-- section:<name> -->` markers): the rows whose first
 * cell is a backticked name, as arrays of cell texts. `doc` is a path from the repository root, e.g.
 * `docs/configuration.md`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The text of a section of a document, between its `<!-- section:<name> -->` markers. */
export function docSection(doc: string, section: string): string {
  const text = readFileSync(`${ROOT}${doc}`, 'utf8');
  const start = text.indexOf(`<!-- section:${section} -->`);
  const end = text.indexOf(`<!-- /section:${section} -->`);
  if (start === -1 || end === -1 || end < start) throw new Error(`${doc} has no section "${section}"`);
  return text.slice(start, end);
}

export function docTableRows(doc: string, section: string): string[][] {
  const rows: string[][] = [];
  for (const line of docSection(doc, section).split('\n')) {
    if (!line.startsWith('| `')) continue;
    rows.push(
      line
        .slice(1, line.lastIndexOf('|'))
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}
