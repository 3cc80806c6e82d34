import { graphSequencer } from '@pnpm/deps.graph-sequencer';

/** Package name → names of the workspace packages it depends on. */
export type DependencyGraph = Map<string, readonly string[]>;

/** A build order: chunks run one after another; the packages inside one chunk do not depend on each other. */
export interface BuildPlan {
  chunks: string[][];
}

/** Thrown when the graph has a dependency cycle; `cycles` lists the packages in each cycle. */
export class DependencyCycleError extends Error {
  readonly code = 'ERR_WEFT_DEPENDENCY_CYCLE';
  readonly cycles: string[][];
  constructor(cycles: string[][]) {
    super(`dependency cycle between ${cycles.map((c) => [...c, c[0]].join(' → ')).join('; ')}`);
    this.name = 'DependencyCycleError';
    this.cycles = cycles;
  }
}

/** Thrown when a requested package is not in the graph. */
export class UnknownPackageError extends Error {
  readonly code = 'ERR_WEFT_UNKNOWN_PACKAGE';
  constructor(name: string, known: readonly string[]) {
    super(`unknown package "${name}"; the workspace has ${known.join(', ')}`);
    this.name = 'UnknownPackageError';
  }
}

/** The requested packages and everything they depend on, directly or not. */
export function withDependencies(graph: DependencyGraph, targets: readonly string[]): string[] {
  const seen = new Set<string>();
  const stack = [...targets];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    if (!graph.has(name)) throw new UnknownPackageError(name, [...graph.keys()].sort());
    seen.add(name);
    for (const dep of graph.get(name) ?? []) stack.push(dep);
  }
  return [...seen].sort();
}

/**
 * Orders the graph (or, with `targets`, those packages and their dependencies) into chunks with graph-sequencer.
 * A cycle is an error naming its packages, raised before anything is built.
 */
export function planBuild(graph: DependencyGraph, targets?: readonly string[]): BuildPlan {
  const included = targets && targets.length > 0 ? withDependencies(graph, targets) : [...graph.keys()].sort();
  const mutable = new Map<string, string[]>();
  for (const [name, deps] of graph) mutable.set(name, [...deps]);
  // graph-sequencer does not report a package that depends on itself, so that cycle is caught here.
  const selfLoops = included.filter((name) => graph.get(name)?.includes(name)).map((name) => [name]);
  if (selfLoops.length > 0) throw new DependencyCycleError(selfLoops);
  const result = graphSequencer(mutable, included);
  if (!result.safe) throw new DependencyCycleError(result.cycles.map((c) => [...c]));
  return { chunks: result.chunks.map((chunk) => [...chunk].sort()) };
}

/** `chunk 1: @weft/compose, @weft/emitter` lines, as printed before a build. */
export function formatPlan(plan: BuildPlan): string {
  return plan.chunks.map((chunk, i) => `chunk ${i + 1}: ${chunk.join(', ')}`).join('\n');
}
