import type { AlgorithmStep } from './algorithm';

/**
 * Fixed window: a counter that starts with a key's first request and resets `windowMs` later (as
 * rate-limiter-flexible and express-rate-limit do). State: the window's start and its count.
 */
export const fixedWindow: AlgorithmStep = {
  initial: [Number.NEGATIVE_INFINITY, 0, 0],
  evaluate(state, offset, now, limit, windowMs, cost, out) {
    let start = state[offset] as number;
    let count = state[offset + 1] as number;
    if (now >= start + windowMs) {
      start = now;
      count = 0;
    }
    if (count + cost <= limit) {
      count += cost;
      out.allowed = true;
      out.retryAfterMs = 0;
      out.next0 = start;
      out.next1 = count;
      out.next2 = 0;
    } else {
      out.allowed = false;
      out.retryAfterMs = start + windowMs - now;
    }
    out.remaining = limit - count;
    out.resetMs = count > 0 ? start + windowMs - now : 0;
  },
  // With Redis's own time the window is the key's TTL (a plain counter, as cheap as INCRBY: no TIME call);
  // with a caller's clock (tests in virtual time) the start is kept, as in memory.
  lua: `
local function evaluate(key, L, W, cost, now)
  if now == nil then
    local count = tonumber(redis.call('GET', key)) or 0
    local rest = W
    local fresh = 1
    if count > 0 then
      rest = redis.call('PTTL', key)
      fresh = 0
      if rest <= 0 then count, rest, fresh = 0, W, 1 end
    end
    local allowed = count + cost <= L
    local retry = 0
    if allowed then count = count + cost else retry = rest end
    local reset = 0
    if count > 0 then reset = rest end
    return allowed, L - count, reset, retry, fresh, count, 0
  end
  local s = redis.call('HMGET', key, 's', 'c')
  local start = tonumber(s[1])
  local count = tonumber(s[2]) or 0
  if start == nil or now >= start + W then
    start = now
    count = 0
  end
  local allowed = count + cost <= L
  local retry = 0
  if allowed then count = count + cost else retry = start + W - now end
  local reset = 0
  if count > 0 then reset = start + W - now end
  return allowed, L - count, reset, retry, start, count, 0
end
local function save(key, resetMs, now, a, b, c)
  if now == nil then
    if a == 1 then
      redis.call('SET', key, b, 'PX', math.ceil(resetMs))
    else
      redis.call('SET', key, b, 'KEEPTTL')
    end
    return
  end
  redis.call('HSET', key, 's', num(a), 'c', num(b))
  redis.call('PEXPIRE', key, ttl(resetMs))
end
`,
  // The fast path counts first (INCRBY, as cheap as Redis gets) and takes the count back on the rare denial;
  // a new window replies 0.
  // ARGV: cost, limit, and the window rounded up to whole ms (the TTL of a new window).
  redisFast: {
    lua: `
local key = KEYS[1]
local count = redis.call('INCRBY', key, ARGV[1])
if count == ARGV[1] + 0 then
  redis.call('PEXPIRE', key, ARGV[3])
  return 0
end
local rest = redis.call('PTTL', key)
if rest <= 0 then
  redis.call('SET', key, ARGV[1], 'PX', ARGV[3])
  return 0
end
local left = ARGV[2] - count
if left < 0 then
  redis.call('DECRBY', key, ARGV[1])
  return { -1 - left - ARGV[1], rest, rest }
end
return { left, rest }
`,
    args: (limit, windowMs, cost) => [String(cost), String(limit), String(Math.ceil(windowMs))],
    // A new window (reply 0).
    fresh: (limit, windowMs, cost) => ({ remaining: limit - cost, resetMs: Math.ceil(windowMs) }),
  },
};
