/**
 * `pnpm docs`: builds the docs site into docs/api/ (git-ignored), with no network.
 *
 * 1. Stages the guides (docs/index.md, docs/guides/*.md, docs/architecture.md) into node_modules/.cache/weft-docs/,
 *    expanding their generation markers (see `expand`): runnable examples, API tables from the package READMEs,
 *    state diagrams from the machines the packages run, the package graph, the gateway config fields from the
 *    JSON Schema and the benchmark charts (docs/benchmarks.json, drawn from the results in docs/bench/).
 * 2. Runs typedoc (tools/typedoc.json: the API of every package) with the staged guides as project documents.
 * 3. Copies the mermaid bundle next to the theme's script, which renders the diagrams in the browser.
 *
 * Run with `--conditions=source` (the `pnpm docs` script does) so the packages are imported from their sources.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchResults } from '../bench/results';
import { repoRoot } from '../workspace';
import { type Chart, renderChart, resolveChart, validateSpecs } from './charts';
import { packageGraph, packageTable, stateDiagrams } from './diagrams';
import { apiSection } from './readme';
import { type JsonSchema, schemaToMarkdown } from './schema-doc';

/** Where the staged guides go; typedoc reads them from here. */
export const stageDir = join(repoRoot, 'node_modules', '.cache', 'weft-docs');
/** The built site. */
export const siteDir = join(repoRoot, 'docs', 'api');
const docsDir = join(repoRoot, 'docs');

/**
 * The guides in the order of the sidebar. Each has front matter with `title` and `group`; typedoc keeps this order
 * (`alphabetical-ignoring-documents`).
 */
export const guideOrder = [
  'guides/getting-started.md',
  'guides/how-they-compose.md',
  'architecture.md',
  'guides/patterns/event-loop.md',
  'guides/patterns/observer.md',
  'guides/patterns/backpressure.md',
  'guides/patterns/middleware.md',
  'guides/patterns/state-machine.md',
  'guides/patterns/retry.md',
  'guides/patterns/circuit-breaker.md',
  'guides/patterns/rate-limiting.md',
  'guides/patterns/cluster.md',
  'guides/patterns/event-bus.md',
  'guides/gateway-config.md',
  'guides/operations.md',
  'guides/migrating.md',
  'guides/benchmark-charts.md',
  'benchmarks.md',
];

/** Problems met while generating; printed at the end. The build fails on them only with `--strict`. */
const warnings: string[] = [];

function fence(lang: string, code: string): string {
  const body = code.endsWith('\n') ? code : `${code}\n`;
  const ticks = body.includes('```') ? '````' : '```';
  return `${ticks}${lang}\n${body}${ticks}`;
}

function unavailable(what: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  warnings.push(`${what}: ${message}`);
  return `> **${what} could not be generated at this build** (${message.split('\n')[0]}).`;
}

let charts: Chart[] | undefined;
/** The charts of docs/benchmarks.json, their values read from the recorded results in docs/bench/. */
function benchmarkCharts(): Chart[] {
  if (charts !== undefined) return charts;
  const specs = validateSpecs(JSON.parse(readFileSync(join(docsDir, 'benchmarks.json'), 'utf8')));
  const results = new Map<string, BenchResults>();
  charts = specs.charts.map((spec) => {
    let recorded = results.get(spec.results);
    if (recorded === undefined) {
      const file = join(docsDir, 'bench', `${spec.results}.json`);
      if (!existsSync(file)) {
        throw new Error(
          `chart "${spec.id}": docs/bench/${spec.results}.json is missing (pnpm bench:record ${spec.results})`,
        );
      }
      recorded = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
      results.set(spec.results, recorded);
    }
    return resolveChart(spec, recorded);
  });
  return charts;
}

function chartImage(id: string, fromFile: string): string {
  const chart = benchmarkCharts().find((c) => c.id === id);
  if (!chart) throw new Error(`docs/benchmarks.json has no chart "${id}"`);
  const target = relative(dirname(fromFile), join(stageDir, 'charts', `${id}.svg`))
    .split('\\')
    .join('/');
  return `![${chart.title}](${target.startsWith('.') ? target : `./${target}`})`;
}

const langOf: Record<string, string> = { '.ts': 'ts', '.js': 'js', '.json': 'json', '.sh': 'sh', '.yaml': 'yaml' };

/**
 * Expands the generation markers of a guide (HTML comments, so the Markdown reads fine on GitHub too):
 *
 * - `<!-- @include ../examples/retry.ts -->` the file, as a code block
 * - `<!-- @api retry -->` the "API at a glance" section of packages/retry/README.md
 * - `<!-- @diagram breaker-states -->` a state diagram of diagrams.ts `stateDiagrams`, as Mermaid
 * - `<!-- @package-graph -->`, `<!-- @package-table -->` the workspace's package graph
 * - `<!-- @chart fsm-send -->`, `<!-- @charts @weft/fsm -->`, `<!-- @charts all -->` benchmark charts
 * - `<!-- @schema-fields -->` every field of the gateway's config schema
 */
export async function expand(markdown: string, sourceFile: string, stagedFile: string): Promise<string> {
  const pattern = /^<!--\s*@([a-z-]+)\s*(.*?)\s*-->\s*$/gm;
  const parts: string[] = [];
  let last = 0;
  for (const match of markdown.matchAll(pattern)) {
    parts.push(markdown.slice(last, match.index));
    last = (match.index ?? 0) + match[0].length;
    parts.push(await replacement(match[1] as string, match[2] as string, sourceFile, stagedFile));
  }
  parts.push(markdown.slice(last));
  return parts.join('');
}

async function replacement(kind: string, arg: string, sourceFile: string, stagedFile: string): Promise<string> {
  switch (kind) {
    case 'include': {
      const file = join(dirname(sourceFile), arg);
      if (!existsSync(file)) return unavailable(`The file ${arg}`, new Error('not found'));
      return fence(langOf[extname(file)] ?? '', readFileSync(file, 'utf8'));
    }
    case 'api': {
      const readme = join(repoRoot, 'packages', arg, 'README.md');
      const section = existsSync(readme) ? apiSection(readFileSync(readme, 'utf8')) : undefined;
      if (!section) return unavailable(`The API table of @weft/${arg}`, new Error('no "## API at a glance" section'));
      // Sub-sections of the README's API section (### options…) sit under this page's "API at a glance" (##).
      return section.replace(/^###(#*) /gm, '###$1 ');
    }
    case 'diagram': {
      const diagram = stateDiagrams.find((d) => d.id === arg);
      if (!diagram) throw new Error(`${sourceFile}: unknown diagram "${arg}"`);
      try {
        return fence('mermaid', await diagram.render());
      } catch (error) {
        return unavailable(`The diagram ${diagram.title}`, error);
      }
    }
    case 'package-graph':
      return fence('mermaid', packageGraph());
    case 'package-table':
      return packageTable();
    case 'chart':
      return chartImage(arg, stagedFile);
    case 'charts': {
      const shown = benchmarkCharts().filter((c) => arg === 'all' || c.package === arg);
      if (shown.length === 0) return '_No benchmark figures recorded yet._';
      return shown.map((c) => chartImage(c.id, stagedFile)).join('\n\n');
    }
    case 'server-metrics':
      try {
        return await serverMetricsTable();
      } catch (error) {
        return unavailable("The table of @weft/server's metrics", error);
      }
    case 'schema-fields': {
      const schema = JSON.parse(
        readFileSync(join(repoRoot, 'packages', 'server', 'schema', 'weft.config.schema.json'), 'utf8'),
      ) as JsonSchema;
      return schemaToMarkdown(schema);
    }
    default:
      throw new Error(`${sourceFile}: unknown docs marker "@${kind}"`);
  }
}

/**
 * The `weft_*` metrics a fresh `@weft/server` app exposes on /metrics (asked through `app.inject`, no socket), as
 * a Markdown table of name, type and help text.
 */
async function serverMetricsTable(): Promise<string> {
  const { createServer } = await import('../../packages/server/src/index');
  const app = createServer({ logger: false });
  try {
    const response = await app.inject('/metrics');
    if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
    const text = response.text();
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
    const rows = [...text.matchAll(/^# HELP (weft_\S+) (.*)$/gm)].map(
      (m) => `| \`${m[1]}\` | ${types.get(m[1] as string) ?? ''} | ${(m[2] as string).replace(/\|/g, '\\|')} |`,
    );
    if (rows.length === 0) throw new Error('no weft_* metric in the answer');
    return ['| metric | type | what it counts |', '| --- | --- | --- |', ...rows].join('\n');
  } finally {
    await app.close();
  }
}

/** Checks the fenced `json` blocks marked `<!-- docs:validate-config -->` against @weft/server's validateConfig. */
async function validateConfigBlocks(markdown: string, file: string): Promise<void> {
  const blocks = [...markdown.matchAll(/<!--\s*docs:validate-config\s*-->\s*\n```json\n([\s\S]*?)\n```/g)];
  if (blocks.length === 0) return;
  const { validateConfig } = await import('../../packages/server/src/index');
  for (const block of blocks) {
    try {
      validateConfig(JSON.parse(block[1] as string), relative(repoRoot, file));
    } catch (error) {
      throw new Error(`${relative(repoRoot, file)}: a config example is invalid: ${(error as Error).message}`);
    }
  }
}

async function stage(): Promise<string[]> {
  rmSync(stageDir, { recursive: true, force: true });
  mkdirSync(join(stageDir, 'charts'), { recursive: true });
  for (const chart of benchmarkCharts()) {
    writeFileSync(join(stageDir, 'charts', `${chart.id}.svg`), renderChart(chart));
  }
  const staged: string[] = [];
  const all = ['index.md', ...guideOrder];
  for (const file of all) {
    const source = join(docsDir, file);
    if (!existsSync(source)) {
      if (file !== 'benchmarks.md') warnings.push(`docs/${file} is missing`);
      continue;
    }
    const target = join(stageDir, file);
    mkdirSync(dirname(target), { recursive: true });
    let text = readFileSync(source, 'utf8');
    await validateConfigBlocks(text, source);
    text = await expand(text, source, target);
    // Pages written by others (architecture.md, benchmarks.md) have no front matter: give them a title and group.
    if (!text.startsWith('---\n') && file !== 'index.md') {
      const title = /^#\s+(.+)$/m.exec(text)?.[1] ?? file;
      text = `---\ntitle: ${JSON.stringify(title)}\ngroup: Guides\n---\n\n${text}`;
    }
    writeFileSync(target, text);
    if (file !== 'index.md') staged.push(target);
  }
  // Any other guide under docs/guides/ that the order above forgot still gets published (last).
  for (const file of listMarkdown(join(docsDir, 'guides'))) {
    const rel = relative(docsDir, file);
    if (guideOrder.includes(rel)) continue;
    const target = join(stageDir, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, await expand(readFileSync(file, 'utf8'), file, target));
    staged.push(target);
    warnings.push(`docs/${rel} is not in guideOrder (tools/docs/build.ts); it is listed last`);
  }
  return staged;
}

function listMarkdown(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listMarkdown(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

function runTypedoc(documents: string[]): boolean {
  const options = {
    extends: [join(repoRoot, 'tools', 'typedoc.json')],
    readme: join(stageDir, 'index.md'),
    projectDocuments: documents,
  };
  const file = join(stageDir, 'typedoc.json');
  writeFileSync(file, `${JSON.stringify(options, null, 2)}\n`);
  const result = spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--options', file],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  return result.status === 0;
}

async function main(): Promise<number> {
  const strict = process.argv.includes('--strict');
  const started = performance.now();
  const documents = await stage();
  console.log(`docs: staged ${documents.length} guides and ${benchmarkCharts().length} charts`);
  if (!runTypedoc(documents)) {
    console.error('docs: typedoc failed');
    return 1;
  }
  copyFileSync(
    join(repoRoot, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js'),
    join(siteDir, 'assets', 'mermaid.min.js'),
  );
  for (const w of warnings) console.warn(`docs: warning: ${w}`);
  console.log(
    `docs: site in ${relative(repoRoot, siteDir)}/ (${Math.round(performance.now() - started)} ms); preview with \`pnpm exec tsx tools/docs/serve.ts\``,
  );
  return strict && warnings.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`docs: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
