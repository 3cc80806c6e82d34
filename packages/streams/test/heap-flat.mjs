// Run by src/heap-flat.test.ts in a child process with a 64 MiB heap: streams N items and reports the heap.
const { Readable, PassThrough, Writable, pipeline } = await import(process.env.WEFT_STREAMS_ENTRY);
const count = Number(process.env.ITEMS);
const highWaterMark = Number(process.env.HIGH_WATER_MARK);
const mode = process.env.MODE;

function* items() {
  for (let i = 0; i < count; i++) yield i;
}

let seen = 0;
let maxHeapBytes = 0;
const sample = () => {
  seen++;
  if ((seen & 0x3ffff) === 0) maxHeapBytes = Math.max(maxHeapBytes, process.memoryUsage().heapUsed);
};

if (mode === 'for-await') {
  for await (const _ of Readable.from(items(), { highWaterMark })) sample();
} else {
  await pipeline(
    Readable.from(items(), { highWaterMark }),
    new PassThrough({ highWaterMark }),
    new Writable({ highWaterMark, write: async () => sample() }),
  );
}
process.stdout.write(JSON.stringify({ seen, maxHeapBytes }));
