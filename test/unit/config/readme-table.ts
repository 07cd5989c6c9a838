/**
 * Reads a table out of a README section (between `<!-- section:<name> -->` markers): the rows whose first cell is
 * a backticked name, as arrays of cell texts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

export function readmeTableRows(section: string): string[][] {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(`<!-- section:${section} -->`);
  const end = text.indexOf(`<!-- /section:${section} -->`);
  if (start === -1 || end === -1) throw new Error(`README has no section "${section}"`);
  const rows: string[][] = [];
  for (const line of text.slice(start, end).split('\n')) {
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
