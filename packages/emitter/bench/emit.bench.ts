/**
 * @weft/emitter against node:events, eventemitter3, mitt, nanoevents and tseep (with its default eval-generated
 * emit, and its CSP-safe build without eval). Every bench call runs a batch of OPS operations (emits, on+off pairs,
 * once+emit pairs) because one operation takes 3-50 ns, far below the timer's resolution; figures are per batch.
 * Each library has its own loop code (no shared call site), and every batch checks that each listener call
 * happened, so no library can win by doing nothing. mitt passes a single argument, so it is absent from the
 * 3-argument cases; mitt and nanoevents have no once, and nanoevents removes through the function `on` returns.
 * The mixed case sends several emitters and event names through one call site, so no library is flattered by a
 * monomorphic site. The errorMonitor cases come last (so that they cannot change what the others measure) and only
 * compare with node:events, the one peer that has errorMonitor.
 */
import { EventEmitter, errorMonitor as nodeErrorMonitor } from 'node:events';
import EventEmitter3 from 'eventemitter3';
import mitt from 'mitt';
import { createNanoEvents } from 'nanoevents';
import { EventEmitter as TseepEmitter } from 'tseep';
import { EventEmitter as TseepSafeEmitter } from 'tseep/lib/ee-safe';
import { bench, describe } from 'vitest';
import { Emitter, errorMonitor } from '../src/index';

const OPS = 1000;
const options = { time: 150, warmupTime: 50, warmupIterations: 10 };

let hits = 0;
let last = 0;
// A distinct function object per registration, as in real code.
const listener1 = () => (a: number) => {
  hits += a;
};
const listener3 = () => (a: number, b: number, c: number) => {
  hits += a;
  last = b + c;
};
function check(name: string, expected: number): void {
  if (hits !== expected) throw new Error(`${name}: ${hits} listener calls, expected ${expected}`);
  hits = 0;
}
// Keeps `last` observable so the argument reads cannot be optimised away.
export const lastSeen = (): number => last;

describe('emit, 0 listeners, 1 argument', () => {
  {
    const e = new Emitter() as any;
    bench(
      '@weft/emitter',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('@weft/emitter', OPS * 0);
      },
      options,
    );
  }
  {
    const e = new EventEmitter();
    bench(
      'node:events',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('node:events', OPS * 0);
      },
      options,
    );
  }
  {
    const e = new EventEmitter3();
    bench(
      'eventemitter3',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('eventemitter3', OPS * 0);
      },
      options,
    );
  }
  {
    const e = new TseepEmitter();
    bench(
      'tseep (eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('tseep (eval)', OPS * 0);
      },
      options,
    );
  }
  {
    const e = new TseepSafeEmitter();
    bench(
      'tseep (safe, no eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('tseep (safe, no eval)', OPS * 0);
      },
      options,
    );
  }
  {
    const e = mitt<any>();
    bench(
      'mitt',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('mitt', OPS * 0);
      },
      options,
    );
  }
  {
    const e = createNanoEvents<any>();
    bench(
      'nanoevents',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('nanoevents', OPS * 0);
      },
      options,
    );
  }
});

describe('emit, 0 listeners, 3 arguments', () => {
  {
    const e = new Emitter() as any;
    bench(
      '@weft/emitter',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('@weft/emitter', OPS * 0);
      },
      options,
    );
  }
  {
    const e = new EventEmitter();
    bench(
      'node:events',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('node:events', OPS * 0);
      },
      options,
    );
  }
  {
    const e = new EventEmitter3();
    bench(
      'eventemitter3',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('eventemitter3', OPS * 0);
      },
      options,
    );
  }
  {
    const e = new TseepEmitter();
    bench(
      'tseep (eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('tseep (eval)', OPS * 0);
      },
      options,
    );
  }
  {
    const e = new TseepSafeEmitter();
    bench(
      'tseep (safe, no eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('tseep (safe, no eval)', OPS * 0);
      },
      options,
    );
  }
  {
    const e = createNanoEvents<any>();
    bench(
      'nanoevents',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('nanoevents', OPS * 0);
      },
      options,
    );
  }
});

describe('emit, 1 listener, 1 argument', () => {
  {
    const e = new Emitter() as any;
    for (let i = 0; i < 1; i++) e.on('a', listener1());
    bench(
      '@weft/emitter',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('@weft/emitter', OPS * 1);
      },
      options,
    );
  }
  {
    const e = new EventEmitter();
    for (let i = 0; i < 1; i++) e.on('a', listener1());
    bench(
      'node:events',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('node:events', OPS * 1);
      },
      options,
    );
  }
  {
    const e = new EventEmitter3();
    for (let i = 0; i < 1; i++) e.on('a', listener1());
    bench(
      'eventemitter3',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('eventemitter3', OPS * 1);
      },
      options,
    );
  }
  {
    const e = new TseepEmitter();
    for (let i = 0; i < 1; i++) e.on('a', listener1());
    bench(
      'tseep (eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('tseep (eval)', OPS * 1);
      },
      options,
    );
  }
  {
    const e = new TseepSafeEmitter();
    for (let i = 0; i < 1; i++) e.on('a', listener1());
    bench(
      'tseep (safe, no eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('tseep (safe, no eval)', OPS * 1);
      },
      options,
    );
  }
  {
    const e = mitt<any>();
    for (let i = 0; i < 1; i++) e.on('a', listener1());
    bench(
      'mitt',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('mitt', OPS * 1);
      },
      options,
    );
  }
  {
    const e = createNanoEvents<any>();
    for (let i = 0; i < 1; i++) e.on('a', listener1());
    bench(
      'nanoevents',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('nanoevents', OPS * 1);
      },
      options,
    );
  }
});

describe('emit, 1 listener, 3 arguments', () => {
  {
    const e = new Emitter() as any;
    for (let i = 0; i < 1; i++) e.on('a', listener3());
    bench(
      '@weft/emitter',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('@weft/emitter', OPS * 1);
      },
      options,
    );
  }
  {
    const e = new EventEmitter();
    for (let i = 0; i < 1; i++) e.on('a', listener3());
    bench(
      'node:events',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('node:events', OPS * 1);
      },
      options,
    );
  }
  {
    const e = new EventEmitter3();
    for (let i = 0; i < 1; i++) e.on('a', listener3());
    bench(
      'eventemitter3',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('eventemitter3', OPS * 1);
      },
      options,
    );
  }
  {
    const e = new TseepEmitter();
    for (let i = 0; i < 1; i++) e.on('a', listener3());
    bench(
      'tseep (eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('tseep (eval)', OPS * 1);
      },
      options,
    );
  }
  {
    const e = new TseepSafeEmitter();
    for (let i = 0; i < 1; i++) e.on('a', listener3());
    bench(
      'tseep (safe, no eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('tseep (safe, no eval)', OPS * 1);
      },
      options,
    );
  }
  {
    const e = createNanoEvents<any>();
    for (let i = 0; i < 1; i++) e.on('a', listener3());
    bench(
      'nanoevents',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('nanoevents', OPS * 1);
      },
      options,
    );
  }
});

describe('emit, 3 listeners, 1 argument', () => {
  {
    const e = new Emitter() as any;
    for (let i = 0; i < 3; i++) e.on('a', listener1());
    bench(
      '@weft/emitter',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('@weft/emitter', OPS * 3);
      },
      options,
    );
  }
  {
    const e = new EventEmitter();
    for (let i = 0; i < 3; i++) e.on('a', listener1());
    bench(
      'node:events',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('node:events', OPS * 3);
      },
      options,
    );
  }
  {
    const e = new EventEmitter3();
    for (let i = 0; i < 3; i++) e.on('a', listener1());
    bench(
      'eventemitter3',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('eventemitter3', OPS * 3);
      },
      options,
    );
  }
  {
    const e = new TseepEmitter();
    for (let i = 0; i < 3; i++) e.on('a', listener1());
    bench(
      'tseep (eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('tseep (eval)', OPS * 3);
      },
      options,
    );
  }
  {
    const e = new TseepSafeEmitter();
    for (let i = 0; i < 3; i++) e.on('a', listener1());
    bench(
      'tseep (safe, no eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('tseep (safe, no eval)', OPS * 3);
      },
      options,
    );
  }
  {
    const e = mitt<any>();
    for (let i = 0; i < 3; i++) e.on('a', listener1());
    bench(
      'mitt',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('mitt', OPS * 3);
      },
      options,
    );
  }
  {
    const e = createNanoEvents<any>();
    for (let i = 0; i < 3; i++) e.on('a', listener1());
    bench(
      'nanoevents',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('nanoevents', OPS * 3);
      },
      options,
    );
  }
});

describe('emit, 3 listeners, 3 arguments', () => {
  {
    const e = new Emitter() as any;
    for (let i = 0; i < 3; i++) e.on('a', listener3());
    bench(
      '@weft/emitter',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('@weft/emitter', OPS * 3);
      },
      options,
    );
  }
  {
    const e = new EventEmitter();
    for (let i = 0; i < 3; i++) e.on('a', listener3());
    bench(
      'node:events',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('node:events', OPS * 3);
      },
      options,
    );
  }
  {
    const e = new EventEmitter3();
    for (let i = 0; i < 3; i++) e.on('a', listener3());
    bench(
      'eventemitter3',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('eventemitter3', OPS * 3);
      },
      options,
    );
  }
  {
    const e = new TseepEmitter();
    for (let i = 0; i < 3; i++) e.on('a', listener3());
    bench(
      'tseep (eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('tseep (eval)', OPS * 3);
      },
      options,
    );
  }
  {
    const e = new TseepSafeEmitter();
    for (let i = 0; i < 3; i++) e.on('a', listener3());
    bench(
      'tseep (safe, no eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('tseep (safe, no eval)', OPS * 3);
      },
      options,
    );
  }
  {
    const e = createNanoEvents<any>();
    for (let i = 0; i < 3; i++) e.on('a', listener3());
    bench(
      'nanoevents',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('nanoevents', OPS * 3);
      },
      options,
    );
  }
});

describe('emit, 10 listeners, 1 argument', () => {
  {
    const e = new Emitter() as any;
    for (let i = 0; i < 10; i++) e.on('a', listener1());
    bench(
      '@weft/emitter',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('@weft/emitter', OPS * 10);
      },
      options,
    );
  }
  {
    const e = new EventEmitter();
    for (let i = 0; i < 10; i++) e.on('a', listener1());
    bench(
      'node:events',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('node:events', OPS * 10);
      },
      options,
    );
  }
  {
    const e = new EventEmitter3();
    for (let i = 0; i < 10; i++) e.on('a', listener1());
    bench(
      'eventemitter3',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('eventemitter3', OPS * 10);
      },
      options,
    );
  }
  {
    const e = new TseepEmitter();
    for (let i = 0; i < 10; i++) e.on('a', listener1());
    bench(
      'tseep (eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('tseep (eval)', OPS * 10);
      },
      options,
    );
  }
  {
    const e = new TseepSafeEmitter();
    for (let i = 0; i < 10; i++) e.on('a', listener1());
    bench(
      'tseep (safe, no eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('tseep (safe, no eval)', OPS * 10);
      },
      options,
    );
  }
  {
    const e = mitt<any>();
    for (let i = 0; i < 10; i++) e.on('a', listener1());
    bench(
      'mitt',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('mitt', OPS * 10);
      },
      options,
    );
  }
  {
    const e = createNanoEvents<any>();
    for (let i = 0; i < 10; i++) e.on('a', listener1());
    bench(
      'nanoevents',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('nanoevents', OPS * 10);
      },
      options,
    );
  }
});

describe('emit, 10 listeners, 3 arguments', () => {
  {
    const e = new Emitter() as any;
    for (let i = 0; i < 10; i++) e.on('a', listener3());
    bench(
      '@weft/emitter',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('@weft/emitter', OPS * 10);
      },
      options,
    );
  }
  {
    const e = new EventEmitter();
    for (let i = 0; i < 10; i++) e.on('a', listener3());
    bench(
      'node:events',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('node:events', OPS * 10);
      },
      options,
    );
  }
  {
    const e = new EventEmitter3();
    for (let i = 0; i < 10; i++) e.on('a', listener3());
    bench(
      'eventemitter3',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('eventemitter3', OPS * 10);
      },
      options,
    );
  }
  {
    const e = new TseepEmitter();
    for (let i = 0; i < 10; i++) e.on('a', listener3());
    bench(
      'tseep (eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('tseep (eval)', OPS * 10);
      },
      options,
    );
  }
  {
    const e = new TseepSafeEmitter();
    for (let i = 0; i < 10; i++) e.on('a', listener3());
    bench(
      'tseep (safe, no eval)',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('tseep (safe, no eval)', OPS * 10);
      },
      options,
    );
  }
  {
    const e = createNanoEvents<any>();
    for (let i = 0; i < 10; i++) e.on('a', listener3());
    bench(
      'nanoevents',
      () => {
        for (let i = 0; i < OPS; i++) e.emit('a', 1, i, i);
        check('nanoevents', OPS * 10);
      },
      options,
    );
  }
});

describe('on + off (empty emitter)', () => {
  {
    const e = new Emitter() as any;
    const fn = listener1();
    bench(
      '@weft/emitter',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.on('a', fn);
          e.off('a', fn);
        }
        e.emit('a', 1);
        check('@weft/emitter', 0);
      },
      options,
    );
  }
  {
    const e = new EventEmitter();
    const fn = listener1();
    bench(
      'node:events',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.on('a', fn);
          e.off('a', fn);
        }
        e.emit('a', 1);
        check('node:events', 0);
      },
      options,
    );
  }
  {
    const e = new EventEmitter3();
    const fn = listener1();
    bench(
      'eventemitter3',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.on('a', fn);
          e.off('a', fn);
        }
        e.emit('a', 1);
        check('eventemitter3', 0);
      },
      options,
    );
  }
  {
    const e = new TseepEmitter();
    const fn = listener1();
    bench(
      'tseep (eval)',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.on('a', fn);
          e.off('a', fn);
        }
        e.emit('a', 1);
        check('tseep (eval)', 0);
      },
      options,
    );
  }
  {
    const e = new TseepSafeEmitter();
    const fn = listener1();
    bench(
      'tseep (safe, no eval)',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.on('a', fn);
          e.off('a', fn);
        }
        e.emit('a', 1);
        check('tseep (safe, no eval)', 0);
      },
      options,
    );
  }
  {
    const e = mitt<any>();
    const fn = listener1();
    bench(
      'mitt',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.on('a', fn);
          e.off('a', fn);
        }
        e.emit('a', 1);
        check('mitt', 0);
      },
      options,
    );
  }
  {
    const e = createNanoEvents<any>();
    const fn = listener1();
    bench(
      'nanoevents',
      () => {
        for (let i = 0; i < OPS; i++) e.on('a', fn)();
        e.emit('a', 1);
        check('nanoevents', 0);
      },
      options,
    );
  }
});

describe('on + off, beside 2 other listeners of the event', () => {
  {
    const e = new Emitter() as any;
    for (let i = 0; i < 2; i++) e.on('a', listener1());
    const fn = listener1();
    bench(
      '@weft/emitter',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.on('a', fn);
          e.off('a', fn);
        }
        e.emit('a', 1);
        check('@weft/emitter', 2);
      },
      options,
    );
  }
  {
    const e = new EventEmitter();
    for (let i = 0; i < 2; i++) e.on('a', listener1());
    const fn = listener1();
    bench(
      'node:events',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.on('a', fn);
          e.off('a', fn);
        }
        e.emit('a', 1);
        check('node:events', 2);
      },
      options,
    );
  }
  {
    const e = new EventEmitter3();
    for (let i = 0; i < 2; i++) e.on('a', listener1());
    const fn = listener1();
    bench(
      'eventemitter3',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.on('a', fn);
          e.off('a', fn);
        }
        e.emit('a', 1);
        check('eventemitter3', 2);
      },
      options,
    );
  }
  {
    const e = new TseepEmitter();
    for (let i = 0; i < 2; i++) e.on('a', listener1());
    const fn = listener1();
    bench(
      'tseep (eval)',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.on('a', fn);
          e.off('a', fn);
        }
        e.emit('a', 1);
        check('tseep (eval)', 2);
      },
      options,
    );
  }
  {
    const e = new TseepSafeEmitter();
    for (let i = 0; i < 2; i++) e.on('a', listener1());
    const fn = listener1();
    bench(
      'tseep (safe, no eval)',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.on('a', fn);
          e.off('a', fn);
        }
        e.emit('a', 1);
        check('tseep (safe, no eval)', 2);
      },
      options,
    );
  }
  {
    const e = mitt<any>();
    for (let i = 0; i < 2; i++) e.on('a', listener1());
    const fn = listener1();
    bench(
      'mitt',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.on('a', fn);
          e.off('a', fn);
        }
        e.emit('a', 1);
        check('mitt', 2);
      },
      options,
    );
  }
  {
    const e = createNanoEvents<any>();
    for (let i = 0; i < 2; i++) e.on('a', listener1());
    const fn = listener1();
    bench(
      'nanoevents',
      () => {
        for (let i = 0; i < OPS; i++) e.on('a', fn)();
        e.emit('a', 1);
        check('nanoevents', 2);
      },
      options,
    );
  }
});

describe('once + emit', () => {
  {
    const e = new Emitter() as any;
    const fn = listener1();
    bench(
      '@weft/emitter',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.once('a', fn);
          e.emit('a', 1);
        }
        check('@weft/emitter', OPS);
      },
      options,
    );
  }
  {
    const e = new EventEmitter();
    const fn = listener1();
    bench(
      'node:events',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.once('a', fn);
          e.emit('a', 1);
        }
        check('node:events', OPS);
      },
      options,
    );
  }
  {
    const e = new EventEmitter3();
    const fn = listener1();
    bench(
      'eventemitter3',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.once('a', fn);
          e.emit('a', 1);
        }
        check('eventemitter3', OPS);
      },
      options,
    );
  }
  {
    const e = new TseepEmitter();
    const fn = listener1();
    bench(
      'tseep (eval)',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.once('a', fn);
          e.emit('a', 1);
        }
        check('tseep (eval)', OPS);
      },
      options,
    );
  }
  {
    const e = new TseepSafeEmitter();
    const fn = listener1();
    bench(
      'tseep (safe, no eval)',
      () => {
        for (let i = 0; i < OPS; i++) {
          e.once('a', fn);
          e.emit('a', 1);
        }
        check('tseep (safe, no eval)', OPS);
      },
      options,
    );
  }
});

// Four emitters with 1, 2, 3 and 0 listeners on each of three events, called in turn through one call site.
const NAMES = ['a', 'b', 'c'] as const;
const MIXED_EXPECTED = Array.from({ length: OPS }, (_, i) => ((i & 3) === 3 ? 0 : (i & 3) + 1)).reduce(
  (x, y) => x + y,
  0,
);

describe('mixed: 4 emitters x 3 events through one call site, 0-3 listeners, 1 argument', () => {
  {
    const emitters = [new Emitter() as any, new Emitter() as any, new Emitter() as any, new Emitter() as any];
    emitters.forEach((e, k) => {
      for (const name of NAMES) for (let i = 0; i < (k === 3 ? 0 : k + 1); i++) e.on(name, listener1());
    });
    bench(
      '@weft/emitter',
      () => {
        for (let i = 0; i < OPS; i++) emitters[i & 3]!.emit(NAMES[i % 3]!, 1);
        check('@weft/emitter', MIXED_EXPECTED);
      },
      options,
    );
  }
  {
    const emitters = [new EventEmitter(), new EventEmitter(), new EventEmitter(), new EventEmitter()];
    emitters.forEach((e, k) => {
      for (const name of NAMES) for (let i = 0; i < (k === 3 ? 0 : k + 1); i++) e.on(name, listener1());
    });
    bench(
      'node:events',
      () => {
        for (let i = 0; i < OPS; i++) emitters[i & 3]!.emit(NAMES[i % 3]!, 1);
        check('node:events', MIXED_EXPECTED);
      },
      options,
    );
  }
  {
    const emitters = [new EventEmitter3(), new EventEmitter3(), new EventEmitter3(), new EventEmitter3()];
    emitters.forEach((e, k) => {
      for (const name of NAMES) for (let i = 0; i < (k === 3 ? 0 : k + 1); i++) e.on(name, listener1());
    });
    bench(
      'eventemitter3',
      () => {
        for (let i = 0; i < OPS; i++) emitters[i & 3]!.emit(NAMES[i % 3]!, 1);
        check('eventemitter3', MIXED_EXPECTED);
      },
      options,
    );
  }
  {
    const emitters = [new TseepEmitter(), new TseepEmitter(), new TseepEmitter(), new TseepEmitter()];
    emitters.forEach((e, k) => {
      for (const name of NAMES) for (let i = 0; i < (k === 3 ? 0 : k + 1); i++) e.on(name, listener1());
    });
    bench(
      'tseep (eval)',
      () => {
        for (let i = 0; i < OPS; i++) emitters[i & 3]!.emit(NAMES[i % 3]!, 1);
        check('tseep (eval)', MIXED_EXPECTED);
      },
      options,
    );
  }
  {
    const emitters = [new TseepSafeEmitter(), new TseepSafeEmitter(), new TseepSafeEmitter(), new TseepSafeEmitter()];
    emitters.forEach((e, k) => {
      for (const name of NAMES) for (let i = 0; i < (k === 3 ? 0 : k + 1); i++) e.on(name, listener1());
    });
    bench(
      'tseep (safe, no eval)',
      () => {
        for (let i = 0; i < OPS; i++) emitters[i & 3]!.emit(NAMES[i % 3]!, 1);
        check('tseep (safe, no eval)', MIXED_EXPECTED);
      },
      options,
    );
  }
  {
    const emitters = [mitt<any>(), mitt<any>(), mitt<any>(), mitt<any>()];
    emitters.forEach((e, k) => {
      for (const name of NAMES) for (let i = 0; i < (k === 3 ? 0 : k + 1); i++) e.on(name, listener1());
    });
    bench(
      'mitt',
      () => {
        for (let i = 0; i < OPS; i++) emitters[i & 3]!.emit(NAMES[i % 3]!, 1);
        check('mitt', MIXED_EXPECTED);
      },
      options,
    );
  }
  {
    const emitters = [
      createNanoEvents<any>(),
      createNanoEvents<any>(),
      createNanoEvents<any>(),
      createNanoEvents<any>(),
    ];
    emitters.forEach((e, k) => {
      for (const name of NAMES) for (let i = 0; i < (k === 3 ? 0 : k + 1); i++) e.on(name, listener1());
    });
    bench(
      'nanoevents',
      () => {
        for (let i = 0; i < OPS; i++) emitters[i & 3]!.emit(NAMES[i % 3]!, 1);
        check('nanoevents', MIXED_EXPECTED);
      },
      options,
    );
  }
});

// These emitters are made when their case first runs, not while the file is collected, so that registering a
// symbol-named event cannot change the type feedback that the cases above run with.
describe("emit 'error' to an errorMonitor and 1 'error' listener", () => {
  {
    let e: any;
    bench(
      '@weft/emitter',
      () => {
        e ??= (new Emitter() as any).on(errorMonitor, listener1()).on('error', listener1());
        for (let i = 0; i < OPS; i++) e.emit('error', 1);
        check('@weft/emitter', OPS * 2);
      },
      options,
    );
  }
  {
    let e: EventEmitter | undefined;
    bench(
      'node:events',
      () => {
        e ??= new EventEmitter()
          .on(nodeErrorMonitor, listener1() as (...args: unknown[]) => void)
          .on('error', listener1());
        for (let i = 0; i < OPS; i++) e.emit('error', 1);
        check('node:events', OPS * 2);
      },
      options,
    );
  }
});

describe('emit, 1 listener, 1 argument, on an emitter with an errorMonitor', () => {
  {
    let e: any;
    bench(
      '@weft/emitter',
      () => {
        e ??= (new Emitter() as any).on(errorMonitor, listener1()).on('a', listener1());
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('@weft/emitter', OPS);
      },
      options,
    );
  }
  {
    let e: EventEmitter | undefined;
    bench(
      'node:events',
      () => {
        e ??= new EventEmitter().on(nodeErrorMonitor, listener1() as (...args: unknown[]) => void).on('a', listener1());
        for (let i = 0; i < OPS; i++) e.emit('a', 1);
        check('node:events', OPS);
      },
      options,
    );
  }
});
