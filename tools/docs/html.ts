/** What the site check reads from a page's HTML. */

/**
 * The URLs an HTML page refers to (links, images, scripts, stylesheets; `&amp;` decoded) and its element ids (`id`
 * and `name`), for following links and checking `#anchors`.
 */
export function scanHtml(html: string): { refs: string[]; ids: Set<string> } {
  const refs: string[] = [];
  for (const m of html.matchAll(
    /<(a|link|script|img|iframe|source)\b[^>]*?\s(href|src)\s*=\s*("([^"]*)"|'([^']*)')/gi,
  )) {
    const value = (m[4] ?? m[5] ?? '').replace(/&amp;/g, '&');
    refs.push(value);
  }
  const ids = new Set<string>();
  for (const m of html.matchAll(/\s(?:id|name)\s*=\s*("([^"]*)"|'([^']*)')/gi)) ids.add(m[2] ?? m[3] ?? '');
  return { refs, ids };
}
