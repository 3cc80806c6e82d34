/** A short description of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** The name error messages use for a middleware: its function name, or `<anonymous>`. */
export function layerNameOf(fn: unknown): string {
  const name = typeof fn === 'function' ? fn.name : '';
  return name === '' ? '<anonymous>' : name;
}
