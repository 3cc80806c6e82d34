// Node's own symbol, found without importing 'node:events' (the package stays platform-neutral, as it does for
// process.emitWarning): process.getBuiltinModule exists from Node 20.16 and 22.3 on (and in Bun and Deno). Reusing
// Node's symbol rather than minting a look-alike makes `errorMonitor === events.errorMonitor`, so code written
// against node:events (`emitter.on(events.errorMonitor, …)`) works unchanged, and `once(nodeEmitter, errorMonitor)`
// waits on Node's monitors too.
function nodeErrorMonitor(): symbol | undefined {
  const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  const getBuiltinModule = host.process?.getBuiltinModule;
  if (typeof getBuiltinModule !== 'function') return undefined;
  try {
    const symbol = (getBuiltinModule.call(host.process, 'node:events') as { errorMonitor?: unknown } | undefined)
      ?.errorMonitor;
    return typeof symbol === 'symbol' ? symbol : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The event name of error monitors: listeners of `errorMonitor` see every `emit('error', …)`, with the same
 * arguments, before the `'error'` listeners run, without handling the error. With no `'error'` listener the emit
 * still throws once the monitors have run, so a monitor can log or count errors without changing what happens to
 * them. As in `node:events`, where this is the same symbol as `events.errorMonitor` (on Node, Bun and Deno;
 * elsewhere a symbol of this package).
 *
 * @example
 * ```ts
 * import { Emitter, errorMonitor } from '@weft/emitter';
 *
 * const socket = new Emitter<{ error: [error: Error] }>();
 * let errors = 0;
 * socket.on(errorMonitor, () => errors++); // counts, does not handle
 * socket.on('error', (error) => console.error('socket failed:', error.message));
 * socket.emit('error', new Error('ECONNRESET')); // errors === 1, then the 'error' listener runs
 * ```
 */
export const errorMonitor: unique symbol = (nodeErrorMonitor() ?? Symbol('events.errorMonitor')) as never;
