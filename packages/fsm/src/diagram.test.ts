import { describe, expect, it } from 'vitest';
import { assign } from './assign';
import { toDot, toMermaid } from './diagram';
import { createMachine } from './machine';

const breaker = createMachine({
  id: 'breaker',
  initial: 'closed',
  context: { failures: 0 },
  on: { RESET: '#closed' },
  states: {
    closed: {
      on: {
        FAIL: [
          {
            target: 'open',
            guard: function tripped(ctx) {
              return ctx.failures >= 4;
            },
          },
          { actions: assign((ctx) => ({ failures: ctx.failures + 1 })) },
        ],
      },
    },
    open: { after: { 30000: 'half-open' } },
    'half-open': {
      initial: 'probing',
      states: { probing: { on: { DONE: 'finished' } }, finished: { type: 'final' } },
      on: { FAIL: 'open' },
      onDone: 'closed',
    },
  },
});

describe('toMermaid', () => {
  it('renders a stateDiagram-v2 with nested states, guards, delays, onDone and machine-wide events', () => {
    expect(toMermaid(breaker)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> closed',
        '  state "half-open" as half_open {',
        '    [*] --> half_open_probing',
        '    state "probing" as half_open_probing',
        '    state "finished" as half_open_finished',
        '    half_open_finished --> [*]',
        '  }',
        '  closed --> open : FAIL [tripped]',
        '  open --> half_open : after 30000ms',
        '  half_open_probing --> half_open_finished : DONE',
        '  half_open --> open : FAIL',
        '  half_open --> closed : onDone',
        '  closed --> closed : RESET',
        '  open --> closed : RESET',
        '  half_open --> closed : RESET',
        '',
      ].join('\n'),
    );
  });

  it('marks top-level final states and leaves out transitions without a target', () => {
    const m = createMachine({
      initial: 'a',
      context: { n: 0 },
      states: { a: { on: { GO: 'b', COUNT: { actions: assign((c) => ({ n: c.n + 1 })) } } }, b: { type: 'final' } },
    });
    expect(toMermaid(m)).toBe('stateDiagram-v2\n  [*] --> a\n  b --> [*]\n  a --> b : GO\n');
  });
});

describe('toDot', () => {
  it('renders a Graphviz digraph with clusters for compound states', () => {
    const dot = toDot(breaker);
    expect(dot.startsWith('digraph "breaker" {\n')).toBe(true);
    expect(dot).toContain('"[*]" -> "closed";');
    expect(dot).toContain('subgraph "cluster_half-open" {');
    expect(dot).toContain('"half-open.finished" [label="finished", shape=doublecircle];');
    expect(dot).toContain('"closed" -> "open" [label="FAIL [tripped]"];');
    expect(dot).toContain('"open" -> "half-open.[*]" [label="after 30000ms", lhead="cluster_half-open"];');
    expect(dot).toContain('"half-open.[*]" -> "closed" [label="onDone", ltail="cluster_half-open"];');
    expect(dot.trimEnd().endsWith('}')).toBe(true);
  });

  it('escapes quotes in names', () => {
    const m = createMachine({ id: 'say "hi"', initial: 'a', states: { a: {} } });
    expect(toDot(m)).toContain('digraph "say \\"hi\\"" {');
  });
});
