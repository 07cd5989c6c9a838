/**
 * @module web/views/fallback-page
 * The last-resort page when a template fails to render: plain, escaped by hand, no templates involved, so a view
 * never throws at a route handler.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escapes `value` (the five XML special characters). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A minimal, complete HTML page saying the page could not be shown, with a link home. Echoes nothing. */
export function renderFallbackPage(options: { css: string }): string {
  const title = 'This page could not be displayed';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · rc-authflow</title>
<link rel="stylesheet" href="${escapeHtml(options.css)}">
</head>
<body>
<main id="main" class="wrap">
<section class="card">
<h1>${title}</h1>
<p>Something went wrong while showing this page. Please go back and try again.</p>
<p><a class="button button-primary" href="/">Back to home</a></p>
</section>
</main>
</body>
</html>
`;
}
