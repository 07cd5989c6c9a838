import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createViews } from '../../../src/web/views/index.js';

const VIEWS_DIR = fileURLToPath(new URL('../../../src/web/views/', import.meta.url));
const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

void describe('one module and one template per page (the recipe at the top of web/views/index.ts)', () => {
  const pages = Object.keys(createViews());

  for (const page of pages) {
    void it(`${page}: pages/${kebab(page)}.ts exports render${pascal(page)}, templates/${kebab(page)}.eta uses the layout`, async () => {
      const module = (await import(`../../../src/web/views/pages/${kebab(page)}.js`)) as Record<string, unknown>;
      assert.equal(typeof module[`render${pascal(page)}`], 'function');
      const template = `${VIEWS_DIR}templates/${kebab(page)}.eta`;
      assert.ok(existsSync(template), template);
      assert.match(readFileSync(template, 'utf8'), /^<% layout\('@layout'\) %>\n/);
    });
  }

  void it('every module in pages/ is a page of the views', () => {
    const modules = readdirSync(`${VIEWS_DIR}pages`).map((file) => file.replace(/\.ts$/, ''));
    assert.deepEqual(modules.sort(), pages.map(kebab).sort());
  });
});
