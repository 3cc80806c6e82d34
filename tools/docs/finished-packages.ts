/**
 * Packages whose README must pass `pnpm test:examples` (install section, runnable example that exits 0, API table).
 * Every package's README is checked and reported; only these fail the run. Add a package once its API has landed
 * and its README passes.
 */
export const finishedPackages: readonly string[] = [
  '@weft/breaker',
  '@weft/bus',
  '@weft/cluster',
  '@weft/compose',
  '@weft/emitter',
  '@weft/fsm',
  '@weft/ratelimit',
  '@weft/reactor',
  '@weft/retry',
  '@weft/server',
  '@weft/streams',
];
