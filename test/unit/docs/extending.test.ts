/**
 * `docs/extending.md` shows real code: every fenced block that follows a "From [path](...)" line (and any further
 * block before the next one) must appear, as written, in that file.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOC = readFileSync(`${ROOT}docs/extending.md`, 'utf8');

/** `[file, block]` for every excerpt of the document. */
function excerpts(): [string, string][] {
  const out: [string, string][] = [];
  let source: string | undefined;
  for (const part of DOC.split(/^```[a-z]*\n/m).map((text, i) => [text, i] as const)) {
    const [text, i] = part;
    if (i % 2 === 0) {
      const from = [...text.matchAll(/^From \[([^\]]+)\]/gm)].pop()?.[1];
      if (from !== undefined) source = from;
    } else if (source !== undefined) {
      out.push([source, text]);
    }
  }
  return out;
}

void describe('docs/extending.md', () => {
  const found = excerpts();

  void it('has excerpts', () => {
    assert.ok(found.length >= 7, `${found.length} excerpts`);
  });

  for (const [file, block] of found) {
    void it(`quotes ${file} as it is: ${block.trim().split('\n')[0]!.slice(0, 60)}`, () => {
      assert.ok(existsSync(`${ROOT}${file}`), file);
      assert.ok(readFileSync(`${ROOT}${file}`, 'utf8').includes(block), `${file} no longer has this excerpt`);
    });
  }

  void it('is linked from docs/architecture.md and the README', () => {
    assert.match(readFileSync(`${ROOT}docs/architecture.md`, 'utf8'), /\]\(extending\.md\)/);
    assert.match(readFileSync(`${ROOT}README.md`, 'utf8'), /\]\(docs\/extending\.md\)/);
  });
});
