import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer } from '../../../tools/testing/redis-server';

const cli = join(import.meta.dirname, 'cli.ts');
const children: ChildProcess[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-cli-'));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI from source (tsx, `source` condition) as a real child process. */
function weft(...args: string[]) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  /** Resolves with the first match of `pattern` in stdout (rejects if the process exits first). */
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = stdout.match(pattern);
        if (match) {
          child.stdout.off('data', check);
          resolve(match);
        }
      };
      child.stdout.on('data', check);
      check();
      exited.then(() => reject(new Error(`weft exited before printing ${pattern}: ${stderr}`)));
    });
  /** Resolves once `check()` holds, re-checked on each output (rejects if the process exits first). */
  const until = (check: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const test = () => {
        if (!check()) return;
        child.stdout.off('data', test);
        resolve();
      };
      child.stdout.on('data', test);
      test();
      exited.then(() => reject(new Error(`weft exited while waiting: ${stderr}`)));
    });
  return { child, exited, waitFor, until, output: () => ({ stdout, stderr }) };
}

describe('weft CLI', () => {
  it('documents every command and flag in --help', async () => {
    const run = weft('--help');
    expect(await run.exited).toBe(0);
    const { stdout } = run.output();
    for (const word of [
      'serve',
      'demo',
      '--config',
      '--port',
      '--host',
      '--workers',
      '--upstream-port',
      'demo-subscriber',
      '--redis',
      '--quiet',
      '--help',
      '--version',
    ]) {
      expect(stdout).toContain(word);
    }
  });

  it('serves a config, answers over HTTP, and closes gracefully on SIGTERM', async () => {
    const file = join(dir, 'ok.json');
    await writeFile(
      file,
      JSON.stringify({
        $schema: '../schema/weft.config.schema.json',
        logger: false,
        routes: [
          { path: '/hello/:name', response: { status: 201, headers: { 'x-from': 'config' }, body: { hi: true } } },
          { method: ['POST', 'PUT'], path: '/text', response: { text: 'plain' } },
        ],
      }),
    );
    const run = weft('serve', '--config', file, '--port', '0');
    const [, url] = await run.waitFor(/serving .* on (http:\/\/127\.0\.0\.1:\d+)/);
    const res = await fetch(`${url}/hello/ada`);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-from')).toBe('config');
    expect(await res.json()).toEqual({ hi: true });
    expect(await (await fetch(`${url}/text`, { method: 'PUT' })).text()).toBe('plain');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output().stderr).toContain('SIGTERM, closing gracefully');
  });

  it('runs workers sharing one rate limit and one tier limit, reloads them on SIGHUP and drains them on SIGTERM', async () => {
    const file = join(dir, 'cluster.json');
    await writeFile(
      file,
      JSON.stringify({
        logger: { level: 'info' },
        loadShedding: false,
        rateLimit: { limit: 6, windowMs: 60_000, algorithm: 'fixed-window', storeTimeoutMs: 5_000 },
        auth: {
          apiKeys: { k_free: { id: 'f', tier: 'free' } },
          tiers: { free: { limit: 2, windowMs: 60_000, algorithm: 'fixed-window' } },
        },
        routes: [
          { path: '/', auth: false, response: { text: 'hello' } },
          { path: '/private', response: { text: 'secret' } },
        ],
      }),
    );
    const run = weft('serve', '--config', file, '--port', '0', '--workers', '2');
    const [, url] = await run.waitFor(/serving .* on (http:\/\/127\.0\.0\.1:\d+) with 2 workers/);
    const logs = () =>
      run
        .output()
        .stdout.split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; pid: number; status?: number });
    const primary = run.child.pid;
    const servedBy = () => new Set(logs().flatMap((l) => (l.msg === 'request completed' ? [l.pid] : [])));
    // A new connection per request, so the primary hands them to the workers in turn.
    const get = async (path = '/', headers: Record<string, string> = {}) => {
      const res = await request(`${url}${path}`, { reset: true, headers });
      const body = await res.body.text();
      return res.statusCode === 429 ? `429 ${(JSON.parse(body) as { detail: string }).detail}` : res.statusCode;
    };

    // The tier's 2 requests per principal hold across both workers (counted in the primary, as the per-IP 6 are).
    const statuses: (number | string)[] = [];
    for (let i = 0; i < 3; i++) statuses.push(await get('/private', { 'x-api-key': 'k_free' }));
    for (let i = 0; i < 7; i++) statuses.push(await get());
    const tierLimited = '429 rate limit of the free tier (2 per 60000 ms) exceeded';
    const ipLimited = expect.stringMatching(/^429 /);
    expect(statuses).toEqual([200, 200, tierLimited, 200, 200, 200, ipLimited, ipLimited, ipLimited, ipLimited]);
    // Each worker logs after its response went out, through its own pipe: wait for all ten lines.
    await run.until(() => logs().filter((l) => l.msg === 'request completed').length === 10);
    const first = servedBy();
    expect(first.size).toBe(2);
    expect(first.has(primary as number)).toBe(false);

    run.child.kill('SIGHUP');
    await run.waitFor(/"msg":"workers reloaded"/);
    expect(await get()).toEqual(ipLimited);
    await run.until(() => logs().filter((l) => l.msg === 'request completed').length === 11);
    const last = logs()
      .filter((l) => l.msg === 'request completed')
      .pop();
    expect(last?.status).toBe(429);
    expect(first.has(last?.pid as number)).toBe(false);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    // Three processes start and two more on the reload: generous on a loaded machine.
  }, 30_000);

  it('serves a config-driven gateway with a public route and a protected one (API key, scopes)', async () => {
    const file = join(dir, 'auth.json');
    await writeFile(
      file,
      JSON.stringify({
        logger: false,
        auth: {
          apiKeys: {
            [`sha256:${createHash('sha256').update('k_reader').digest('hex')}`]: { id: 'r', scopes: ['orders:read'] },
            k_nobody: { id: 'n' },
          },
        },
        routes: [
          { path: '/status', auth: false, response: { body: { up: true } } },
          { path: '/orders', auth: { scopes: ['orders:read'] }, response: { body: { orders: [] } } },
        ],
      }),
    );
    const run = weft('serve', '--config', file, '--port', '0');
    const [, url] = await run.waitFor(/serving .* on (http:\/\/127\.0\.0\.1:\d+)/);
    const get = async (path: string, key?: string) => {
      const res = await fetch(`${url}${path}`, { headers: key === undefined ? {} : { 'x-api-key': key } });
      return { status: res.status, body: await res.text(), challenge: res.headers.get('www-authenticate') };
    };
    expect(await get('/status')).toMatchObject({ status: 200, body: '{"up":true}' });
    const missing = await get('/orders');
    expect(missing.status).toBe(401);
    expect(missing.challenge).toMatch(/^(Bearer|ApiKey)/);
    expect(await get('/orders', 'k_wrong')).toMatchObject({ status: 401 });
    expect(await get('/orders', 'k_reader')).toMatchObject({ status: 200, body: '{"orders":[]}' });
    expect(await get('/orders', 'k_nobody')).toMatchObject({ status: 403 });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/weft_auth_failures_total\{reason="missing"\} 1/);
    expect(metrics).toMatch(/weft_auth_failures_total\{reason="invalid"\} 1/);
    expect(metrics).toMatch(/weft_auth_failures_total\{reason="scope"\} 1/);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('rejects a bad config with exit code 2 and the path of every bad field', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        port: 'eighty',
        timeouts: { headersMs: -1 },
        upstreams: { api: { url: 'http://127.0.0.1:1', retry: { maxAttempts: 0 } } },
        routes: [
          { path: '/a', proxy: { upstream: 'apx' } },
          { path: '/b' },
          { method: 'FETCH', path: '/c', response: {} },
        ],
      }),
    );
    const run = weft('serve', '-c', file);
    expect(await run.exited).toBe(2);
    const { stderr } = run.output();
    expect(stderr).toContain('port: expected an integer, got "eighty"');
    expect(stderr).toContain('timeouts.headersMs: expected at least 0, got -1');
    expect(stderr).toContain('upstreams.api.retry.maxAttempts: expected at least 1, got 0');
    expect(stderr).toContain('routes[0].proxy.upstream: unknown upstream "apx"');
    expect(stderr).toContain('routes[1]: expected exactly one of "response" or "proxy"');
    expect(stderr).toContain('routes[2].method:');
  });

  it('rejects prototype-named keys and oversized numbers with exit code 2 and their paths, no stack', async () => {
    const file = join(dir, 'hostile.json');
    await writeFile(
      file,
      '{"__proto__":{"polluted":true},"timeouts":{"requestMs":1e21},' +
        '"upstreams":{"a":{"url":"http://127.0.0.1:9","breaker":{"windowSize":1e12}}}}',
    );
    const run = weft('serve', '-c', file);
    expect(await run.exited).toBe(2);
    const { stderr } = run.output();
    expect(stderr).toContain('__proto__: unknown field');
    expect(stderr).toContain('timeouts.requestMs: expected at most 2147483647, got 1e+21');
    expect(stderr).toContain('upstreams.a.breaker.windowSize: expected at most 1000000, got 1000000000000');
    expect(stderr).not.toContain('    at ');
  });

  it('reports usage errors with exit code 2', async () => {
    const missing = weft('serve');
    expect(await missing.exited).toBe(2);
    expect(missing.output().stderr).toContain('--config <file> is required');
    const unknown = weft('launch');
    expect(await unknown.exited).toBe(2);
    expect(unknown.output().stderr).toContain('unknown command "launch"');
  });

  it('runs the demo: a gateway in front of a demo upstream, with the URLs to try', async () => {
    const run = weft('demo', '--port', '0', '--quiet');
    const [, url] = await run.waitFor(/gateway on (http:\/\/127\.0\.0\.1:\d+)/);
    await run.waitFor(/Ctrl-C/);
    expect(run.output().stdout).toContain(`curl -i ${url}/api/hello`);
    const res = await fetch(`${url}/api/hello?x=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hello: 'from the demo upstream', query: { x: '1' } });
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });

  it('runs the demo with a Redis bus and a demo-subscriber that prints its request.limited events', async () => {
    const redis = await startRedisServer();
    try {
      const subscriber = weft('demo-subscriber', '--redis', redis.url);
      await subscriber.waitFor(/subscribed to request\.limited and breaker\.stateChange/);
      const demo = weft('demo', '--port', '0', '--quiet', '--redis', redis.url);
      const [, url] = await demo.waitFor(/gateway on (http:\/\/127\.0\.0\.1:\d+)/);
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) {
        const res = await fetch(`${url}/`);
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      expect(statuses.filter((s) => s === 429)).toHaveLength(1);
      const [line] = await subscriber.waitFor(/bus: request\.limited \{.*\}/);
      expect(JSON.parse(line.slice('bus: request.limited '.length))).toMatchObject({ method: 'GET', path: '/' });
      for (const run of [demo, subscriber]) {
        run.child.kill('SIGTERM');
        expect(await run.exited).toBe(0);
      }
    } finally {
      await redis.stop();
    }
  });

  it('prints the demo bus events in process without --redis, and demo-subscriber requires --redis', async () => {
    const lone = weft('demo-subscriber');
    expect(await lone.exited).toBe(2);
    expect(lone.output().stderr).toContain('demo-subscriber: --redis <url> is required');
    const demo = weft('demo', '--port', '0', '--quiet');
    const [, url] = await demo.waitFor(/gateway on (http:\/\/127\.0\.0\.1:\d+)/);
    await demo.waitFor(/Bus events print here/);
    for (let i = 0; i < 21; i++) await (await fetch(`${url}/`)).arrayBuffer();
    await demo.waitFor(/bus \(in process\): request\.limited \{"method":"GET","path":"\/"/);
    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
  });
});
