import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

void describe('docs/features.md screenshots section', () => {
  const doc = readFileSync(`${ROOT}docs/features.md`, 'utf8');
  const section = /<!-- section:screenshots -->([\s\S]*?)<!-- \/section:screenshots -->/.exec(doc)?.[1] ?? '';

  void it('links only screenshots that exist', () => {
    const links = [...section.matchAll(/\]\((screenshots\/[^)]+)\)/g)].map((m) => m[1]!);
    assert.ok(links.length > 0, 'the section links screenshots');
    for (const link of links) assert.ok(existsSync(`${ROOT}docs/${link}`), link);
  });

  void it('links every screenshot the browser tests take', () => {
    for (const file of readdirSync(`${ROOT}docs/screenshots`).filter((name) => name.endsWith('.png'))) {
      assert.ok(section.includes(`](screenshots/${file})`), `${file} is linked from docs/features.md`);
    }
  });

  void it('is linked from the README, which shows one of them', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    assert.match(readme, /\]\(docs\/features\.md\)/);
    const shown = [...readme.matchAll(/!\[[^\]]*\]\((docs\/screenshots\/[^)]+\.png)\)/g)].map((m) => m[1]!);
    assert.ok(shown.length > 0, 'the README shows a screenshot');
    for (const image of shown) assert.ok(existsSync(`${ROOT}${image}`), image);
  });
});
