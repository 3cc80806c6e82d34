import type { AlgorithmStep } from './algorithm';
import { floorCount } from './result';

/**
 * Sliding window, Cloudflare's weighted two-window counter: windows are aligned to multiples of `windowMs`, and
 * the count is `current + previous × (share of the previous window still inside the sliding window)`.
 * State: the current window's index, its count and the previous window's count.
 */
export const slidingWindow: AlgorithmStep = {
  initial: [Number.NEGATIVE_INFINITY, 0, 0],
  evaluate(state, offset, now, limit, windowMs, cost, out) {
    const index = Math.floor(now / windowMs);
    let current = state[offset + 1] as number;
    let previous = state[offset + 2] as number;
    const stored = state[offset] as number;
    if (index !== stored) {
      previous = index === stored + 1 ? current : 0;
      current = 0;
    }
    const elapsed = now - index * windowMs;
    // Everything below is scaled by windowMs so integer times stay exact.
    const weighted = previous * (windowMs - elapsed);
    const capacity = limit * windowMs;
    if (weighted + (current + cost) * windowMs <= capacity) {
      current += cost;
      out.allowed = true;
      out.retryAfterMs = 0;
      out.next0 = index;
      out.next1 = current;
      out.next2 = previous;
    } else {
      out.allowed = false;
      out.retryAfterMs =
        current + cost <= limit
          ? windowMs - elapsed - ((limit - current - cost) * windowMs) / previous
          : 2 * windowMs - elapsed - ((limit - cost) * windowMs) / current;
    }
    out.remaining = floorCount((capacity - weighted - current * windowMs) / windowMs);
    out.resetMs = current > 0 ? 2 * windowMs - elapsed : previous > 0 ? windowMs - elapsed : 0;
  },
  lua: `
local needsTime = true
local function evaluate(key, L, W, cost, now)
  local index = math.floor(now / W)
  local s = redis.call('HMGET', key, 'i', 'c', 'p')
  local stored = tonumber(s[1])
  local current = tonumber(s[2]) or 0
  local previous = tonumber(s[3]) or 0
  if stored ~= index then
    if stored ~= nil and index == stored + 1 then previous = current else previous = 0 end
    current = 0
  end
  local elapsed = now - index * W
  local weighted = previous * (W - elapsed)
  local capacity = L * W
  local allowed = weighted + (current + cost) * W <= capacity
  local retry = 0
  if allowed then
    current = current + cost
  elseif current + cost <= L then
    retry = W - elapsed - ((L - current - cost) * W) / previous
  else
    retry = 2 * W - elapsed - ((L - cost) * W) / current
  end
  local reset = 0
  if current > 0 then reset = 2 * W - elapsed elseif previous > 0 then reset = W - elapsed end
  return allowed, floorCount((capacity - weighted - current * W) / W), reset, retry, index, current, previous
end
local function save(key, resetMs, now, a, b, c)
  redis.call('HSET', key, 'i', num(a), 'c', num(b), 'p', num(c))
  redis.call('PEXPIRE', key, ttl(resetMs))
end
`,
};
