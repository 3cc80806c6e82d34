/** The same seeded delays from 1 to 30,000 ms for every subject of the timer benchmarks. */
export function randomDelays(count: number): Float64Array {
  let seed = 20_240_601;
  const delays = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    seed = (seed * 16_807) % 2_147_483_647;
    delays[i] = 1 + (seed % 30_000);
  }
  return delays;
}
