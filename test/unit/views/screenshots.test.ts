import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

void describe('README screenshots section', () => {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const section = /<!-- section:screenshots -->([\s\S]*?)<!-- \/section:screenshots -->/.exec(readme)?.[1] ?? '';

  void it('links only screenshots that exist', () => {
    const links = [...section.matchAll(/\]\((docs\/screenshots\/[^)]+)\)/g)].map((m) => m[1]!);
    assert.ok(links.length > 0, 'the section links screenshots');
    for (const link of links) assert.ok(existsSync(`${ROOT}${link}`), link);
  });

  void it('links every screenshot the browser tests take', () => {
    for (const file of readdirSync(`${ROOT}docs/screenshots`).filter((name) => name.endsWith('.png'))) {
      assert.ok(section.includes(`docs/screenshots/${file}`), `${file} is linked from the README`);
    }
  });
});
