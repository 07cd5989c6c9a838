/**
 * @module test/unit/views/html-checks
 * Small HTML inspections for view tests. Views escape every value, so `<` and `>` inside attribute values never
 * appear raw and a tag can be matched with a regular expression.
 */

/** Every start tag, e.g. `<a href="/">`. */
export function startTags(html: string): string[] {
  return html.match(/<[a-zA-Z][^>]*>/g) ?? [];
}

/** Attribute names of a start tag. */
export function attributeNames(tag: string): string[] {
  const names: string[] = [];
  const body = tag.replace(/^<[a-zA-Z0-9-]+/, '').replace(/\/?>$/, '');
  const re = /([^\s"'=<>/]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;
  for (let m = re.exec(body); m; m = re.exec(body)) names.push(m[1]!.toLowerCase());
  return names;
}

/** Problems that break the CSP (`script-src 'self'`, no inline handlers) or are inline styles/scripts. */
export function cspProblems(html: string): string[] {
  const problems: string[] = [];
  for (const tag of startTags(html)) {
    const names = attributeNames(tag);
    if (/^<script\b/i.test(tag) && !names.includes('src')) problems.push(`inline script: ${tag}`);
    for (const name of names) {
      if (name.startsWith('on')) problems.push(`event handler attribute "${name}": ${tag}`);
      if (name === 'style') problems.push(`inline style: ${tag}`);
    }
    if (/\b(?:href|src|action)\s*=\s*"\s*javascript:/i.test(tag)) problems.push(`javascript: URL: ${tag}`);
  }
  if (/<style\b/i.test(html)) problems.push('inline <style> element');
  return problems;
}

/** The decoded value of attribute `name` on the first start tag matching `tagPattern`. */
export function attributeOf(html: string, tagPattern: RegExp, name: string): string | undefined {
  const tag = startTags(html).find((t) => tagPattern.test(t));
  if (!tag) return undefined;
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? decodeEntities(m[1]!) : undefined;
}

/** Decodes the entities eta's escaping produces. */
export function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Visible text: tags removed, entities decoded, whitespace collapsed. */
export function textOf(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .replace(/ ([.,;:)])/g, '$1')
    .trim();
}
