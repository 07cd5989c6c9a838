/**
 * @module test/unit/docs/links.test
 * Every relative link in README.md, CHANGELOG.md and docs/*.md leads somewhere: the file (or folder) exists, and a
 * `#anchor` names a heading of the target document, slugged as GitHub slugs headings (lower case, punctuation
 * dropped, spaces to hyphens, `-1`, `-2` … for repeats). Links with a scheme (`https:`, `mailto:`) are not checked.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The text with fenced code blocks and inline code spans blanked out (links in code are not links). */
function withoutCode(markdown: string): string {
  return markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/(`+)[\s\S]*?\1/g, (span) => span.replace(/[^\n]/g, ' '));
}

/** Link targets of inline links and images (`[text](target "title")`) and reference definitions (`[x]: target`). */
function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  const targets: string[] = [];
  for (const m of text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]!);
  for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) targets.push(m[1]!);
  return targets;
}

/** GitHub's slug of a heading's text (github-slugger): lower case, punctuation dropped, each space a hyphen. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/`/g, '')
    .replace(/(\*\*|__|\*|\b_|_\b)/g, '') // emphasis markers
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors a document offers: its headings' slugs (repeats numbered as GitHub does) and explicit HTML ids. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  const stripped = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of stripped.matchAll(/^ {0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$/gm)) {
    const base = githubSlug(m[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) found.add(m[1]!);
  return found;
}

/** Problems with the relative links of the document at `file` (a path from `root`); empty when every link resolves. */
function brokenLinks(root: string, file: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
    const hash = target.indexOf('#');
    const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const resolved = pathPart === '' ? join(root, file) : join(root, dirname(file), pathPart);
    const fromRoot = relative(root, resolved);
    if (fromRoot.startsWith('..')) {
      problems.push(`${file}: ${target} leaves the repository`);
      continue;
    }
    if (pathPart !== '' && !existsSync(resolved)) {
      problems.push(`${file}: ${target} → ${fromRoot} does not exist`);
      continue;
    }
    if (anchor === undefined) continue;
    if (pathPart !== '' && (statSync(resolved).isDirectory() || !resolved.endsWith('.md'))) {
      problems.push(`${file}: ${target} has an anchor but ${fromRoot} is not a Markdown document`);
      continue;
    }
    const text = pathPart === '' ? markdown : readFileSync(resolved, 'utf8');
    if (!anchors(text).has(anchor)) problems.push(`${file}: ${target} → no heading "#${anchor}" in ${fromRoot}`);
  }
  return problems;
}

const DOCUMENTS = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

void describe('links in README.md, CHANGELOG.md and docs/*.md', () => {
  for (const file of DOCUMENTS) {
    void it(`${file}: every relative link and anchor resolves`, () => {
      const markdown = readFileSync(join(ROOT, file), 'utf8');
      assert.deepEqual(brokenLinks(ROOT, file, markdown), []);
    });
  }

  void it('the README links every document in docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const linked = new Set(linkTargets(readme).map((target) => target.split('#')[0]));
    assert.ok(linked.size >= 10, `${linked.size} relative targets found in README.md`);
    for (const file of DOCUMENTS.filter((name) => name.startsWith('docs/'))) {
      assert.ok(linked.has(file), `README.md links ${file}`);
    }
  });

  void it('reports a missing file, a missing anchor and a link leaving the repository, not links in code', () => {
    const sample = [
      '# Title',
      '## The `/api/rc` proxy: how, why?',
      '## Repeat',
      '## Repeat',
      '[ok](#title) [ok](#the-apirc-proxy-how-why) [ok](#repeat-1) [ok](README.md#quick-start)',
      '![ok](docs/screenshots/login-desktop.png) [web](https://example.com/#x) [mail](mailto:a@example.com)',
      '[gone](docs/no-such-file.md) [no anchor](#nowhere) [other doc](README.md#no-such-heading) [out](../x.md)',
      '`[code](not-a-link.md)`',
      '```',
      '[fenced](also-not-a-link.md)',
      '```',
      '[def]: docs/missing-too.md',
    ].join('\n');
    assert.deepEqual(brokenLinks(ROOT, 'SAMPLE.md', sample), [
      'SAMPLE.md: docs/no-such-file.md → docs/no-such-file.md does not exist',
      'SAMPLE.md: #nowhere → no heading "#nowhere" in SAMPLE.md',
      'SAMPLE.md: README.md#no-such-heading → no heading "#no-such-heading" in README.md',
      'SAMPLE.md: ../x.md leaves the repository',
      'SAMPLE.md: docs/missing-too.md → docs/missing-too.md does not exist',
    ]);
  });
});
