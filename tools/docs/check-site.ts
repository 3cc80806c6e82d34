/**
 * Checks the built site (run `pnpm docs` first) the way a reader meets it:
 *
 * - serves docs/api/ on 127.0.0.1 and follows every internal link, image, script and stylesheet from the home page:
 *   none may be a 404, and a link's `#anchor` must exist on its target page;
 * - opens the home page and every guide in headless Chromium (Debian's /usr/bin/chromium through playwright-core,
 *   no network): no script error, every Mermaid diagram rendered to an SVG, the sidebar's links followed too;
 * - saves screenshots of the home page and of a pattern page to docs/.screenshots/ (CI artifacts, git-ignored).
 *
 *   pnpm exec tsx tools/docs/check-site.ts [--chromium /path/to/chromium]
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { repoRoot } from '../workspace';
import { scanHtml } from './html';
import { serveStatic } from './serve';

const siteDir = join(repoRoot, 'docs', 'api');
const screenshotDir = join(repoRoot, 'docs', '.screenshots');
/** The pattern page screenshotted besides the home page. */
const patternPage = 'documents/Circuit_breaker.html';
const fallbackPatternPage = 'documents/Retry.html';

const chromiumArgs = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/**
 * The little of the DOM the checks read inside the browser (page.evaluate); the repo's tsconfig has no DOM lib, and
 * adding it would change the types of Node's timers for every package.
 */
interface BrowserDocument {
  querySelectorAll(selector: string): ArrayLike<{ href?: string }> & Iterable<{ href?: string }>;
  body: { dataset: Record<string, string | undefined> };
}

interface Page {
  status: number;
  ids: Set<string>;
}

async function crawl(
  base: string,
  starts: string[],
): Promise<{ pages: Map<string, Page>; problems: string[]; external: Set<string> }> {
  const pages = new Map<string, Page>();
  const problems: string[] = [];
  const external = new Set<string>();
  const anchorChecks: { from: string; target: string; anchor: string }[] = [];
  const queue: { url: string; from: string }[] = starts.map((url) => ({ url, from: '(start)' }));
  const seen = new Set<string>();
  while (queue.length > 0) {
    const batch = queue.splice(0, 16);
    await Promise.all(
      batch.map(async ({ url, from }) => {
        if (seen.has(url)) return;
        seen.add(url);
        const res = await fetch(url);
        const type = res.headers.get('content-type') ?? '';
        const isHtml = type.startsWith('text/html');
        const body = isHtml ? await res.text() : '';
        if (!isHtml) await res.arrayBuffer();
        if (res.status !== 200) {
          problems.push(`${res.status} ${url.slice(base.length - 1)} (linked from ${from})`);
          pages.set(url, { status: res.status, ids: new Set() });
          return;
        }
        const { refs, ids } = type.startsWith('text/html') ? scanHtml(body) : { refs: [], ids: new Set<string>() };
        pages.set(url, { status: 200, ids });
        for (const ref of refs) {
          if (ref === '' || ref.startsWith('javascript:') || ref.startsWith('mailto:') || ref.startsWith('data:'))
            continue;
          const target = new URL(ref, url);
          if (!target.href.startsWith(base)) {
            external.add(target.origin);
            continue;
          }
          const page = `${target.origin}${target.pathname}`;
          const shortFrom = url.slice(base.length - 1);
          if (target.hash.length > 1 && !/\.svg$/.test(target.pathname)) {
            anchorChecks.push({ from: shortFrom, target: page, anchor: decodeURIComponent(target.hash.slice(1)) });
          }
          if (!seen.has(page)) queue.push({ url: page, from: shortFrom });
        }
      }),
    );
  }
  for (const { from, target, anchor } of anchorChecks) {
    const page = pages.get(target);
    // hierarchy.html builds its ids in the browser (assets/hierarchy.js).
    if (target.endsWith('/hierarchy.html')) continue;
    if (page?.status === 200 && page.ids.size > 0 && !page.ids.has(anchor)) {
      problems.push(`missing anchor #${anchor} on ${target.slice(base.length - 1)} (linked from ${from})`);
    }
  }
  return { pages, problems, external };
}

/** The guides' URLs, from typedoc's output folder of project documents. */
function guidePages(base: string): string[] {
  const html = readFileSync(join(siteDir, 'index.html'), 'utf8');
  const docs = [...html.matchAll(/href="(documents\/[^"#]+\.html)/g)].map((m) => m[1] as string);
  return [...new Set(['index.html', ...docs])].map((p) => new URL(p, base).href);
}

// These two run in the browser; they are passed as source text so that the bundler's helpers stay out of them.
function mermaidSettled(): boolean {
  const doc = (globalThis as unknown as { document: BrowserDocument }).document;
  const state = doc.body.dataset.mermaid;
  return (
    doc.querySelectorAll('pre > code.mermaid').length === 0 &&
    (doc.querySelectorAll('.weft-diagram').length === 0 || state === 'done' || state === 'error')
  );
}

function pageState() {
  const doc = (globalThis as unknown as { document: BrowserDocument }).document;
  return {
    mermaid: doc.body.dataset.mermaid,
    total: doc.querySelectorAll('.weft-diagram').length,
    // Mermaid draws a parse error as an SVG too (aria-roledescription="error"): that one does not count as drawn.
    drawn: doc.querySelectorAll('.weft-diagram svg:not([aria-roledescription="error"])').length,
    links: Array.from(doc.querySelectorAll('a[href]'), (a) => a.href ?? ''),
  };
}

async function main(): Promise<number> {
  const started = performance.now();
  const at = process.argv.indexOf('--chromium');
  const executablePath = at > 0 ? (process.argv[at + 1] as string) : '/usr/bin/chromium';
  if (!existsSync(join(siteDir, 'index.html'))) {
    console.error('check-site: docs/api/index.html is missing; run `pnpm docs` first');
    return 1;
  }
  if (!existsSync(executablePath)) {
    console.error(`check-site: no Chromium at ${executablePath} (apt-get install chromium)`);
    return 1;
  }
  const site = await serveStatic(siteDir);
  const browser = await chromium.launch({ executablePath, args: chromiumArgs, headless: true });
  const problems: string[] = [];
  const navLinks = new Set<string>();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    // No network: anything not on the local server is refused, so a stray CDN reference shows up as an error.
    await context.route(
      (url) => !url.href.startsWith(site.url),
      (route) => route.abort(),
    );
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${page.url()}: console: ${m.text()}`);
    });
    const guides = guidePages(site.url);
    let diagrams = 0;
    for (const url of guides) {
      const response = await page.goto(url, { waitUntil: 'load' });
      if (response?.status() !== 200) {
        problems.push(`${response?.status()} ${url}`);
        continue;
      }
      await page.waitForFunction(`(${mermaidSettled.toString()})()`, undefined, { timeout: 30_000 });
      const state = (await page.evaluate(`(${pageState.toString()})()`)) as ReturnType<typeof pageState>;
      diagrams += state.drawn;
      if (state.total !== state.drawn) {
        problems.push(
          `${url}: ${state.total - state.drawn} of ${state.total} Mermaid diagrams not rendered (${state.mermaid})`,
        );
      }
      for (const link of state.links) if (link.startsWith(site.url)) navLinks.add(link.replace(/#.*$/, ''));
      if (url === guides[0]) {
        mkdirSync(screenshotDir, { recursive: true });
        await page.screenshot({ path: join(screenshotDir, 'home.png'), fullPage: false });
        await page.screenshot({ path: join(screenshotDir, 'home-full.png'), fullPage: true });
      }
    }
    const pattern = existsSync(join(siteDir, patternPage)) ? patternPage : fallbackPatternPage;
    await page.goto(new URL(pattern, site.url).href, { waitUntil: 'load' });
    await page.waitForFunction(`(${mermaidSettled.toString()})()`, undefined, { timeout: 30_000 });
    await page.screenshot({ path: join(screenshotDir, 'pattern.png'), fullPage: true });
    problems.push(...errors);
    console.log(
      `check-site: ${guides.length} guide pages rendered in Chromium, ${diagrams} Mermaid diagrams drawn, ${navLinks.size} links seen in the browser`,
    );

    const { pages, problems: linkProblems, external } = await crawl(site.url, [...new Set([site.url, ...navLinks])]);
    problems.push(...linkProblems);
    const html = [...pages.keys()].filter((u) => u.endsWith('.html') || u.endsWith('/')).length;
    console.log(
      `check-site: ${pages.size} internal URLs followed (${html} pages), ${linkProblems.length} broken; external origins not followed: ${[...external].join(', ') || 'none'}`,
    );
  } finally {
    await browser.close();
    await site.close();
  }
  for (const p of problems) console.error(`check-site: ${p}`);
  console.log(
    `check-site: screenshots in ${relative(repoRoot, screenshotDir)}/ (${Math.round(performance.now() - started)} ms)`,
  );
  if (problems.length > 0) {
    console.error(`check-site: ${problems.length} problem(s)`);
    return 1;
  }
  console.log('check-site: ok');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`check-site: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
