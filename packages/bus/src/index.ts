/**
 * Says hello from `@weft/bus`. Replace this with the package's real API.
 *
 * @example
 * ```ts
 * import { hello } from '@weft/bus';
 * hello('world'); // 'hello, world'
 * ```
 */
export function hello(name: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`name: expected a non-empty string, got ${JSON.stringify(name)}`);
  }
  return `hello, ${name}`;
}
