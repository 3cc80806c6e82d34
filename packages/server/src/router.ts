import Router from 'find-my-way';

/** A route method. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** Methods a route may be registered for. */
export const httpMethods: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The result of a lookup: the route's payload (`store`) and its parameters; find-my-way's own result object. */
export interface Match<T> {
  readonly store: T;
  readonly params: Record<string, string>;
}

const noop = () => undefined;
// The query string is parsed lazily by the context, not on every lookup.
const keepRaw = (query: string) => query;

/**
 * Routes on find-my-way (a radix tree) and knows which methods a path has, for 405 + `Allow`.
 * GET routes also answer HEAD unless a HEAD route is registered for the same path.
 */
export class RouteTable<T> {
  readonly #router = Router({ ignoreTrailingSlash: true, querystringParser: keepRaw, maxParamLength: 500 });
  readonly #methods = new Set<string>();
  readonly #implicitHead = new Set<string>();
  readonly #explicitHead = new Set<string>();

  /** Registers `route` for `method` at `path`; throws when the same method and path are registered twice. */
  add(method: HttpMethod, path: string, route: T): void {
    if (method === 'HEAD') {
      if (this.#implicitHead.delete(path)) this.#router.off('HEAD', path);
      this.#explicitHead.add(path);
    }
    try {
      this.#router.on(method, path, noop, route);
    } catch (cause) {
      throw new Error(`route ${method} ${path}: ${(cause as Error).message}`, { cause });
    }
    this.#methods.add(method);
    if (method === 'GET' && !this.#explicitHead.has(path)) {
      this.#router.on('HEAD', path, noop, route);
      this.#implicitHead.add(path);
      this.#methods.add('HEAD');
    }
  }

  /** Finds the route for a method and URL (the query string is ignored). */
  find(method: string, url: string): Match<T> | undefined {
    const found = this.#router.find(method as Router.HTTPMethod, url);
    return found === null ? undefined : (found as unknown as Match<T>);
  }

  /** The methods that do have a route for this URL (for `Allow`), in a stable order. */
  allowed(url: string): string[] {
    const allowed: string[] = [];
    for (const method of httpMethods) {
      if (this.#methods.has(method) && this.#router.find(method, url) !== null) allowed.push(method);
    }
    return allowed;
  }
}
