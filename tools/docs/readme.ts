/**
 * Reads a package README the way the docs tools need it: its sections, the runnable example, the "API at a
 * glance" table, and what a README must contain (install, a runnable example, an API table).
 */

/** A fenced code block: its language, its text and the line its opening fence is on (1-based). */
export interface CodeBlock {
  lang: string;
  code: string;
  line: number;
  /** Whether a `<!-- docs:run -->` comment is on one of the blank-separated lines just above the fence. */
  marked: boolean;
}

/** A `##` section: its heading text, the heading's level, the Markdown under it (up to the next heading of its level or above). */
export interface Section {
  title: string;
  level: number;
  line: number;
  body: string;
  blocks: CodeBlock[];
}

const fence = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)[^\n]*$/;

/** Every fenced code block of `markdown`, in order. */
export function codeBlocks(markdown: string, firstLine = 1): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = fence.exec(lines[i] as string);
    if (!open) continue;
    const marker = open[2] as string;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] as string).trim().startsWith(marker)) body.push(lines[j++] as string);
    let k = i - 1;
    while (k >= 0 && (lines[k] as string).trim() === '') k--;
    const marked = k >= 0 && /<!--\s*docs:run\s*-->/.test(lines[k] as string);
    blocks.push({ lang: (open[3] as string).toLowerCase(), code: `${body.join('\n')}\n`, line: firstLine + i, marked });
    i = j;
  }
  return blocks;
}

/** The headings of `markdown` (outside code blocks) as sections; a section ends at the next heading of its level or above. */
export function sections(markdown: string): Section[] {
  const lines = markdown.split('\n');
  const heads: { title: string; level: number; index: number }[] = [];
  let inFence: string | undefined;
  lines.forEach((text, index) => {
    const f = fence.exec(text);
    if (f) {
      const marker = (f[2] as string).slice(0, 3);
      if (inFence === undefined) inFence = marker;
      else if (text.trim().startsWith(inFence)) inFence = undefined;
      return;
    }
    if (inFence !== undefined) return;
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(text);
    if (h) heads.push({ title: h[2] as string, level: (h[1] as string).length, index });
  });
  return heads.map((head, n) => {
    let end = lines.length;
    for (const next of heads.slice(n + 1)) {
      if (next.level <= head.level) {
        end = next.index;
        break;
      }
    }
    const body = lines.slice(head.index + 1, end).join('\n');
    return {
      title: head.title,
      level: head.level,
      line: head.index + 1,
      body,
      blocks: codeBlocks(body, head.index + 2),
    };
  });
}

const exampleHeading = /^(examples?|quick start|usage)\b/i;
const runnableLangs = new Set(['ts', 'typescript']);

/**
 * The runnable example of a README: the TypeScript block marked `<!-- docs:run -->` if there is one, else the first
 * TypeScript block under a `## Example`, `## Examples`, `## Quick start` or `## Usage` section.
 */
export function runnableExample(markdown: string): CodeBlock | undefined {
  const marked = codeBlocks(markdown).find((b) => b.marked && runnableLangs.has(b.lang));
  if (marked) return marked;
  for (const section of sections(markdown)) {
    if (section.level !== 2 || !exampleHeading.test(section.title)) continue;
    const block = section.blocks.find((b) => runnableLangs.has(b.lang));
    if (block) return block;
  }
  return undefined;
}

/** The first Markdown table of the `## API at a glance` section, as written (header, separator and rows). */
export function apiTable(markdown: string): string | undefined {
  const section = sections(markdown).find((s) => s.level === 2 && /^api at a glance$/i.test(s.title.trim()));
  if (!section) return undefined;
  const lines = section.body.split('\n');
  const start = lines.findIndex((l, i) => l.trim().startsWith('|') && isSeparatorRow(lines[i + 1] ?? ''));
  if (start < 0) return undefined;
  let end = start;
  while (end < lines.length && (lines[end] as string).trim().startsWith('|')) end++;
  return lines.slice(start, end).join('\n');
}

function isSeparatorRow(line: string): boolean {
  return /^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*:?-{3,}:?\s*\|?\s*$/.test(line) || /^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$/.test(line);
}

/** The Markdown of the `## API at a glance` section (tables and sub-sections), without its heading. */
export function apiSection(markdown: string): string | undefined {
  return sections(markdown)
    .find((s) => s.level === 2 && /^api at a glance$/i.test(s.title.trim()))
    ?.body.trim();
}

/** One thing a package README lacks. */
export interface ReadmeProblem {
  package: string;
  problem: string;
}

/** Checks that a README has an install command for `name`, a runnable example and an API-at-a-glance table. */
export function checkReadme(name: string, markdown: string): ReadmeProblem[] {
  const problems: string[] = [];
  const install = sections(markdown).find((s) => s.level === 2 && /^install/i.test(s.title));
  const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const installs = new RegExp(`\\b(npm (i|install|add)|pnpm add|yarn add)\\b[^\\n]*\\s${escaped}(\\s|$)`);
  if (!install) problems.push('no "## Install" section');
  else if (!install.blocks.some((b) => installs.test(b.code)))
    problems.push(`the Install section has no \`npm i ${name}\` command`);
  const example = runnableExample(markdown);
  if (!example)
    problems.push('no runnable example (a ```ts block under "## Example", or one marked <!-- docs:run -->)');
  else if (/\bhello\(/.test(example.code) && /placeholder/i.test(markdown))
    problems.push('the example is still the scaffold placeholder');
  const table = apiTable(markdown);
  if (!table) problems.push('no table under "## API at a glance"');
  else if (/placeholder/i.test(table)) problems.push('the API table is still the scaffold placeholder');
  return problems.map((problem) => ({ package: name, problem }));
}
