import { type Context, inflightSlotOf, setInflightSlot } from './context';

/**
 * The requests a server is handling, for graceful close and the in-flight gauge. Each context remembers its slot in
 * a dense array, so adding and removing one costs a store or two: no hashing, no allocation (a `Set` of contexts
 * hashes every new object on insertion).
 */
export class Inflight {
  readonly #list: Context[] = [];

  get size(): number {
    return this.#list.length;
  }

  add(ctx: Context): void {
    setInflightSlot(ctx, this.#list.length);
    this.#list.push(ctx);
  }

  has(ctx: Context): boolean {
    return inflightSlotOf(ctx) !== -1;
  }

  /** Removes `ctx`; false when it was not in flight (already completed). */
  delete(ctx: Context): boolean {
    const slot = inflightSlotOf(ctx);
    if (slot === -1) return false;
    const list = this.#list;
    const last = list.pop() as Context;
    if (last !== ctx) {
      list[slot] = last;
      setInflightSlot(last, slot);
    }
    setInflightSlot(ctx, -1);
    return true;
  }

  /** A copy of the contexts in flight, safe to iterate while they complete. */
  snapshot(): Context[] {
    return this.#list.slice();
  }
}
