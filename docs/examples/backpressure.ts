// The backpressure pattern with @weft/streams: a fast producer waits for a slow consumer instead of filling memory.
// Every buffer stops at its highWaterMark: write() returns false there, and 'drain' says when to go on; a readable
// asks its source for more only while it is below its mark.
import assert from 'node:assert/strict';
import { finished, pipeline, Readable, Transform, Writable } from '@weft/streams';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

// 1. By hand: write until write() says false, then wait for 'drain'.
let maxBuffered = 0;
const slowDisk = new Writable<string>({
  highWaterMark: 4, // items (or bytes, with `bytes: true`)
  async write() {
    await tick(); // a slow consumer: one chunk per event-loop turn
  },
});
let written = 0;
for (let i = 0; i < 100; i++) {
  if (!slowDisk.write(`line ${i}\n`)) {
    maxBuffered = Math.max(maxBuffered, slowDisk.writableLength);
    await new Promise<void>((resolve) => slowDisk.once('drain', () => resolve()));
  }
  written++;
}
slowDisk.end();
await finished(slowDisk); // resolves at 'finish': every write is done
console.log(`wrote ${written} lines; never more than ${maxBuffered} waiting in memory`);
assert.ok(maxBuffered <= 4);

// 2. With pipeline(): the same discipline at every hop, and errors or aborts tear the whole pipe down.
let produced = 0;
let consumed = 0;
let maxAhead = 0;
async function* rows() {
  for (let id = 0; id < 1_000; id++) {
    produced++;
    yield { id };
  }
}
const toLine = new Transform<{ id: number }, string>({
  transform: (row, push) => void push(`${JSON.stringify(row)}\n`),
});
const sink = new Writable<string>({
  highWaterMark: 8,
  async write() {
    consumed++;
    maxAhead = Math.max(maxAhead, produced - consumed);
    if (consumed % 10 === 0) await tick();
  },
});
await pipeline(Readable.from(rows()), toLine, sink);
console.log(`pipeline: ${consumed} rows; the generator was never more than ${maxAhead} rows ahead of the sink`);
assert.equal(consumed, 1_000);
assert.ok(maxAhead <= 64, 'bounded by the highWaterMarks along the pipe, not by the 1,000 rows');

// 3. A consumer that stops early: the source stops too (the generator's finally runs), nothing leaks.
let closed = false;
async function* endless() {
  try {
    for (let i = 0; ; i++) yield i;
  } finally {
    closed = true;
  }
}
for await (const n of Readable.from(endless())) if (n === 10) break;
assert.ok(closed);
console.log('breaking out of for await closed the endless source');
