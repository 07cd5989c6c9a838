/**
 * @module test/helpers/csv
 * A strict RFC 4180 reader for tests: CRLF line ends, quoted cells with doubled quotes and embedded line breaks.
 * Written apart from the app's CSV writer so the tests do not check the writer against itself.
 */

/** Rows of `text` (the trailing CRLF ends the last row). Throws on malformed input. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  let cellStart = true;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        const next = text[i];
        if (next !== ',' && next !== '\r' && next !== undefined) throw new Error(`text after a closing quote at ${i}`);
        continue;
      }
      cell += c;
      i += 1;
      continue;
    }
    if (c === '"') {
      if (!cellStart) throw new Error(`quote inside an unquoted cell at ${i}`);
      quoted = true;
      cellStart = false;
      i += 1;
      continue;
    }
    if (c === ',') {
      row.push(cell);
      cell = '';
      cellStart = true;
      i += 1;
      continue;
    }
    if (c === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`bare CR at ${i}`);
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      cellStart = true;
      i += 2;
      continue;
    }
    if (c === '\n') throw new Error(`bare LF at ${i}`);
    cell += c;
    cellStart = false;
    i += 1;
  }
  if (quoted) throw new Error('unterminated quoted cell');
  if (!cellStart || cell !== '' || row.length > 0) throw new Error('the last row has no CRLF');
  return rows;
}
