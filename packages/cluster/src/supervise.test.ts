import cluster from 'node:cluster';
import { describe, expect, it } from 'vitest';
import { type SuperviseOptions, supervise } from './index';

function rejects(options: SuperviseOptions): Error {
  let forks = 0;
  const count = () => forks++;
  cluster.on('fork', count);
  try {
    supervise({ signals: false, exitProcess: false, ...options });
  } catch (error) {
    return error as Error;
  } finally {
    cluster.off('fork', count);
    expect(forks).toBe(0);
  }
  throw new Error('supervise() accepted bad options');
}

describe('supervise() option validation, before any fork', () => {
  it('rejects workers that are not an integer ≥ 1 or "auto"', () => {
    expect(rejects({ workers: 0 })).toEqual(new RangeError("workers: expected an integer ≥ 1 or 'auto', got 0"));
    expect(rejects({ workers: 1.5 })).toBeInstanceOf(RangeError);
    expect(rejects({ workers: -2 }).message).toMatch(/got -2/);
    expect(rejects({ workers: '4' as never })).toEqual(
      new TypeError(`workers: expected an integer ≥ 1 or 'auto', got "4"`),
    );
  });

  it('rejects a missing exec file, naming it', () => {
    const error = rejects({ workers: 1, exec: './no/such/worker.js' });
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/^exec: expected the path of an existing file, got "\.\/no\/such\/worker\.js"/);
    expect(rejects({ workers: 1, exec: '' })).toBeInstanceOf(TypeError);
  });

  it('rejects bad restart, timeout and mode options', () => {
    expect(rejects({ workers: 1, restart: { maxRestarts: -1 } }).message).toBe(
      'restart.maxRestarts: expected an integer ≥ 0, got -1',
    );
    expect(rejects({ workers: 1, restart: { backoff: 100 as never } }).message).toMatch(/^restart\.backoff:/);
    expect(rejects({ workers: 1, restart: { withinMs: 0 } }).message).toMatch(/^restart\.withinMs: .*got 0/);
    expect(rejects({ workers: 1, shutdownTimeoutMs: Number.NaN }).message).toMatch(/^shutdownTimeoutMs: .*got NaN/);
    expect(rejects({ workers: 1, readyTimeoutMs: '1s' as never })).toBeInstanceOf(TypeError);
    expect(rejects({ workers: 1, readyWhen: 'online' as never }).message).toMatch(/^readyWhen:/);
    expect(rejects({ workers: 1, args: 'a b' as never }).message).toMatch(/^args: expected an array of strings/);
    expect(rejects({ workers: 1, env: { PORT: 3000 } as never }).message).toMatch(/^env:/);
  });
});
