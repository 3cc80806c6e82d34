import type { AlgorithmStep } from './algorithm';
import { floorCount } from './result';

/**
 * Sliding window, Cloudflare's weighted two-window counter: windows are aligned to multiples of `windowMs`, and
 * the count is `current + previous × (share of the previous window still inside the sliding window)`.
 * State: the current window's index, its count and the previous window's count. (On Redis's own time, windows
 * start at a key's first request instead; see the Lua below.)
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
  // On Redis's own time (whole-ms windows, limits below 2^26) the key's expiry is the clock, as for GCRA: a
  // window starts with a key's first request (as fixed-window's do) rather than at a multiple of windowMs, the key
  // expires two windows later (when its count stops weighing), and holds current + previous × (limit + 1).
  lua: `
local function weigh(L, W, cost, current, previous, elapsed)
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
  return allowed, floorCount((capacity - weighted - current * W) / W), reset, retry, current
end
local function onExpiryClock(key, L, W, cost)
  local M = L + 1
  local r = redis.call('PTTL', key)
  local current, previous, elapsed, expiry = 0, 0, 0, 2 * W
  if r > 0 then
    local v = tonumber(redis.call('GET', key)) or 0
    current = v % M
    previous = (v - current) / M
    if r > W then
      elapsed, expiry = 2 * W - r, 0
    else
      previous, current, elapsed, expiry = current, 0, W - r, r + W
    end
  end
  local allowed, remaining, reset, retry, counted = weigh(L, W, cost, current, previous, elapsed)
  return allowed, remaining, reset, retry, expiry, counted + previous * M, false
end
local redisNow
local function evaluate(key, L, W, cost, now)
  if now == nil then
    if W % 1 == 0 and L < 67108864 then return onExpiryClock(key, L, W, cost) end
    if redisNow == nil then
      local clock = redis.call('TIME')
      redisNow = (tonumber(clock[1]) - 1700000000) * 1000 + tonumber(clock[2]) / 1000
    end
    now = redisNow
  end
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
  local allowed, remaining, reset, retry, counted = weigh(L, W, cost, current, previous, elapsed)
  return allowed, remaining, reset, retry, index, counted, previous
end
local function save(key, resetMs, now, a, b, c)
  -- c is false for the expiry clock: a is then the PX to set (0 keeps the expiry) and b the packed counts.
  if c == false then
    if a == 0 then redis.call('SET', key, num(b), 'KEEPTTL') else redis.call('SET', key, num(b), 'PX', a) end
    return
  end
  redis.call('HSET', key, 'i', num(a), 'c', num(b), 'p', num(c))
  redis.call('PEXPIRE', key, ttl(resetMs))
end
`,
  // ARGV: cost, limit, windowMs, 2 × windowMs. In a window: PTTL and INCRBY (DECRBY back on a denial); when the
  // window has turned: PTTL, GET and SET (once a window); a missing key: PTTL and SET, replying 0.
  redisFast: {
    lua: `
local key = KEYS[1]
local r = redis.call('PTTL', key)
local W = ARGV[3] + 0
local L = ARGV[2] + 0
local cost = ARGV[1] + 0
local M = L + 1
local capacity = L * W
if r > W then
  -- In the key's current window: W - elapsed = r - W, 2 × W - elapsed = r.
  local v = redis.call('INCRBY', key, ARGV[1]) - cost
  local current = v % M
  local previous = (v - current) / M
  local weighted = previous * (r - W)
  local counted = current + cost
  if weighted + counted * W <= capacity then
    local remaining = (capacity - weighted - counted * W) / W + 1e-9
    return { remaining - remaining % 1, r }
  end
  redis.call('DECRBY', key, ARGV[1])
  local retry
  if counted <= L then retry = r - W - ((L - counted) * W) / previous else retry = r - ((L - cost) * W) / current end
  retry = retry - 1e-9
  if retry < 0 then retry = 0 end
  local remaining = (capacity - weighted - current * W) / W + 1e-9
  local reset = 0
  if current > 0 then reset = r elseif previous > 0 then reset = r - W end
  return { -1 - (remaining - remaining % 1), reset, retry - retry % -1 }
end
if r > 0 then
  -- The window has turned: its count is now the previous one; W - elapsed = r.
  local previous = (redis.call('GET', key) + 0) % M
  local weighted = previous * r
  if weighted + cost * W <= capacity then
    redis.call('SET', key, cost + previous * M, 'PX', r + W)
    local remaining = (capacity - weighted - cost * W) / W + 1e-9
    return { remaining - remaining % 1, r + W }
  end
  local retry = r - ((L - cost) * W) / previous - 1e-9
  if retry < 0 then retry = 0 end
  local remaining = (capacity - weighted) / W + 1e-9
  return { -1 - (remaining - remaining % 1), r, retry - retry % -1 }
end
redis.call('SET', key, ARGV[1], 'PX', ARGV[4])
return 0
`,
    args: (limit, windowMs, cost) =>
      Number.isInteger(windowMs) && limit < 2 ** 26 && 2 * windowMs * limit <= Number.MAX_SAFE_INTEGER
        ? [String(cost), String(limit), String(windowMs), String(2 * windowMs)]
        : undefined,
    fresh: (limit, windowMs, cost) => ({ remaining: limit - cost, resetMs: 2 * windowMs }),
  },
};
