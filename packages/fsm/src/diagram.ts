import type { StateNode, Transition } from './compile';
import type { StateMachine } from './machine';
import type { EventObject } from './types';

// Both renderers walk the compiled tree, so what is drawn is exactly what runs: targets already resolved,
// `after` delays normalised. Targetless transitions change no state and are left out.

interface Edge {
  readonly from: StateNode;
  readonly to: StateNode;
  readonly label: string;
}

function label(t: Transition): string {
  const guard = t.guard === undefined ? '' : ` [${t.guard.name || 'guard'}]`;
  return `${t.label}${guard}`;
}

/** The edges of `node`'s own transitions; the machine's own ones are drawn from every top-level state. */
function edgesOf(node: StateNode): Edge[] {
  const transitions: Transition[] = [];
  if (node.on !== null) for (const list of node.on.values()) transitions.push(...list);
  if (node.after !== null) for (const delay of node.after) transitions.push(...delay.transitions);
  if (node.always !== null) transitions.push(...node.always);
  if (node.onDone !== null) transitions.push(...node.onDone);
  const edges: Edge[] = [];
  const sources = node.parent === null ? [...(node.children?.values() ?? [])].filter((n) => !n.final) : [node];
  for (const t of transitions) {
    if (t.target !== null) for (const from of sources) edges.push({ from, to: t.target, label: label(t) });
  }
  return edges;
}

const mermaidId = (node: StateNode): string => node.path.replace(/[^A-Za-z0-9_]/g, '_');

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
    const children = node.children;
    if (children === null || node.initial === null) return;
    lines.push(`${indent}[*] --> ${mermaidId(node.initial)}`);
    for (const child of children.values()) {
      const id = mermaidId(child);
      if (child.children !== null) {
        lines.push(`${indent}state "${child.key}" as ${id} {`);
        walk(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else if (id !== child.key) {
        lines.push(`${indent}state "${child.key}" as ${id}`);
      }
      if (child.final) lines.push(`${indent}${id} --> [*]`);
      edges.push(...edgesOf(child));
    }
  };
  walk(machine.root, '  ');
  for (const e of edgesOf(machine.root)) edges.push(e);
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
  const point = (node: StateNode): string => quote(node.children === null ? node.path : `${node.path}.[*]`);
  const edges: Edge[] = [];
  const walk = (node: StateNode, indent: string): void => {
    lines.push(`${indent}${quote(node === machine.root ? '[*]' : `${node.path}.[*]`)} [shape=point, label=""];`);
    if (node.initial !== null)
      lines.push(`${indent}${quote(node === machine.root ? '[*]' : `${node.path}.[*]`)} -> ${point(node.initial)};`);
    for (const child of node.children?.values() ?? []) {
      if (child.children !== null) {
        lines.push(`${indent}subgraph ${quote(`cluster_${child.path}`)} {`, `${indent}  label=${quote(child.key)};`);
        walk(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        const shape = child.final ? ', shape=doublecircle' : '';
        lines.push(`${indent}${quote(child.path)} [label=${quote(child.key)}${shape}];`);
      }
      edges.push(...edgesOf(child));
    }
  };
  walk(machine.root, '  ');
  edges.push(...edgesOf(machine.root));
  for (const e of edges) {
    const tail = e.from.children !== null ? `, ltail=${quote(`cluster_${e.from.path}`)}` : '';
    const head = e.to.children !== null ? `, lhead=${quote(`cluster_${e.to.path}`)}` : '';
    lines.push(`  ${point(e.from)} -> ${point(e.to)} [label=${quote(e.label)}${tail}${head}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
