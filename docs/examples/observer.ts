// The observer pattern with @weft/emitter: whoever does the work announces what happened; whoever cares listens.
// The announcer does not know its listeners, so logging, metrics and auditing come and go without touching it.
// Same semantics as node:events, with typed events, abort signals and async iteration.
import assert from 'node:assert/strict';
import { Emitter, isAbortError, on, once } from '@weft/emitter';

type UploadEvents = {
  progress: [bytes: number, total: number];
  done: [url: string];
  error: [error: Error];
};

class Upload extends Emitter<UploadEvents> {
  async run(total: number): Promise<void> {
    for (let sent = 0; sent < total; ) {
      await new Promise((resolve) => setImmediate(resolve));
      sent = Math.min(total, sent + 256);
      this.emit('progress', sent, total); // typed: (number, number)
    }
    this.emit('done', 'https://files.example/abc');
    // this.emit('done', 42);          // compile error: wrong argument
    // this.on('progres', () => {});   // compile error: unknown event
  }
}

// 1. Several independent listeners; the upload knows none of them.
const upload = new Upload();
const log: string[] = [];
upload.on('progress', (bytes, total) => log.push(`${Math.round((bytes / total) * 100)}%`));
upload.once('done', (url) => log.push(`done: ${url}`));

// 2. A listener with a lifetime: removed when its signal aborts.
const stopMetrics = new AbortController();
let progressEvents = 0;
upload.on('progress', () => progressEvents++, { signal: stopMetrics.signal });

// 3. Await one event as a promise (rejects on 'error', or when the signal aborts).
const finished = once(upload, 'done', { signal: AbortSignal.timeout(5_000) });
await upload.run(1_024);
const [url] = await finished;
console.log(log.join(' → '));
assert.equal(url, 'https://files.example/abc');
assert.equal(progressEvents, 4);
stopMetrics.abort();
assert.equal(upload.listenerCount('progress'), 1);

// 4. Consume events as an async iterator; 'done' ends the loop (the `close` option).
const second = new Upload();
const seen: number[] = [];
const iterate = (async () => {
  for await (const [bytes] of on(second, 'progress', { close: ['done'] })) seen.push(bytes);
})();
await second.run(768);
await iterate;
assert.deepEqual(seen, [256, 512, 768]);
console.log('iterated progress:', seen.join(', '));

// 5. 'error' is special, as in node:events: emitted with no listener, it throws instead of being lost.
assert.throws(() => new Upload().emit('error', new Error('disk full')), /disk full/);

// 6. A wait that takes too long is cancelled by its signal (and its listener removed).
const patience = new AbortController();
setTimeout(() => patience.abort(), 10);
const never = new Upload();
await assert.rejects(once(never, 'done', { signal: patience.signal }), (error) => isAbortError(error));
assert.equal(never.listenerCount('done'), 0);
console.log("'error' without a listener threw; a timed-out wait rejected with AbortError");
