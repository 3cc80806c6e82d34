/**
 * The real gateway, as users run it: `node packages/server/dist/cli.js serve --config <file>`, in its own process,
 * logs to a file; and the suite's fixtures (TypeScript run by tsx against the packages' sources).
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioContext } from './harness';
import { delay, waitUntil } from './harness';
import { freePort, send } from './http';
import { type Proc, repoRoot, startProcess, tail, tsxArgs } from './proc';

/** The built CLI of @weft/server in the repository. */
const builtCli: string = join(repoRoot, 'packages', 'server', 'dist', 'cli.js');

/** The CLI the gateways run: the built one, or its copy in this run's snapshot (see lib/snapshot.ts). */
export let cliPath: string = builtCli;

/** Runs the gateways from a copy of the build whose root is `root`. */
export function useBuildCopy(root: string): void {
  cliPath = join(root, 'server', 'dist', 'cli.js');
}

/** A running gateway. */
export interface Gateway {
  readonly port: number;
  readonly proc: Proc;
  readonly configFile: string;
  readonly logFile: string;
  /** GET /metrics as text. */
  metrics(): Promise<string>;
}

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** Name for files and messages; default `gateway`. */
  name?: string;
  /** Cluster mode: `--workers n`. */
  workers?: number;
  /** A port to use; default a free one. */
  port?: number;
  /** How long it may take to answer /healthz; default 15 s. */
  readyTimeoutMs?: number;
}

/** Writes `config` to a file and starts `weft serve` on it; resolves once /healthz answers 200. */
export async function startGateway(
  ctx: ScenarioContext,
  config: Record<string, unknown>,
  options: GatewayOptions = {},
): Promise<Gateway> {
  const name = options.name ?? 'gateway';
  const port = options.port ?? (await freePort());
  const configFile = join(ctx.tmp, `${name}.config.json`);
  const logFile = join(ctx.tmp, `${name}.log`);
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const args = [cliPath, 'serve', '--config', configFile, '--port', String(port)];
  if (options.workers !== undefined) args.push('--workers', String(options.workers));
  const proc = startProcess(name, process.execPath, args, { logFile });
  ctx.defer(() => proc.kill());
  const ready = await waitUntil(
    async () => {
      if (proc.exitInfo !== undefined) return true;
      try {
        return (await send({ port, path: '/healthz', timeoutMs: 1_000 })).status === 200;
      } catch {
        return false;
      }
    },
    options.readyTimeoutMs ?? 15_000,
    50,
    ctx.signal,
  );
  if (!ready || proc.exitInfo !== undefined) {
    throw new Error(`${name} did not become ready on port ${port}:\n${tail(proc.output())}`);
  }
  return {
    port,
    proc,
    configFile,
    logFile,
    async metrics() {
      return (await send({ port, path: '/metrics', timeoutMs: 5_000 })).body.toString('utf8');
    },
  };
}

/** Reads one sample of a Prometheus metric with the given labels from /metrics text. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) return Number(match[3]);
  }
  return undefined;
}

/** A fixture process started from tools/reliability/fixtures, which prints `READY <port>` once listening. */
export interface Fixture {
  readonly port: number;
  readonly proc: Proc;
  readonly url: string;
}

/** Starts a fixture (TypeScript, via tsx) and waits for its `READY <port>` line. */
export async function startFixture(
  ctx: ScenarioContext,
  file: string,
  args: readonly string[] = [],
  name = file,
): Promise<Fixture> {
  const proc = startProcess(
    name,
    process.execPath,
    tsxArgs(join(repoRoot, 'tools', 'reliability', 'fixtures', file), args),
  );
  ctx.defer(() => proc.kill());
  const match = await proc.waitFor(/READY (\d+)/, 20_000);
  const port = Number(match[1]);
  return { port, proc, url: `http://127.0.0.1:${port}` };
}

/** Sets the fault mode of the upstream fixture (`ok`, `500`, `503-retry-after`, `hang`, `reset`). */
export async function setFault(upstream: Fixture, mode: string): Promise<void> {
  const reply = await send({
    port: upstream.port,
    path: `/__fault?mode=${encodeURIComponent(mode)}`,
    timeoutMs: 2_000,
  });
  if (reply.status !== 200) throw new Error(`upstream fixture refused mode ${mode}: ${reply.status}`);
}

/** The upstream fixture's request counters: in all, and by the fault mode each request met. */
export async function upstreamHits(upstream: Fixture): Promise<{ requests: number; byMode: Record<string, number> }> {
  const reply = await send({ port: upstream.port, path: '/__stats', timeoutMs: 2_000 });
  return JSON.parse(reply.body.toString('utf8')) as { requests: number; byMode: Record<string, number> };
}

/** Sends SIGTERM and waits (bounded) for the exit; resolves with the exit and how long it took. */
export async function terminate(
  proc: Proc,
  timeoutMs: number,
): Promise<{ code: number | null; ms: number } | undefined> {
  const started = performance.now();
  proc.signal('SIGTERM');
  const info = await Promise.race([proc.exit, delay(timeoutMs).then(() => undefined)]);
  return info === undefined ? undefined : { code: info.code, ms: info.at - started };
}

function newest(dir: string): number {
  let latest = 0;
  if (!existsSync(dir)) return latest;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = statSync(path);
    if (stat.isDirectory()) latest = Math.max(latest, newest(path));
    else if (!/\.test(-d)?\.ts$/.test(entry)) latest = Math.max(latest, stat.mtimeMs);
  }
  return latest;
}

/**
 * Whether the built CLI is missing or older than the sources of any package (the CLI imports their dist/ builds),
 * in which case the runner builds @weft/server and what it depends on first.
 */
export function buildIsStale(): string | undefined {
  if (!existsSync(builtCli)) return 'packages/server/dist/cli.js does not exist';
  const packages = join(repoRoot, 'packages');
  for (const name of readdirSync(packages)) {
    const dist = join(packages, name, 'dist');
    if (!existsSync(join(dist, 'index.js'))) continue;
    const built = statSync(join(dist, 'index.js')).mtimeMs;
    const sources = Math.max(newest(join(packages, name, 'src')), newest(join(packages, name, 'schema')));
    if (sources > built) return `packages/${name}/src is newer than its dist/`;
  }
  return undefined;
}

/** What the prober fixture measured. */
export interface ProbeResult {
  count: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  statuses: Record<string, number>;
  unfinished: number;
}

/** Runs the prober fixture (a fixed-rate, well-behaved client in its own process) and returns its figures. */
export async function probe(
  ctx: ScenarioContext,
  options: { port: number; path: string; rate: number; connections: number; seconds: number },
): Promise<ProbeResult> {
  const file = join(repoRoot, 'tools', 'reliability', 'fixtures', 'prober.ts');
  const args = [String(options.port), options.path, String(options.rate), String(options.connections)];
  const proc = startProcess('prober', process.execPath, tsxArgs(file, [...args, String(options.seconds)]));
  ctx.defer(() => proc.kill());
  const match = await proc.waitFor(/^\{.*\}$/m, (options.seconds + 20) * 1000);
  return JSON.parse(match[0]) as ProbeResult;
}
