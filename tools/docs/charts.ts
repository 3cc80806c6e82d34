/**
 * SVG bar charts of benchmark results. docs/benchmarks.json says which charts to draw and from what: each chart
 * names a results file (`docs/bench/<id>.json`, written by the benchmark itself: `pnpm bench:record <id>`, see
 * tools/bench/results.ts), a group of it, a metric and the contenders to show. The values are read from the
 * results at docs build; none is copied by hand.
 */
import type { BenchGroup, BenchResults } from '../bench/results';

/** One bar as drawn. `weft: true` marks weft's own bars (drawn in the accent colour). */
export interface Bar {
  label: string;
  value: number;
  weft?: boolean;
}

/** A chart ready to draw. */
export interface Chart {
  /** File name of the SVG (`<id>.svg`) and the key guides use to embed it. */
  id: string;
  /** The package the benchmark belongs to. */
  package: string;
  title: string;
  /** Unit of `value`: `ms`, `ops/s`, `B`, `×`… */
  unit: string;
  better: 'higher' | 'lower';
  /** How the figures were made (the benchmark's command), for readers who want the method. */
  source: string;
  /** The run: Node version, machine and date. */
  machine: string;
  note?: string;
  bars: Bar[];
}

/** One bar of a chart spec: a contender of the results, by its name there. */
export interface BarSpec {
  label: string;
  /** The benchmark's name in the results group. */
  bench: string;
  /** Another group of the same results than the chart's (for charts that set two groups side by side). */
  group?: string;
  weft?: boolean;
}

/** One chart of docs/benchmarks.json. */
export interface ChartSpec {
  id: string;
  package: string;
  title: string;
  unit: string;
  better: 'higher' | 'lower';
  note?: string;
  /** The results file: `docs/bench/<results>.json`. */
  results: string;
  /** The group (table) of the results the bars come from. */
  group: string;
  /** The figure of each benchmark to draw: `hz`, `mean`, `p75`, `bytes`… */
  metric: string;
  /** Multiplies every value (e.g. events per iteration, or 1e6 to turn ms into ns). Applied after `minus`. */
  scale?: number;
  /** Draws each value minus this benchmark's (overhead over a baseline). */
  minus?: string;
  /** Draws each value divided by this benchmark's (ratios; applied last). */
  relativeTo?: string;
  bars: BarSpec[];
}

/** The shape of docs/benchmarks.json. */
export interface ChartSpecs {
  charts: ChartSpec[];
}

/** Throws a TypeError naming the first malformed field of `value`; returns it typed otherwise. */
export function validateSpecs(value: unknown): ChartSpecs {
  const fail = (path: string, expected: string, got: unknown): never => {
    throw new TypeError(`benchmarks.json: ${path}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  if (typeof value !== 'object' || value === null) return fail('(root)', 'an object', value);
  const root = value as Record<string, unknown>;
  if (!Array.isArray(root.charts)) return fail('charts', 'an array', root.charts);
  const ids = new Set<string>();
  root.charts.forEach((chart: Record<string, unknown>, i) => {
    const at = `charts[${i}]`;
    if (typeof chart.id !== 'string' || !/^[a-z0-9-]+$/.test(chart.id)) fail(`${at}.id`, 'a kebab-case id', chart.id);
    if (ids.has(chart.id as string)) fail(`${at}.id`, 'a unique id', chart.id);
    ids.add(chart.id as string);
    for (const key of ['package', 'title', 'unit', 'results', 'group', 'metric'] as const) {
      if (typeof chart[key] !== 'string' || chart[key] === '') fail(`${at}.${key}`, 'a non-empty string', chart[key]);
    }
    if (!/^[a-z0-9-]+$/.test(chart.results as string))
      fail(`${at}.results`, 'a results id (kebab-case)', chart.results);
    if (chart.better !== 'higher' && chart.better !== 'lower')
      fail(`${at}.better`, '"higher" or "lower"', chart.better);
    if (chart.scale !== undefined && (typeof chart.scale !== 'number' || !(chart.scale > 0)))
      fail(`${at}.scale`, 'a number > 0', chart.scale);
    for (const key of ['minus', 'relativeTo', 'note'] as const) {
      if (chart[key] !== undefined && typeof chart[key] !== 'string') fail(`${at}.${key}`, 'a string', chart[key]);
    }
    if (chart.minus !== undefined && chart.relativeTo !== undefined)
      fail(`${at}.relativeTo`, 'no relativeTo together with minus', chart.relativeTo);
    if (!Array.isArray(chart.bars) || chart.bars.length === 0) fail(`${at}.bars`, 'a non-empty array', chart.bars);
    (chart.bars as Record<string, unknown>[]).forEach((bar, j) => {
      for (const key of ['label', 'bench'] as const) {
        if (typeof bar[key] !== 'string' || bar[key] === '')
          fail(`${at}.bars[${j}].${key}`, 'a non-empty string', bar[key]);
      }
      if (bar.group !== undefined && typeof bar.group !== 'string')
        fail(`${at}.bars[${j}].group`, 'a string', bar.group);
      if ('value' in bar)
        fail(`${at}.bars[${j}].value`, 'no hand-written value (it is read from the results)', bar.value);
    });
  });
  return value as ChartSpecs;
}

/**
 * Resolves a chart spec against its results: every value is read from them. Throws an Error naming the chart and
 * what is missing (a group, a benchmark, a metric) when the results do not have it, e.g. after a benchmark was
 * renamed, so the docs build fails rather than drawing a stale or empty chart.
 */
export function resolveChart(spec: ChartSpec, results: BenchResults): Chart {
  const where = `chart "${spec.id}" (docs/bench/${spec.results}.json)`;
  const groupOf = (name: string): BenchGroup => {
    const group = results.groups.find((g) => g.name === name);
    if (group === undefined) {
      const names = results.groups.map((g) => `"${g.name}"`).join(', ');
      throw new Error(`${where}: no group "${name}"; it has ${names}`);
    }
    return group;
  };
  const read = (groupName: string, bench: string): number => {
    const group = groupOf(groupName);
    const entry = group.benchmarks.find((b) => b.name === bench);
    if (entry === undefined) {
      const names = group.benchmarks.map((b) => `"${b.name}"`).join(', ');
      throw new Error(`${where}: group "${groupName}" has no benchmark "${bench}"; it has ${names}`);
    }
    const value = entry[spec.metric];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`${where}: "${bench}" in "${groupName}" has no numeric "${spec.metric}"`);
    }
    return value;
  };
  const scaled = (group: string, bench: string): number =>
    (read(group, bench) - (spec.minus === undefined ? 0 : read(group, spec.minus))) * (spec.scale ?? 1);
  const bars = spec.bars.map((bar) => {
    const group = bar.group ?? spec.group;
    const value = scaled(group, bar.bench) / (spec.relativeTo === undefined ? 1 : scaled(group, spec.relativeTo));
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new Error(`${where}: "${bar.bench}" comes out as ${value}, not a finite number ≥ 0`);
    }
    return { label: bar.label, value, ...(bar.weft ? { weft: true } : {}) };
  });
  const date = results.recorded.slice(0, 10);
  return {
    id: spec.id,
    package: spec.package,
    title: spec.title,
    unit: spec.unit,
    better: spec.better,
    source: results.command,
    machine: `${date}, Node ${results.node.replace(/^v/, '')}, ${results.machine}`,
    ...(spec.note === undefined ? {} : { note: spec.note }),
    bars,
  };
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** `1234567` → `1.23 M`, `0.38` → `0.38`, `12028` → `12,028`. */
export function formatValue(value: number, unit: string): string {
  let text: string;
  if (value >= 1e6) text = `${trim(value / 1e6)} M`;
  else if (value >= 1e4 && unit.includes('/s')) text = `${trim(value / 1e3)} k`;
  else if (value >= 100) text = Math.round(value).toLocaleString('en-US');
  else text = trim(value);
  return unit === '×' ? `${text}×` : `${text} ${unit}`;
}

function trim(value: number): string {
  return String(Number(value.toPrecision(3)));
}

const font = "font-family='system-ui, -apple-system, Segoe UI, Roboto, sans-serif'";

/** A horizontal bar chart, self-contained SVG (its own background, so it reads on light and dark pages alike). */
export function renderChart(chart: Chart): string {
  const width = 720;
  const labelWidth = 250;
  const valueWidth = 110;
  const barArea = width - labelWidth - valueWidth - 24;
  const rowHeight = 30;
  const top = 62;
  // The footer: the command that made the figures, then the note, each on its own line (commands are long).
  const footer = [`source: ${chart.source}`, ...(chart.note ? [chart.note] : [])];
  const height = top + chart.bars.length * rowHeight + 20 + footer.length * 15;
  const max = Math.max(...chart.bars.map((b) => b.value));
  const rows = chart.bars.map((bar, i) => {
    const y = top + i * rowHeight;
    const w = max === 0 ? 0 : Math.max(2, (bar.value / max) * barArea);
    const fill = bar.weft ? '#2f6fde' : '#9aa5b4';
    return [
      `<text x='${labelWidth - 10}' y='${y + 19}' text-anchor='end' font-size='13' fill='#1f2933'${bar.weft ? " font-weight='600'" : ''}>${escapeXml(bar.label)}</text>`,
      `<rect x='${labelWidth}' y='${y + 5}' width='${w.toFixed(1)}' height='${rowHeight - 10}' rx='3' fill='${fill}'><title>${escapeXml(`${bar.label}: ${formatValue(bar.value, chart.unit)}`)}</title></rect>`,
      `<text x='${(labelWidth + w + 8).toFixed(1)}' y='${y + 19}' font-size='12' fill='#3e4c59'>${escapeXml(formatValue(bar.value, chart.unit))}</text>`,
    ].join('');
  });
  const subtitle = `${chart.better} is better · ${chart.machine}`;
  return [
    `<svg xmlns='http://www.w3.org/2000/svg' width='${width}' height='${height}' viewBox='0 0 ${width} ${height}' role='img' aria-label='${escapeXml(chart.title)}' ${font}>`,
    `<rect width='${width}' height='${height}' rx='8' fill='#ffffff' stroke='#d9dee5'/>`,
    `<text x='16' y='26' font-size='15' font-weight='600' fill='#1f2933'>${escapeXml(chart.title)}</text>`,
    `<text x='16' y='46' font-size='12' fill='#616e7c'>${escapeXml(subtitle)}</text>`,
    ...rows,
    ...footer.map(
      (line, i) =>
        `<text x='16' y='${height - 12 - (footer.length - 1 - i) * 15}' font-size='10.5' fill='#7b8794'>${escapeXml(line)}</text>`,
    ),
    '</svg>',
    '',
  ].join('\n');
}
