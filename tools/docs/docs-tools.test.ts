import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BenchResults, fromVitestReport, jsonTarget, recordResults, withoutJson } from '../bench/results';
import { type ChartSpec, formatValue, renderChart, resolveChart, validateSpecs } from './charts';
import { transitiveReduction } from './diagrams';
import { scanHtml } from './html';
import { apiSection, apiTable, checkReadme, codeBlocks, runnableExample, sections } from './readme';
import { describeType, fieldRows, type JsonSchema, schemaToMarkdown } from './schema-doc';

const readme = `# @weft/demo

What it is.

## Install

\`\`\`sh
npm i @weft/demo
\`\`\`

## Example

\`\`\`sh
echo not this one
\`\`\`

\`\`\`ts
import { demo } from '@weft/demo';
// ## not a heading inside a fence
demo();
\`\`\`

\`\`\`ts
second();
\`\`\`

## API at a glance

| export | what it does |
| --- | --- |
| \`demo()\` | demonstrates |

### Options

More.

## Benchmarks

none
`;

describe('readme', () => {
  it('splits sections at headings outside code fences and nests ### under ##', () => {
    const titles = sections(readme).map((s) => `${s.level}:${s.title}`);
    expect(titles).toEqual([
      '1:@weft/demo',
      '2:Install',
      '2:Example',
      '2:API at a glance',
      '3:Options',
      '2:Benchmarks',
    ]);
    expect(sections(readme).find((s) => s.title === 'API at a glance')?.body).toContain('### Options');
  });

  it('takes the first ts block under "## Example" as the runnable example, with its line', () => {
    const example = runnableExample(readme);
    expect(example?.code).toBe("import { demo } from '@weft/demo';\n// ## not a heading inside a fence\ndemo();\n");
    expect(readme.split('\n')[(example?.line ?? 0) - 1]).toBe('```ts');
  });

  it('prefers a block marked <!-- docs:run --> anywhere in the README', () => {
    const marked = `${readme}\n## More\n\n<!-- docs:run -->\n\n\`\`\`ts\nmarked();\n\`\`\`\n`;
    expect(runnableExample(marked)?.code).toBe('marked();\n');
  });

  it('returns no example when no section qualifies', () => {
    expect(runnableExample('# x\n\n## Usage notes\n\ntext\n\n## Other\n\n```ts\nx();\n```\n')).toBeUndefined();
  });

  it('extracts the API table and the whole API section', () => {
    expect(apiTable(readme)).toBe('| export | what it does |\n| --- | --- |\n| `demo()` | demonstrates |');
    expect(apiSection(readme)).toMatch(/^\| export[\s\S]*### Options\n\nMore\.$/);
  });

  it('accepts a complete README and names each missing part of an incomplete one', () => {
    expect(checkReadme('@weft/demo', readme)).toEqual([]);
    const problems = checkReadme('@weft/demo', '# @weft/demo\n\n## Install\n\n```sh\nnpm i @weft/other\n```\n');
    expect(problems.map((p) => p.problem)).toEqual([
      'the Install section has no `npm i @weft/demo` command',
      expect.stringMatching(/^no runnable example/),
      'no table under "## API at a glance"',
    ]);
  });

  it('reads fences of four backticks and tildes', () => {
    expect(codeBlocks('````md\n```ts\nx\n```\n````\n~~~js\ny\n~~~\n').map((b) => [b.lang, b.code])).toEqual([
      ['md', '```ts\nx\n```\n'],
      ['js', 'y\n'],
    ]);
  });
});

describe('schema-doc', () => {
  const schema: JsonSchema = {
    type: 'object',
    properties: {
      $schema: { type: 'string' },
      port: { type: 'integer', minimum: 0, maximum: 65535, default: 3000, description: 'TCP port.' },
      mode: { enum: ['a', 'b'] },
      limits: { anyOf: [{ const: false }, { $ref: '#/definitions/limits' }], description: 'Limits, or false.' },
      upstreams: { type: 'object', additionalProperties: { $ref: '#/definitions/upstream' } },
      routes: {
        type: 'array',
        items: { type: 'object', required: ['path'], properties: { path: { type: 'string', pattern: '^/' } } },
      },
      tags: { type: 'array', items: { type: 'string' } },
    },
    definitions: {
      limits: { type: 'object', properties: { max: { type: 'integer', minimum: 1, default: 10 } } },
      upstream: {
        anyOf: [
          { type: 'string', description: 'Base URL.' },
          { type: 'object', required: ['url'], properties: { url: { type: 'string' } } },
        ],
      },
    },
  };

  it('describes types with their bounds, enums, constants and alternatives', () => {
    expect(describeType({ type: 'integer', minimum: 0, maximum: 65535 }, schema)).toBe('integer 0–65535');
    expect(describeType({ enum: ['a', 'b'] }, schema)).toBe('"a" \\| "b"');
    expect(describeType({ anyOf: [{ const: false }, { $ref: '#/definitions/limits' }] }, schema)).toBe(
      'false or object',
    );
    const method = { enum: ['GET', 'POST'] };
    expect(describeType({ anyOf: [method, { type: 'array', items: method }] }, schema)).toBe(
      '"GET" \\| "POST", or an array of them',
    );
  });

  it('lists every field with its path, following $ref, maps and arrays, and skips $schema', () => {
    const rows = fieldRows(schema).map((r) => `${r.path}${r.required ? '!' : ''} ${r.default}`.trim());
    expect(rows).toEqual([
      'port 3000',
      'mode',
      'limits',
      'limits.max 10',
      'upstreams',
      'upstreams.<name>',
      'upstreams.<name>.url!',
      'routes',
      'routes[].path!',
      'tags',
    ]);
  });

  it('throws on a $ref it cannot resolve', () => {
    expect(() => fieldRows({ properties: { x: { $ref: '#/definitions/nope' } } })).toThrow(/cannot resolve/);
  });

  it('renders one table for the top level and one per object-valued field', () => {
    const md = schemaToMarkdown(schema);
    expect(md).toMatch(/^### Top level\n\n\| field \| type \| default \| description \|/);
    expect(md).toContain('| `port` | integer 0–65535 | `3000` | TCP port. |');
    expect(md).toContain('### `limits`\n\nLimits, or false.\n\n| field');
    expect(md).toContain('| `upstreams.<name>.url` (required) | string |  |  |');
  });
});

describe('charts', () => {
  const results: BenchResults = {
    command: 'pnpm vitest bench --run --project x',
    recorded: '2026-11-23T04:00:00.000Z',
    node: 'v20.20.2',
    machine: '2 × Test CPU',
    groups: [
      {
        name: 'send',
        benchmarks: [
          { name: 'weft', hz: 27_000, mean: 0.037 },
          { name: 'peer', hz: 1_060, mean: 0.94 },
          { name: 'bare', hz: 50_000, mean: 0.02 },
        ],
      },
      { name: 'other', benchmarks: [{ name: 'weft', hz: 10 }] },
    ],
  };
  const specs = {
    charts: [
      {
        id: 'a-chart',
        package: '@weft/x',
        title: 'A & B <fast>',
        unit: 'events/s',
        better: 'higher',
        results: 'x',
        group: 'send',
        metric: 'hz',
        scale: 100,
        bars: [
          { label: 'weft', bench: 'weft', weft: true },
          { label: 'peer', bench: 'peer' },
        ],
      },
    ],
  };
  const spec = () => structuredClone(specs.charts[0]!) as ChartSpec;

  it('validates the specs and names the first bad field', () => {
    expect(validateSpecs(specs).charts).toHaveLength(1);
    const bad = structuredClone(specs);
    (bad.charts[0]!.bars[1] as { bench: unknown }).bench = 7;
    expect(() => validateSpecs(bad)).toThrow(
      'benchmarks.json: charts[0].bars[1].bench: expected a non-empty string, got 7',
    );
    const copied = structuredClone(specs);
    (copied.charts[0]!.bars[0] as { value?: number }).value = 2_700_000;
    expect(() => validateSpecs(copied)).toThrow(/bars\[0\]\.value: expected no hand-written value/);
    const dup = { charts: [specs.charts[0], specs.charts[0]] };
    expect(() => validateSpecs(dup)).toThrow(/charts\[1\]\.id: expected a unique id/);
  });

  it('reads every value from the results, scaled, as ratios or as overheads', () => {
    const chart = resolveChart(spec(), results);
    expect(chart.bars).toEqual([
      { label: 'weft', value: 2_700_000, weft: true },
      { label: 'peer', value: 106_000 },
    ]);
    expect(chart.source).toBe('pnpm vitest bench --run --project x');
    expect(chart.machine).toBe('2026-11-23, Node 20.20.2, 2 × Test CPU');
    const ratio = resolveChart({ ...spec(), relativeTo: 'peer' }, results);
    expect(ratio.bars.map((b) => b.value)).toEqual([27_000 / 1_060, 1]);
    const overhead = resolveChart(
      { ...spec(), metric: 'mean', minus: 'bare', scale: 1e6, bars: [{ label: 'weft', bench: 'weft' }] },
      results,
    );
    expect(overhead.bars[0]!.value).toBeCloseTo(17_000, 6);
    const across = resolveChart({ ...spec(), bars: [{ label: 'w', bench: 'weft', group: 'other' }] }, results);
    expect(across.bars[0]!.value).toBe(1_000);
  });

  it('fails on a group, benchmark or metric the results do not have', () => {
    expect(() => resolveChart({ ...spec(), group: 'gone' }, results)).toThrow(
      'chart "a-chart" (docs/bench/x.json): no group "gone"; it has "send", "other"',
    );
    expect(() => resolveChart({ ...spec(), bars: [{ label: 'n', bench: 'renamed' }] }, results)).toThrow(
      'group "send" has no benchmark "renamed"; it has "weft", "peer", "bare"',
    );
    expect(() => resolveChart({ ...spec(), metric: 'p75' }, results)).toThrow('"weft" in "send" has no numeric "p75"');
    expect(() => resolveChart({ ...spec(), metric: 'mean', minus: 'peer' }, results)).toThrow(
      /not a finite number ≥ 0/,
    );
  });

  it('formats values for reading', () => {
    expect(formatValue(2_700_000, 'ops/s')).toBe('2.7 M ops/s');
    expect(formatValue(106_000, 'events/s')).toBe('106 k events/s');
    expect(formatValue(12_028, 'ms')).toBe('12,028 ms');
    expect(formatValue(0.38, '×')).toBe('0.38×');
  });

  it('draws escaped, proportional bars', () => {
    const svg = renderChart(resolveChart(spec(), results));
    expect(svg).toMatch(/^<svg xmlns='http:\/\/www.w3.org\/2000\/svg'/);
    expect(svg).toContain('A &amp; B &lt;fast&gt;');
    expect(svg).toContain('higher is better · 2026-11-23, Node 20.20.2, 2 × Test CPU');
    expect(svg).toContain('source: pnpm vitest bench --run --project x');
    const widths = [...svg.matchAll(/<rect x='\d+' y='\d+' width='([\d.]+)'/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0]! / widths[1]!).toBeCloseTo(27_000 / 1_060, 0);
  });
});

describe('bench results', () => {
  it('turns a vitest bench report into named groups with the figures charts read', () => {
    const groups = fromVitestReport({
      files: [
        {
          filepath: '/repo/packages/x/bench/x.bench.ts',
          groups: [
            {
              fullName: 'bench/x.bench.ts > emit > 3 listeners',
              benchmarks: [{ name: 'weft', hz: 10, mean: 0.1, samples: [1, 2], rank: 1, p75: 0.09 }],
            },
            { fullName: 'bench/x.bench.ts', benchmarks: [{ name: 'top', hz: Number.NaN, mean: 2 }] },
          ],
        },
      ],
    });
    expect(groups).toEqual([
      { name: 'emit > 3 listeners', benchmarks: [{ name: 'weft', hz: 10, mean: 0.1, p75: 0.09 }] },
      { name: 'x.bench.ts', benchmarks: [{ name: 'top', mean: 2 }] },
    ]);
    expect(() => fromVitestReport({} as never)).toThrow('vitest bench report: expected an object with a "files" array');
  });

  it('records results only when the script was given --json <file>', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'weft-results-')), 'nested', 'x.json');
    const groups = [{ name: 'g', benchmarks: [{ name: 'weft', hz: 3 }] }];
    recordResults('node x.ts', groups, ['node', 'x.ts']);
    expect(existsSync(file)).toBe(false);
    recordResults('node x.ts', groups, ['node', 'x.ts', '--json', file]);
    const written = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
    expect(written).toMatchObject({ command: 'node x.ts', node: process.version, groups });
    expect(Number.isNaN(Date.parse(written.recorded))).toBe(false);
  });

  it("reads --json <file> from a script's arguments", () => {
    expect(jsonTarget(['node', 'x.ts', '3', '--json', 'out.json'])).toBe('out.json');
    expect(jsonTarget(['node', 'x.ts'])).toBeUndefined();
    expect(() => jsonTarget(['node', 'x.ts', '--json'])).toThrow('--json: expected a file path after it');
    expect(withoutJson(['3', '--json', 'out.json', '200'])).toEqual(['3', '200']);
  });
});

describe('transitiveReduction', () => {
  it('drops the edges implied by longer paths and keeps the others', () => {
    const deps = new Map([
      ['server', ['breaker', 'fsm', 'reactor', 'compose']],
      ['breaker', ['fsm', 'reactor']],
      ['fsm', ['reactor']],
      ['reactor', []],
      ['compose', []],
    ]);
    expect(Object.fromEntries(transitiveReduction(deps))).toEqual({
      server: ['breaker', 'compose'],
      breaker: ['fsm'],
      fsm: ['reactor'],
      reactor: [],
      compose: [],
    });
  });
});

describe('scanHtml', () => {
  it('finds links, scripts, images and stylesheets, and every id and name', () => {
    const html = `<a href="a.html#x">a</a><link rel="stylesheet" href='s.css'><script src="m.js"></script>
      <img alt="c" src="c.svg"><h2 id="x">X</h2><a name="old"></a><a href="q?a=1&amp;b=2">q</a>`;
    const { refs, ids } = scanHtml(html);
    expect(refs).toEqual(['a.html#x', 's.css', 'm.js', 'c.svg', 'q?a=1&b=2']);
    expect([...ids]).toEqual(['x', 'old']);
  });
});
