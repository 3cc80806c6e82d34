import { createRequire } from 'node:module';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { Reactor } from '@weft/reactor';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { assign, createActor, createMachine, type MachineConfigError } from './index';
import { problemsOf } from './test-helpers';

// The developer checks are guarded by `process.env.NODE_ENV !== 'production'`, read at call time, so stubbing the
// variable runs the very code a production bundle keeps. The bundles below check that bundlers really drop the
// rest, and that the guard holds where there is no `process` at all.

const messy = {
  id: 'm',
  initial: 'a',
  states: {
    a: { on: { GO: 'nowhere', BAD: { target: 'a', guard: 'yes' } }, entyr: [] },
    b: { after: { soon: 'a' } },
  },
};

const breaker = () =>
  createMachine({
    id: 'breaker',
    initial: 'closed',
    context: { failures: 0 },
    states: {
      closed: {
        on: {
          FAIL: [
            { target: 'open', guard: (ctx) => ctx.failures >= 2 },
            { actions: assign((ctx) => ({ failures: ctx.failures + 1 })) },
          ],
        },
      },
      open: { after: { 1000: 'halfOpen' } },
      halfOpen: { entry: assign(() => ({ failures: 0 })), on: { SUCCESS: 'closed', FAIL: 'open' } },
    },
  });

describe('in production (NODE_ENV=production)', () => {
  beforeEach(() => {
    vi.stubEnv('NODE_ENV', 'production');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('still fails fast on a bad target, initial state, delay or missing states, naming the first one', () => {
    expect(problemsOf({ initial: 'a', states: { a: { on: { GO: 'nowhere' } } } })).toEqual([
      'states.a.on.GO.target: unknown state "nowhere"',
    ]);
    expect(problemsOf({ initial: 'a', states: { a: { initial: 'x', states: { y: {} } } } })).toEqual([
      'states.a.initial: unknown state "x"',
    ]);
    expect(problemsOf({ initial: 'a', states: { a: {} }, after: { soon: 'a' } })).toEqual([
      'after.soon: expected a finite number of ms >= 0, got "soon"',
    ]);
    expect(problemsOf({ initial: 'a' })).toEqual(['states: missing']);
    expect(() => createMachine(null as never)).toThrow(/config: expected a machine config object, got null/);
  });

  it('reports the first problem only, where development reports every one', () => {
    expect(problemsOf(messy)).toEqual(['states.a.on.GO.target: unknown state "nowhere"']);
    vi.stubEnv('NODE_ENV', 'development');
    expect(problemsOf(messy)).toEqual([
      'states.a.entyr: unknown property',
      'states.a.on.GO.target: unknown state "nowhere"',
      'states.a.on.BAD.guard: expected a function (context, event) => boolean, got "yes"',
      'states.b.after.soon: expected a finite number of ms >= 0, got "soon"',
    ]);
  });

  it('leaves the developer-only checks out: an unknown property is ignored', () => {
    const config = { initial: 'a', states: { a: { entyr: () => {} } } };
    expect(createMachine(config as never).initialSnapshot.value).toBe('a');
    vi.stubEnv('NODE_ENV', 'development');
    expect(problemsOf(config)).toEqual(['states.a.entyr: unknown property']);
  });

  it('runs a machine exactly as in development: actor, delays, persistence and the pure transition', () => {
    const clock = new Reactor();
    const actor = createActor(breaker(), { clock }).start();
    for (let i = 0; i < 3; i++) actor.send({ type: 'FAIL' });
    expect(actor.getSnapshot().value).toBe('open');
    clock.advance(400);
    const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
    expect(persisted.delayed).toEqual([{ state: 'open', delayMs: 1000, remainingMs: 600 }]);
    const restored = createActor(breaker(), { clock, snapshot: persisted }).start();
    clock.advance(600);
    expect(restored.getSnapshot().value).toBe('halfOpen');
    expect(restored.getSnapshot().context).toEqual({ failures: 0 });
    const m = breaker();
    expect(m.transition(m.initialSnapshot, { type: 'FAIL' }).snapshot.context).toEqual({ failures: 1 });
  });

  it('still rejects malformed events and persisted snapshots that do not fit the machine', () => {
    const actor = createActor(breaker()).start();
    expect(() => actor.send({} as never)).toThrow(/event: expected an object with a string "type"/);
    const base = { value: 'open' as const, context: { failures: 0 }, status: 'active' as const };
    expect(() => createActor(breaker(), { snapshot: { ...base, value: 'gone' as 'open', delayed: [] } })).toThrow(
      /snapshot.value: expected a state of machine "breaker", got "gone"/,
    );
    expect(() =>
      createActor(breaker(), { snapshot: { ...base, delayed: [{ state: 'open', delayMs: 5, remainingMs: 1 }] } }),
    ).toThrow(/options.snapshot.delayed\[0\]: not a delay of an active state/);
  });
});

// esbuild is not a dependency of this package; borrow the copy tsup (a root dev dependency) brings.
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ outputFiles: { text: string }[] }>;
}
const esbuild = createRequire(createRequire(import.meta.url).resolve('tsup'))('esbuild') as Esbuild;

async function bundle(options: Record<string, unknown>): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [join(import.meta.dirname, 'index.ts')],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    conditions: ['source'],
    ...options,
  });
  return result.outputFiles[0]?.text ?? '';
}

describe('bundled', () => {
  it('for production, contains the cheap checks and none of the validator or the other developer checks', async () => {
    // Syntax minification folds the guards and drops dead code, as every production bundler does.
    const production = await bundle({ minifySyntax: true, define: { 'process.env.NODE_ENV': '"production"' } });
    const development = await bundle({ minifySyntax: true, define: { 'process.env.NODE_ENV': '"development"' } });
    for (const devOnly of [
      'unknown property',
      'a state name must be non-empty',
      'a Clock (now, setTimeout, clearTimeout)',
      'a machine made by createMachine',
      '"listener"',
      'assign: expected a function',
    ]) {
      expect(development).toContain(devOnly);
      expect(production).not.toContain(devOnly);
    }
    expect(production).not.toContain('NODE_ENV');
    expect(production).toContain('unknown state');
  });

  it('runs where there is no `process` (a browser without a bundler), taking the production path', async () => {
    const code = await bundle({ format: 'cjs' });
    expect(code).toContain('process.env.NODE_ENV');
    const module = { exports: {} as typeof import('./index') };
    runInNewContext(code, { module, exports: module.exports, require: createRequire(import.meta.url) });
    const fsm = module.exports;
    try {
      fsm.createMachine(messy as never);
      expect.unreachable('createMachine should throw');
    } catch (error) {
      expect(fsm.isMachineConfigError(error)).toBe(true);
      expect((error as MachineConfigError).problems).toEqual(['states.a.on.GO.target: unknown state "nowhere"']);
    }
    const light = fsm.createMachine({ initial: 'red', states: { red: { on: { GO: 'green' } }, green: {} } });
    const actor = fsm.createActor(light).start();
    actor.send({ type: 'GO' });
    expect(actor.getSnapshot().value).toBe('green');
  });
});
