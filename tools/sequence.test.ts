import { describe, expect, it } from 'vitest';
import { DependencyCycleError, formatPlan, planBuild, UnknownPackageError, withDependencies } from './sequence';

// a ← b, a ← c, b ← d, c ← d (a diamond), plus e with no edges at all.
const diamond = new Map<string, string[]>([
  ['a', []],
  ['b', ['a']],
  ['c', ['a']],
  ['d', ['b', 'c']],
  ['e', []],
]);

describe('planBuild', () => {
  it('puts dependencies in earlier chunks and independent packages together', () => {
    expect(planBuild(diamond).chunks).toEqual([['a', 'e'], ['b', 'c'], ['d']]);
  });

  it('builds only a target and what it depends on', () => {
    expect(planBuild(diamond, ['b']).chunks).toEqual([['a'], ['b']]);
    expect(planBuild(diamond, ['e']).chunks).toEqual([['e']]);
  });

  it('rejects a cycle naming every package in it, before building anything', () => {
    const cyclic = new Map<string, string[]>([...diamond, ['a', ['d']]]);
    let error: unknown;
    try {
      planBuild(cyclic);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DependencyCycleError);
    const cycle = new Set((error as DependencyCycleError).cycles.flat());
    // The cycle a → d → (b or c) → a: both ends and one of the middle packages are named.
    expect(cycle.has('a') && cycle.has('d') && (cycle.has('b') || cycle.has('c'))).toBe(true);
    expect(cycle.has('e')).toBe(false);
    expect((error as Error).message).toMatch(/dependency cycle between/);
    expect((error as DependencyCycleError).code).toBe('ERR_WEFT_DEPENDENCY_CYCLE');
  });

  it('rejects a self-loop', () => {
    expect(() => planBuild(new Map([['x', ['x']]]))).toThrow(/dependency cycle between x → x/);
  });

  it('names an unknown target and lists the known ones', () => {
    expect(() => planBuild(diamond, ['zz'])).toThrow(UnknownPackageError);
    expect(() => withDependencies(diamond, ['zz'])).toThrow(/unknown package "zz"; the workspace has a, b, c, d, e/);
  });
});

describe('formatPlan', () => {
  it('prints one numbered line per chunk', () => {
    expect(formatPlan(planBuild(diamond))).toBe('chunk 1: a, e\nchunk 2: b, c\nchunk 3: d');
  });
});
