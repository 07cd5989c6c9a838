/**
 * @module web/views/templates
 * Loads and compiles every `.eta` template of a directory once, at start. eta escapes every `<%= %>` interpolation;
 * the only raw output (`<%~ %>`) is HTML the templates built themselves (layout bodies and includes).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta/core';

/** The templates shipped beside this module. */
export const TEMPLATES_DIR = fileURLToPath(new URL('./templates/', import.meta.url));

/**
 * An eta instance with every template of `dir` compiled under `@<file name>` (e.g. `@login` for `login.eta`).
 * Throws when the directory holds no template or a template does not compile: a broken deploy fails at start,
 * not on the first request.
 */
export function compileTemplates(dir: string): Eta {
  const eta = new Eta({ autoEscape: true, cache: true, rmWhitespace: true, varName: 'it' });
  const files = readdirSync(dir).filter((name) => name.endsWith('.eta'));
  if (files.length === 0) throw new Error(`no templates found in "${dir}"`);
  for (const file of files) {
    eta.loadTemplate(`@${basename(file, '.eta')}`, readFileSync(join(dir, file), 'utf8'));
  }
  return eta;
}
