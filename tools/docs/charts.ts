/**
 * SVG bar charts of benchmark figures. docs/benchmarks.json is the single source: each chart there is one table of
 * a package README's benchmark section (one noisy run on a shared machine), drawn here at docs build.
 */

/** One bar. `weft: true` marks weft's own bars (drawn in the accent colour). */
export interface Bar {
  label: string;
  value: number;
  weft?: boolean;
}

/** One chart of docs/benchmarks.json. */
export interface Chart {
  /** File name of the SVG (`<id>.svg`) and the key guides use to embed it. */
  id: string;
  /** The package whose README reports the figures. */
  package: string;
  title: string;
  /** Unit of `value`: `ms`, `ops/s`, `B`, `×`… */
  unit: string;
  better: 'higher' | 'lower';
  /** Where the figures come from (a README, a bench file), for readers who want the method. */
  source: string;
  note?: string;
  bars: Bar[];
}

/** The shape of docs/benchmarks.json. */
export interface BenchmarkFigures {
  machine: string;
  charts: Chart[];
}

/** Throws a TypeError naming the first malformed field of `value`; returns it typed otherwise. */
export function validateFigures(value: unknown): BenchmarkFigures {
  const fail = (path: string, expected: string, got: unknown): never => {
    throw new TypeError(`benchmarks.json: ${path}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  if (typeof value !== 'object' || value === null) return fail('(root)', 'an object', value);
  const root = value as Record<string, unknown>;
  if (typeof root.machine !== 'string') fail('machine', 'a string', root.machine);
  if (!Array.isArray(root.charts)) return fail('charts', 'an array', root.charts);
  const ids = new Set<string>();
  root.charts.forEach((chart: Record<string, unknown>, i) => {
    const at = `charts[${i}]`;
    if (typeof chart.id !== 'string' || !/^[a-z0-9-]+$/.test(chart.id)) fail(`${at}.id`, 'a kebab-case id', chart.id);
    if (ids.has(chart.id as string)) fail(`${at}.id`, 'a unique id', chart.id);
    ids.add(chart.id as string);
    for (const key of ['package', 'title', 'unit', 'source'] as const) {
      if (typeof chart[key] !== 'string' || chart[key] === '') fail(`${at}.${key}`, 'a non-empty string', chart[key]);
    }
    if (chart.better !== 'higher' && chart.better !== 'lower')
      fail(`${at}.better`, '"higher" or "lower"', chart.better);
    if (!Array.isArray(chart.bars) || chart.bars.length === 0) fail(`${at}.bars`, 'a non-empty array', chart.bars);
    (chart.bars as Record<string, unknown>[]).forEach((bar, j) => {
      if (typeof bar.label !== 'string') fail(`${at}.bars[${j}].label`, 'a string', bar.label);
      if (typeof bar.value !== 'number' || !Number.isFinite(bar.value) || bar.value < 0) {
        fail(`${at}.bars[${j}].value`, 'a finite number ≥ 0', bar.value);
      }
    });
  });
  return value as BenchmarkFigures;
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
export function renderChart(chart: Chart, machine: string): string {
  const width = 720;
  const labelWidth = 250;
  const valueWidth = 110;
  const barArea = width - labelWidth - valueWidth - 24;
  const rowHeight = 30;
  const top = 62;
  const height = top + chart.bars.length * rowHeight + 34;
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
  const subtitle = `${chart.better} is better · ${machine}`;
  return [
    `<svg xmlns='http://www.w3.org/2000/svg' width='${width}' height='${height}' viewBox='0 0 ${width} ${height}' role='img' aria-label='${escapeXml(chart.title)}' ${font}>`,
    `<rect width='${width}' height='${height}' rx='8' fill='#ffffff' stroke='#d9dee5'/>`,
    `<text x='16' y='26' font-size='15' font-weight='600' fill='#1f2933'>${escapeXml(chart.title)}</text>`,
    `<text x='16' y='46' font-size='12' fill='#616e7c'>${escapeXml(subtitle)}</text>`,
    ...rows,
    `<text x='16' y='${height - 12}' font-size='11' fill='#7b8794'>${escapeXml(`source: ${chart.source}${chart.note ? ` · ${chart.note}` : ''}`)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
