/**
 * The error an aborted wait rejects with: `name` is `'AbortError'` (as Node's own AbortError and the
 * DOMException fetch uses), `code` is `'ABORT_ERR'`, and `cause` is the signal's `reason`.
 */
export class AbortError extends Error {
  /** Stable code, the same as Node's. */
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** True for any error named `AbortError` (ours, Node's, or a DOMException), so callers need not care whose. */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}
