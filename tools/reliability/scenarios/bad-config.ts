/**
 * Scenario 9a, bad configs: random mutations of a valid gateway config (wrong types, out-of-range numbers, missing
 * and unknown fields, `__proto__`/`constructor.prototype` keys). Each invalid one must be refused with errors that
 * start with the path of a bad field, never a crash; a valid one must build; nothing may pollute Object.prototype.
 * A few are also given to `weft serve`: exit code 2, the path on stderr, and the port never opened.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { createGateway, isConfigError, validateConfig } from '../../../packages/server/src/index';
import { cliPath } from '../lib/gateway';
import { delay, type Scenario } from '../lib/harness';
import { canConnect, freePort } from '../lib/http';
import { startProcess } from '../lib/proc';
import { checkProperty, seed } from '../lib/property';

const base = {
  port: 3000,
  host: '127.0.0.1',
  bodyLimit: 65_536,
  trustProxy: false,
  shutdownTimeoutMs: 5_000,
  timeouts: { headersMs: 5_000, requestMs: 10_000, keepAliveMs: 2_000 },
  rateLimit: { limit: 100, windowMs: 1_000, algorithm: 'gcra' },
  loadShedding: { maxDelayMs: 100, maxUtilization: 0.95 },
  upstreams: {
    app: {
      url: 'http://127.0.0.1:9',
      timeoutMs: 1_000,
      breaker: { failureRateThreshold: 0.5, windowSize: 10, minimumCalls: 5, openDurationMs: 1_000 },
      retry: { maxAttempts: 2, initialDelayMs: 50, maxDelayMs: 200 },
    },
  },
  routes: [
    { path: '/', response: { body: { ok: true } } },
    {
      method: ['GET', 'POST'],
      path: '/api/*',
      bodyLimit: 1_024,
      proxy: { upstream: 'app', rewrite: { stripPrefix: '/api' } },
    },
  ],
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Segment = string | number;

/** Every path of a JSON tree, as segments. */
function paths(value: Json, prefix: Segment[] = []): Segment[][] {
  const out: Segment[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

/** The path as the config errors write it: `routes[1].proxy.upstream` (a top-level key as it is). */
function format(path: readonly Segment[]): string {
  let out = '';
  for (const s of path) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (out === '') out = s;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

interface Mutation {
  kind: 'set' | 'delete' | 'add';
  at: number;
  key: string;
  value: Json;
}

const hostile: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.constantFrom(-1, 0, 0.5, 1e21, Number.MAX_SAFE_INTEGER + 2),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', ' ', '*', 'http://', 'redis://x', 'javascript:alert(1)', '/a/:b', '__proto__'),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.constant(JSON.parse('{"__proto__":{"polluted":true}}') as Json),
  fc.constant({ constructor: { prototype: { polluted: true } } } as Json),
);

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('set', 'set', 'set', 'delete', 'add'),
  at: fc.nat(),
  key: fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'polluted'),
    fc.string({ minLength: 1, maxLength: 8 }),
  ),
  value: hostile,
});

/** Applies mutations to a deep copy of the base config; returns it and the paths touched. */
function mutate(mutations: readonly Mutation[]): { config: Json; touched: string[] } {
  let config = JSON.parse(JSON.stringify(base)) as Json;
  const touched: string[] = [];
  for (const m of mutations) {
    const all = paths(config);
    const path = all[m.at % all.length]!;
    if (path.length === 0) {
      if (m.kind === 'set') config = m.value;
      touched.push('(root)');
      continue;
    }
    const parentPath = path.slice(0, -1);
    let parent = config as Record<string | number, Json>;
    for (const s of parentPath) parent = (parent as Record<string | number, Json>)[s] as Record<string | number, Json>;
    const last = path.at(-1)!;
    if (m.kind === 'set') {
      parent[last] = m.value;
      touched.push(format(path));
    } else if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
      touched.push(format(parentPath) || '(root)', format(path));
    } else {
      const target = (parent as Record<string | number, Json>)[last];
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
        // Through JSON text, as a config file would carry it: an own "__proto__" key.
        const text = JSON.stringify(target).replace(
          /^\{/,
          `{${JSON.stringify(m.key)}:${JSON.stringify(m.value)}${Object.keys(target).length > 0 ? ',' : ''}`,
        );
        parent[last] = JSON.parse(text) as Json;
        touched.push(format([...path, m.key]));
      } else {
        parent[last] = m.value;
        touched.push(format(path));
      }
    }
  }
  return { config, touched };
}

/** An error line: `<path>: <what is wrong>`. */
const errorLine = /^.+?: ./s;

function pathOf(line: string): string {
  const colon = line.indexOf(': ');
  return colon === -1 ? line : line.slice(0, colon);
}

/** Hand-picked hostile configs and the path each must be refused at. */
const targeted: { name: string; config: unknown; path: string }[] = [
  { name: 'negative limit', config: { rateLimit: { limit: -1 } }, path: 'rateLimit.limit' },
  { name: 'string timeout', config: { timeouts: { headersMs: 'fast' } }, path: 'timeouts.headersMs' },
  { name: 'route path without /', config: { routes: [{ path: 'x', response: {} }] }, path: 'routes[0].path' },
  { name: 'ftp upstream', config: { upstreams: { a: 'ftp://127.0.0.1' } }, path: 'upstreams.a' },
  {
    name: 'unknown upstream',
    config: { routes: [{ path: '/a', proxy: { upstream: 'nope' } }] },
    path: 'routes[0].proxy.upstream',
  },
  { name: 'root array', config: [], path: '(root)' },
  { name: 'routes as object', config: { routes: {} }, path: 'routes' },
  {
    name: '__proto__ at the root',
    config: JSON.parse('{"__proto__":{"polluted":true},"rateLimit":{"limit":1}}'),
    path: '__proto__',
  },
  {
    name: '"constructor" in a proxy',
    config: { routes: [{ path: '/a', proxy: { upstream: 'http://127.0.0.1:9', constructor: false } }] },
    path: 'routes[0].proxy.constructor',
  },
  { name: '"toString" in rateLimit', config: { rateLimit: { limit: 5, toString: 1 } }, path: 'rateLimit.toString' },
  {
    name: 'breaker windowSize 1e12',
    config: { upstreams: { a: { url: 'http://127.0.0.1:9', breaker: { windowSize: 1e12 } } } },
    path: 'upstreams.a.breaker.windowSize',
  },
];

/** How a config fared: built, refused at which paths, or crashed. */
async function attempt(config: unknown): Promise<{ outcome: 'built' | 'refused' | 'crashed'; lines: string[] }> {
  try {
    const app = createGateway(validateConfig(config, 'test.json'));
    await app.close();
    return { outcome: 'built', lines: [] };
  } catch (error) {
    if (isConfigError(error)) return { outcome: 'refused', lines: [...error.errors] };
    return { outcome: 'crashed', lines: [error instanceof Error ? `${error.name}: ${error.message}` : String(error)] };
  }
}

/** Whether an error path and a touched path are about the same field (equal, or one inside the other). */
function related(errorPath: string, touched: string): boolean {
  if (errorPath === '(root)' || touched === '(root)') return true;
  const top = (p: string) => p.split(/[.[]/)[0];
  // A route naming an upstream that a change removed is reported where the name is used.
  if (top(touched) === 'upstreams' && /^routes\[\d+\]\.proxy\.upstream$/.test(errorPath)) return true;
  return (
    errorPath === touched ||
    errorPath.startsWith(touched) ||
    touched.startsWith(errorPath) ||
    top(errorPath) === top(touched)
  );
}

function polluted(): boolean {
  const probe: Record<string, unknown> = {};
  return probe.polluted !== undefined || (Object.prototype as Record<string, unknown>).polluted !== undefined;
}

export const badConfig: Scenario = {
  id: '9a',
  title: 'Bad input: random and malformed configs',
  load: '11 hand-picked and 600 mutated configs through validateConfig + createGateway (fast-check), 8 through `weft serve`',
  faults: 'wrong types, out-of-range values, missing/unknown fields, `__proto__` and `constructor.prototype` keys',
  budgetMs: 90_000,
  async run(ctx) {
    const outcomes: string[] = [];
    let allRefused = true;
    for (const t of targeted) {
      const result = await attempt(t.config);
      const ok = result.outcome === 'refused' && result.lines.some((l) => pathOf(l) === t.path);
      allRefused &&= ok;
      outcomes.push(
        ok
          ? `${t.name}: refused at ${t.path}`
          : `${t.name}: ${result.outcome}${result.lines.length > 0 ? ` (${result.lines.join(' / ')})` : ''}, expected refused at ${t.path}`,
      );
    }
    ctx.check(
      'hand-picked hostile configs are refused by validateConfig at their path',
      allRefused,
      outcomes.join('; '),
    );
    if (polluted()) ctx.check('hand-picked configs leave Object.prototype alone', false, 'polluted');

    let valid = 0;
    let refused = 0;
    let lateRefusals = 0;
    const closing: Promise<void>[] = [];
    checkProperty(
      ctx,
      'every config is either built or refused with errors naming its path; never a crash or pollution',
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const { config, touched } = mutate(mutations);
        let stage = 'validateConfig';
        try {
          const checked = validateConfig(config, 'fuzz.json');
          stage = 'createGateway';
          const app = createGateway(checked);
          closing.push(app.close());
          valid++;
        } catch (error) {
          if (isConfigError(error)) {
            refused++;
            const lines = error.errors;
            if (lines.length === 0 || !lines.every((l) => errorLine.test(l))) {
              throw new Error(`an error line does not start with a path: ${JSON.stringify(lines)}`);
            }
            if (!lines.some((l) => touched.some((t) => related(pathOf(l), t)))) {
              throw new Error(`no error names a changed field (${touched.join(', ')}): ${JSON.stringify(lines)}`);
            }
          } else if (stage === 'createGateway' && (error instanceof TypeError || error instanceof RangeError)) {
            // Validated, then refused by createServer: still fine if the message names the path.
            lateRefusals++;
            if (!errorLine.test(error.message) || !touched.some((t) => related(pathOf(error.message), t))) {
              throw new Error(`createGateway refused with no path: ${error.message}`);
            }
          } else {
            throw new Error(
              `${stage} crashed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
            );
          }
        }
        if (polluted()) throw new Error('Object.prototype was polluted');
      }),
      600,
      'configs',
    );
    await Promise.all(closing);
    ctx.figure(
      `${refused} refused with paths, ${valid} valid and built, ${lateRefusals} refused by createServer after validation`,
    );

    // Through the CLI: exit code 2, the path on stderr, and no port ever opened.
    const samples = fc.sample(
      fc
        .array(mutation, { minLength: 1, maxLength: 2 })
        .map(mutate)
        .filter(({ config }) => {
          try {
            validateConfig(config);
            return false;
          } catch {
            return true;
          }
        }),
      { numRuns: 6, seed },
    );
    const cliCases = [
      ...samples.map((sample) => sample.config as unknown),
      ...targeted.filter((t) => /constructor|windowSize/.test(t.name)).map((t) => t.config),
    ];
    const cliResults: string[] = [];
    let cliOk = true;
    for (const [i, config] of cliCases.entries()) {
      const port = await freePort();
      const file = join(ctx.tmp, `bad-${i}.json`);
      const withPort =
        typeof config === 'object' && config !== null && !Array.isArray(config) ? { ...config, port } : config;
      writeFileSync(file, JSON.stringify(withPort));
      const proc = startProcess(`weft-bad-${i}`, process.execPath, [cliPath, 'serve', '--config', file]);
      ctx.defer(() => proc.kill());
      let opened = false;
      const until = performance.now() + 15_000;
      const watching = (async () => {
        while (proc.exitInfo === undefined && performance.now() < until) {
          if ((await canConnect(port, 200)).ok) opened = true;
          await delay(20);
        }
      })();
      const exit = await Promise.race([proc.exit, delay(15_000).then(() => undefined)]);
      await watching;
      const stderr = proc.output();
      const ok = exit?.code === 2 && /problems?:\n {2}\S/.test(stderr) && !opened;
      cliOk &&= ok;
      const first = stderr.trim().split('\n').slice(0, 2).join(' / ');
      cliResults.push(
        ok ? 'exit 2 with the path' : `exit ${exit?.code ?? 'none'}${opened ? ', port opened' : ''}: ${first}`,
      );
    }
    ctx.check(
      '`weft serve` refuses bad configs: exit code 2, the path on stderr, no port opened',
      cliOk && cliCases.length > 0,
      `${cliCases.length} configs: ${cliResults.join('; ')}`,
    );
    ctx.check('no pollution of Object.prototype in this process', !polluted(), 'clean');
  },
};
