/**
 * The pictures of the docs that are computed, not drawn: the package graph (from the workspace's package.json
 * files, in build chunks) and the state machines of the breaker, the server and a cluster worker (rendered by
 * `@weft/fsm`'s `toMermaid` from the very machines the packages run).
 */
import { planBuild } from '../sequence';
import { findWorkspacePackages, type WorkspacePackage } from '../workspace';

const short = (name: string) => name.replace(/^@weft\//, '');

/** Runtime dependencies only (dependencies and peerDependencies on workspace packages); devDependencies are tooling. */
function runtimeDependencies(pkg: WorkspacePackage, names: ReadonlySet<string>): string[] {
  const deps = new Set<string>();
  for (const field of [pkg.manifest.dependencies, pkg.manifest.peerDependencies]) {
    for (const dep of Object.keys(field ?? {})) if (names.has(dep) && dep !== pkg.name) deps.add(dep);
  }
  return [...deps].sort();
}

/**
 * The transitive reduction of a dependency graph: an edge a → c is dropped when a → … → c exists otherwise. The
 * picture stays readable (server depends on everything) and says the same thing.
 */
export function transitiveReduction(deps: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const reachable = (from: string, skip: string): boolean => {
    const stack = (deps.get(from) ?? []).filter((d) => d !== skip);
    const seen = new Set<string>();
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (next === skip) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(deps.get(next) ?? []));
    }
    return false;
  };
  return new Map(
    [...deps].map(([name, direct]) => [name, direct.filter((dep) => !reachable(name, dep))] as [string, string[]]),
  );
}

/**
 * A Mermaid flowchart of the workspace: one box per package, grouped by build chunk (a chunk only depends on
 * earlier ones), an arrow from each package to what it depends on (transitively reduced).
 */
export function packageGraph(packages: WorkspacePackage[] = findWorkspacePackages()): string {
  const names = new Set(packages.map((p) => p.name));
  const graph = new Map(packages.map((p) => [p.name, p.internalDependencies]));
  const { chunks } = planBuild(graph);
  const reduced = transitiveReduction(new Map(packages.map((p) => [p.name, runtimeDependencies(p, names)])));
  const lines = ['%%{init: {"flowchart": {"curve": "basis"}}}%%', 'flowchart BT'];
  chunks.forEach((chunk, i) => {
    lines.push(`  subgraph chunk${i + 1} ["build chunk ${i + 1}"]`);
    lines.push('    direction LR');
    for (const name of chunk) lines.push(`    ${short(name)}["${name}"]`);
    lines.push('  end');
  });
  for (const pkg of packages) {
    for (const dep of reduced.get(pkg.name) ?? []) lines.push(`  ${short(pkg.name)} --> ${short(dep)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The package graph as a Markdown table: package, what it depends on, what depends on it. */
export function packageTable(packages: WorkspacePackage[] = findWorkspacePackages()): string {
  const names = new Set(packages.map((p) => p.name));
  const deps = new Map(packages.map((p) => [p.name, runtimeDependencies(p, names)]));
  const rows = packages.map((p) => {
    const users = packages.filter((q) => deps.get(q.name)?.includes(p.name)).map((q) => `\`${short(q.name)}\``);
    const own = (deps.get(p.name) ?? []).map((d) => `\`${short(d)}\``);
    const description = (p.manifest as { description?: string }).description ?? '';
    return `| \`${p.name}\` | ${description} | ${own.join(', ') || '—'} | ${users.join(', ') || '—'} |`;
  });
  return ['| package | what it is | depends on | used by |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** A diagram the docs show, and how to make it. */
export interface StateDiagram {
  id: string;
  title: string;
  render: () => Promise<string>;
}

/** The state machines drawn in the docs; each renders with `toMermaid` from the machine the package really runs. */
export const stateDiagrams: StateDiagram[] = [
  {
    id: 'breaker-states',
    title: "@weft/breaker's circuit (breaker.toMermaid())",
    render: async () => {
      const { CircuitBreaker } = await import('../../packages/breaker/src/index');
      return new CircuitBreaker().toMermaid();
    },
  },
  {
    id: 'server-lifecycle',
    title: "@weft/server's lifecycle (toMermaid(lifecycleMachine))",
    render: async () => {
      const { toMermaid } = await import('../../packages/fsm/src/index');
      const { lifecycleMachine } = await import('../../packages/server/src/index');
      return toMermaid(lifecycleMachine);
    },
  },
  {
    id: 'cluster-worker-lifecycle',
    title: "@weft/cluster's worker lifecycle (toMermaid(lifecycleMachine()))",
    render: async () => {
      const { toMermaid } = await import('../../packages/fsm/src/index');
      const { lifecycleMachine } = await import('../../packages/cluster/src/index');
      return toMermaid(lifecycleMachine());
    },
  },
];
