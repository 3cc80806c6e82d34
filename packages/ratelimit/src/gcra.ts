import type { AlgorithmStep } from './algorithm';
import { floorCount } from './result';

/**
 * GCRA (generic cell rate algorithm, as redis-cell and throttled): one number per limit, the theoretical arrival
 * time (TAT) of the next request, scaled by `limit` so integer times stay exact. Emission interval
 * `windowMs / limit`, tolerance `windowMs`: a fresh key may burst `limit`, then one per interval.
 */
export const gcra: AlgorithmStep = {
  initial: [Number.NEGATIVE_INFINITY, 0, 0],
  evaluate(state, offset, now, limit, windowMs, cost, out) {
    const nowScaled = now * limit;
    const tat = state[offset] as number;
    const base = Math.max(tat, nowScaled);
    const next = base + cost * windowMs;
    const tolerance = windowMs * limit;
    let ahead: number;
    if (next - nowScaled <= tolerance) {
      ahead = next - nowScaled;
      out.allowed = true;
      out.retryAfterMs = 0;
      out.next0 = next;
      out.next1 = 0;
      out.next2 = 0;
    } else {
      ahead = base - nowScaled;
      out.allowed = false;
      out.retryAfterMs = (next - nowScaled - tolerance) / limit;
    }
    out.remaining = floorCount((tolerance - ahead) / windowMs);
    out.resetMs = ahead / limit;
  },
  lua: `
local needsTime = true
local function evaluate(key, L, W, cost, now)
  local nowScaled = now * L
  local base = tonumber(redis.call('GET', key)) or nowScaled
  if base < nowScaled then base = nowScaled end
  local nxt = base + cost * W
  local tolerance = W * L
  if nxt - nowScaled <= tolerance then
    local ahead = nxt - nowScaled
    return true, floorCount((tolerance - ahead) / W), ahead / L, 0, nxt, 0, 0
  end
  local ahead = base - nowScaled
  return false, floorCount((tolerance - ahead) / W), ahead / L, (nxt - nowScaled - tolerance) / L, 0, 0, 0
end
local function save(key, resetMs, now, a, b, c)
  redis.call('SET', key, num(a), 'PX', ttl(resetMs))
end
`,
};
