import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, get, inFlight, type Primary, startPrimary, steadyLoad, until } from './fixtures/harness';
import type { WorkerInfo } from './index';

describe('a supervised 2-worker HTTP cluster (real processes, real HTTP)', () => {
  let primary: Primary;
  let port: number;
  const failFile = join(tmpdir(), `weft-cluster-fail-${process.pid}`);

  beforeAll(async () => {
    port = await freePort();
    primary = startPrimary({
      workers: 2,
      env: { FIXTURE_PORT: String(port), FIXTURE_FAIL_FILE: failFile },
      restart: { constantMs: 150, maxRestarts: 5, withinMs: 10_000 },
      shutdownTimeoutMs: 3_000,
      readyTimeoutMs: 5_000,
    });
    await primary.command('whenReady');
  }, 15_000);
  afterAll(async () => {
    rmSync(failFile, { force: true });
    await primary?.stop();
  });

  it('serves requests from both workers', async () => {
    const workers = await primary.workers();
    expect(workers.map((w) => [w.slot, w.state, w.restarts])).toEqual([
      [0, 'ready', 0],
      [1, 'ready', 0],
    ]);
    const pids = new Set<string>();
    for (let i = 0; i < 6; i++) pids.add(await get(port));
    expect([...pids].sort()).toEqual(workers.map((w) => String(w.pid)).sort());
  });

  it('respawns a SIGKILLed worker after the backoff while the other keeps serving', async () => {
    const [victim, survivor] = (await primary.workers()) as [WorkerInfo, WorkerInfo];
    const exits = primary.events.filter((e) => e.event === 'exit').length;
    process.kill(victim.pid as number, 'SIGKILL');
    const exit = await primary.waitFor('exit', exits + 1);
    expect(exit.args.slice(1)).toEqual([null, 'SIGKILL', false]);
    const restart = await primary.waitFor('restart');
    expect(restart.args[1]).toBe(150);
    // Meanwhile every request is answered: by the survivor, or by the replacement once it was forked.
    const forks = primary.events.filter((e) => e.event === 'fork').length;
    for (let i = 0; i < 10; i++) {
      const pid = await get(port);
      const replacements = primary.events.filter((e) => e.event === 'fork').slice(forks);
      expect([survivor, ...replacements.map((e) => e.args[0] as WorkerInfo)].map((w) => String(w.pid))).toContain(pid);
    }
    const readies = primary.events.filter((e) => e.event === 'ready').length;
    await primary.waitFor('ready', Math.max(readies, 3));
    const workers = await primary.workers();
    expect(workers).toHaveLength(2);
    const replacement = workers.find((w) => w.slot === victim.slot) as WorkerInfo;
    expect(replacement).toMatchObject({ state: 'ready', restarts: 1 });
    expect(replacement.pid).not.toBe(victim.pid);
    const answered = new Set<string>();
    for (let i = 0; i < 6; i++) answered.add(await get(port));
    expect(answered).toContain(String(replacement.pid));
  });

  it('answers requests in both directions, with timeouts and thrown errors sent back', async () => {
    const [first] = (await primary.workers()) as [WorkerInfo];
    const ask = (message: object, timeoutMs = 2_000) =>
      primary.command<unknown>('request', { target: first.id, message, timeoutMs });
    // primary → worker
    expect(await ask({ type: 'add', a: 2, b: 40 })).toBe(42);
    await expect(ask({ type: 'fail' })).rejects.toMatchObject({
      name: 'RangeError',
      message: 'no such thing',
      code: 'E_FIXTURE',
    });
    await expect(ask({ type: 'hang' }, 200)).rejects.toMatchObject({
      name: 'IpcTimeoutError',
      code: 'ERR_WEFT_CLUSTER_IPC_TIMEOUT',
    });
    await expect(ask({ type: 'nobody' })).rejects.toMatchObject({ code: 'ERR_WEFT_CLUSTER_NO_HANDLER' });
    // worker → primary (the worker reports what its request resolved or rejected with)
    const viaWorker = (message: object, timeoutMs = 2_000) =>
      ask({ type: 'ask-primary', message, timeoutMs }, timeoutMs + 2_000);
    expect(await viaWorker({ type: 'double', n: 21 })).toEqual({ value: { n: 42, from: first.pid } });
    expect(await viaWorker({ type: 'primary-fail' })).toEqual({
      error: { name: 'TypeError', message: 'bad input', code: 'E_PRIMARY' },
    });
    expect(await viaWorker({ type: 'primary-hang' }, 200)).toMatchObject({
      error: { name: 'IpcTimeoutError', code: 'ERR_WEFT_CLUSTER_IPC_TIMEOUT' },
    });
    // Many in flight at once all get their own answer.
    const sums = await Promise.all(Array.from({ length: 50 }, (_, i) => ask({ type: 'add', a: i, b: 1 })));
    expect(sums).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('reloads under a steady stream of requests without a single failure, replacing every pid', async () => {
    const before = await primary.workers();
    const load = steadyLoad(port);
    await until(() => load.ok >= 5, 'requests before the reload');
    const okBefore = load.ok;
    await primary.command('reload');
    const okDuring = load.ok - okBefore;
    const after = await primary.workers();
    // Until both new workers have answered (or a request failed).
    await until(
      () => load.failed.length > 0 || after.every((w) => load.pids.has(String(w.pid))),
      'both new workers to answer',
    );
    await load.stop();
    expect(load.failed).toEqual([]);
    expect(okDuring).toBeGreaterThan(0); // requests kept being answered while the workers were replaced
    expect(after.map((w) => w.state)).toEqual(['ready', 'ready']);
    for (const old of before) expect(after.map((w) => w.pid)).not.toContain(old.pid);
    expect(primary.events.some((e) => e.event === 'reloaded')).toBe(true);
  }, 15_000);

  it('rejects a reload whose replacement fails to start and keeps the old workers serving', async () => {
    const before = await primary.workers();
    writeFileSync(failFile, '');
    try {
      await expect(primary.command('reload')).rejects.toMatchObject({
        name: 'ReloadError',
        code: 'ERR_WEFT_CLUSTER_RELOAD',
        causeCode: 'ERR_WEFT_CLUSTER_WORKER_START',
      });
    } finally {
      rmSync(failFile, { force: true });
    }
    expect(await primary.workers()).toEqual(before);
    expect(before.map((w) => String(w.pid))).toContain(await get(port));
  });

  it('shutdown() lets a slow in-flight request finish, then every worker exits 0', async () => {
    const slow = inFlight(port, '/?delayMs=1000');
    await slow.responded; // the request is in a worker's hands
    const exits = primary.events.filter((e) => e.event === 'exit').length;
    await primary.command('shutdown');
    expect(Number(await slow.body)).toBeGreaterThan(0);
    const codes = primary.events
      .filter((e) => e.event === 'exit')
      .slice(exits)
      .map((e) => e.args.slice(1));
    expect(codes).toEqual([
      [0, null, true],
      [0, null, true],
    ]);
    expect(await primary.workers()).toEqual([]);
    await expect(get(port)).rejects.toThrow();
  });
});

describe('failing workers', () => {
  it('detects a crash loop, stops respawning and exits the primary with code 1', async () => {
    const primary = startPrimary({
      workers: 1,
      env: { FIXTURE_MODE: 'crash' },
      restart: { constantMs: 20, maxRestarts: 2, withinMs: 10_000 },
    });
    try {
      const [loop, code] = await Promise.all([primary.waitFor('crashLoop'), primary.exited]);
      expect(code).toBe(1);
      expect(loop.args[0]).toMatchObject({ code: 'ERR_WEFT_CLUSTER_CRASH_LOOP' });
      const slot = (loop.args[0] as { slot: number }).slot;
      const forksOfSlot = primary.events.filter((e) => e.event === 'fork' && (e.args[0] as WorkerInfo).slot === slot);
      expect(forksOfSlot).toHaveLength(3); // the first start and maxRestarts respawns
      expect(primary.events.filter((e) => e.event === 'crashLoop')).toHaveLength(1);
      const lastEvent = primary.events.at(-1)?.event;
      expect(lastEvent).toBe('stopped');
    } finally {
      await primary.stop();
    }
  }, 15_000);

  it('kills a worker that is not ready within readyTimeoutMs and counts it as a failed start', async () => {
    const primary = startPrimary({
      workers: 1,
      env: { FIXTURE_MODE: 'never-ready' },
      readyWhen: 'ready',
      readyTimeoutMs: 400,
      restart: { constantMs: 20, maxRestarts: 1, withinMs: 10_000 },
    });
    try {
      await expect(primary.command('whenReady')).rejects.toMatchObject({ code: 'ERR_WEFT_CLUSTER_CRASH_LOOP' });
      expect(await primary.exited).toBe(1);
      const exits = primary.events.filter((e) => e.event === 'exit').map((e) => e.args.slice(1));
      expect(exits).toEqual([
        [null, 'SIGKILL', false],
        [null, 'SIGKILL', false],
      ]);
      expect(primary.events.some((e) => e.event === 'ready')).toBe(false);
    } finally {
      await primary.stop();
    }
  }, 15_000);
});

describe('signals and explicit readiness', () => {
  it('waits for worker.ready(), reloads on SIGHUP and shuts down with exit code 0 on SIGTERM', async () => {
    const port = await freePort();
    const primary = startPrimary({
      workers: 1,
      env: { FIXTURE_MODE: 'explicit-ready', FIXTURE_PORT: String(port) },
      readyWhen: 'ready',
      readyTimeoutMs: 5_000,
    });
    try {
      await primary.command('whenReady');
      const [before] = (await primary.workers()) as [WorkerInfo];
      expect(await get(port)).toBe(String(before.pid));
      primary.child.kill('SIGHUP');
      await primary.waitFor('reloaded');
      const [after] = (await primary.workers()) as [WorkerInfo];
      expect(after.pid).not.toBe(before.pid);
      expect(await get(port)).toBe(String(after.pid));
      primary.child.kill('SIGTERM');
      expect(await primary.exited).toBe(0);
      expect(primary.events.at(-1)?.event).toBe('stopped');
    } finally {
      await primary.stop();
    }
  }, 15_000);
});

describe('the same-file pattern', () => {
  it('runs the primary and its workers from one file, exec defaulting to the entry script', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions', 'source', fileURLToPath(new URL('./fixtures/same-file.ts', import.meta.url))],
      { env: { ...process.env, FIXTURE_PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    expect(code).toBe(0);
    const seen = JSON.parse(output) as { workers: string[]; answered: string[]; exits: number[] };
    expect(seen.workers).toHaveLength(2);
    expect([...seen.answered].sort()).toEqual([...seen.workers].sort());
    expect(seen.exits).toEqual([0, 0]);
  }, 15_000);
});
