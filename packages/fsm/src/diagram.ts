import type { StateNode } from './compile';
import type { StateMachine } from './machine';
import type { EventObject } from './types';

// Both renderers walk the compiled tree, so what is drawn is exactly what runs: targets already resolved,
// `after` delays normalised. Targetless transitions change no state and are left out.

interface Edge {
  readonly from: StateNode;
  readonly to: StateNode;
  readonly label: string;
}

/** The edges of `node`'s own transitions; the machine's own ones are drawn from every top-level state. */
function edgesOf(node: StateNode): Edge[] {
  // Labels: the event type, `after 1000ms`, `always` or `onDone`, and the guard's name in brackets.
  const labelled = [...node.on_].filter(([type]) => !type.startsWith('weft.'));
  for (const delay of node.delays_.filter((d) => d.node_ === node))
    labelled.push([`after ${delay.ms_}ms`, node.on_.get(delay.event_.type) ?? []]);
  if (node.always_ !== null && !node.final_) labelled.push(['always', node.always_]);
  // `onDone` is what the final children take as their eventless transitions.
  const done = node.children_.find((child) => child.final_)?.always_;
  if (done) labelled.push(['onDone', done]);
  const edges: Edge[] = [];
  const sources = node.parent_ === null ? node.children_.filter((n) => !n.final_) : [node];
  for (const [event, transitions] of labelled) {
    for (const t of transitions) {
      const label = t.guard_ === undefined ? event : `${event} [${t.guard_.name || 'guard'}]`;
      if (t.target_ !== null) for (const from of sources) edges.push({ from, to: t.target_, label });
    }
  }
  return edges;
}

/** The last segment of a state's path: its key in its parent's `states`. */
const keyOf = (node: StateNode): string => node.path_.slice(node.path_.lastIndexOf('.') + 1);

const mermaidId = (node: StateNode): string => node.path_.replace(/[^A-Za-z0-9_]/g, '_');

/**
 * Renders the machine as a Mermaid `stateDiagram-v2` (compound states as nested blocks, guards in brackets,
 * delayed transitions as `after Nms`).
 *
 * @example
 * ```ts
 * import { createMachine, toMermaid } from '@weft/fsm';
 * const m = createMachine({ initial: 'a', states: { a: { on: { GO: 'b' } }, b: { type: 'final' } } });
 * toMermaid(m); // 'stateDiagram-v2\n  [*] --> a\n  a --> b : GO\n  b --> [*]\n'
 * ```
 */
export function toMermaid(machine: StateMachine<unknown, EventObject, string>): string {
  const lines = ['stateDiagram-v2'];
  const edges: Edge[] = [];
  const walk = (node: StateNode, indent: string): void => {
    if (node.initial_ === null) return;
    lines.push(`${indent}[*] --> ${mermaidId(node.initial_)}`);
    for (const child of node.children_) {
      const id = mermaidId(child);
      if (child.initial_ !== null) {
        lines.push(`${indent}state "${keyOf(child)}" as ${id} {`);
        walk(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else if (id !== keyOf(child)) {
        lines.push(`${indent}state "${keyOf(child)}" as ${id}`);
      }
      if (child.final_) lines.push(`${indent}${id} --> [*]`);
      edges.push(...edgesOf(child));
    }
  };
  walk(machine.root_, '  ');
  for (const e of edgesOf(machine.root_)) edges.push(e);
  for (const e of edges) lines.push(`  ${mermaidId(e.from)} --> ${mermaidId(e.to)} : ${e.label}`);
  return `${lines.join('\n')}\n`;
}

const quote = (text: string): string => `"${text.replace(/["\\]/g, '\\$&')}"`;

/**
 * Renders the machine as a Graphviz `digraph` (compound states as clusters, entered through their initial
 * point, final states as double circles).
 *
 * @example
 * ```ts
 * import { createMachine, toDot } from '@weft/fsm';
 * const m = createMachine({ initial: 'a', states: { a: { on: { GO: 'b' } }, b: {} } });
 * toDot(m); // 'digraph "machine" { ... "a" -> "b" [label="GO"]; }'
 * ```
 */
export function toDot(machine: StateMachine<unknown, EventObject, string>): string {
  const lines = [`digraph ${quote(machine.id)} {`, '  compound=true;', '  node [shape=box, style=rounded];'];
  // A compound state is a cluster; edges into it go to its start point, edges out of it leave from there.
  const point = (node: StateNode): string => quote(node.initial_ === null ? node.path_ : `${node.path_}.[*]`);
  const edges: Edge[] = [];
  const walk = (node: StateNode, indent: string): void => {
    lines.push(`${indent}${quote(node === machine.root_ ? '[*]' : `${node.path_}.[*]`)} [shape=point, label=""];`);
    if (node.initial_ !== null)
      lines.push(`${indent}${quote(node === machine.root_ ? '[*]' : `${node.path_}.[*]`)} -> ${point(node.initial_)};`);
    for (const child of node.children_) {
      if (child.initial_ !== null) {
        lines.push(
          `${indent}subgraph ${quote(`cluster_${child.path_}`)} {`,
          `${indent}  label=${quote(keyOf(child))};`,
        );
        walk(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        const shape = child.final_ ? ', shape=doublecircle' : '';
        lines.push(`${indent}${quote(child.path_)} [label=${quote(keyOf(child))}${shape}];`);
      }
      edges.push(...edgesOf(child));
    }
  };
  walk(machine.root_, '  ');
  edges.push(...edgesOf(machine.root_));
  for (const e of edges) {
    const tail = e.from.initial_ !== null ? `, ltail=${quote(`cluster_${e.from.path_}`)}` : '';
    const head = e.to.initial_ !== null ? `, lhead=${quote(`cluster_${e.to.path_}`)}` : '';
    lines.push(`  ${point(e.from)} -> ${point(e.to)} [label=${quote(e.label)}${tail}${head}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
