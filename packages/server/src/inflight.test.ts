import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Context, type ContextSettings } from './context';
import { Inflight } from './inflight';

const settings = { trustProxy: () => false, bodyLimit: 1024, upstream: () => undefined } as unknown as ContextSettings;
const contexts = (n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      new Context(
        { method: 'GET', url: `/${i}` } as IncomingMessage,
        {} as ServerResponse,
        settings,
        undefined,
        undefined,
        0,
      ),
  );

describe('Inflight', () => {
  it('tracks contexts through adds and removals in any order, like a Set', () => {
    const inflight = new Inflight();
    const model = new Set<Context>();
    const all = contexts(12);
    // A fixed interleaving of adds and removals from the front, the back and the middle.
    const script = '+0 +1 +2 +3 -1 +4 -3 -3 +5 +6 -0 -6 +7 +8 +9 -4 -9 +10 -2 +11 -7 -8 -5 -10 -11'.split(' ');
    for (const step of script) {
      const ctx = all[Number(step.slice(1))] as Context;
      if (step.startsWith('-')) {
        expect(inflight.delete(ctx)).toBe(model.delete(ctx));
      } else {
        inflight.add(ctx);
        model.add(ctx);
      }
      expect(inflight.size).toBe(model.size);
      expect(new Set(inflight.snapshot())).toEqual(model);
      for (const c of all) expect(inflight.has(c)).toBe(model.has(c));
    }
    expect(inflight.size).toBe(0);
  });

  it('reports a context removed twice, or never added, as not in flight', () => {
    const inflight = new Inflight();
    const [a, b] = contexts(2) as [Context, Context];
    expect(inflight.delete(a)).toBe(false);
    inflight.add(a);
    inflight.add(b);
    expect(inflight.delete(a)).toBe(true);
    expect(inflight.delete(a)).toBe(false);
    expect(inflight.has(b)).toBe(true);
    expect(inflight.snapshot()).toEqual([b]);
  });

  it('gives a snapshot that stays whole while its contexts are removed', () => {
    const inflight = new Inflight();
    const all = contexts(5);
    for (const ctx of all) inflight.add(ctx);
    const seen: Context[] = [];
    for (const ctx of inflight.snapshot()) {
      seen.push(ctx);
      inflight.delete(ctx);
    }
    expect(seen).toEqual(all);
    expect(inflight.size).toBe(0);
  });
});
