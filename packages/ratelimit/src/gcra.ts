import type { AlgorithmStep, FreshAnswer } from './algorithm';
import { ceilMs, floorCount } from './result';

// On Redis's own time the state needs no clock reading at all: the key's expiry is the clock. With E the key's
// expiry (whole ms, Redis's clock) and TAT the theoretical arrival time, the key holds d = (E - TAT) × limit, so
// `PTTL × limit - d` is how far TAT is ahead of now (scaled by limit, like the in-memory state). A consume on a
// busy key moves TAT by cost × windowMs / limit, that is d by -cost × windowMs: one DECRBY, expiry untouched.
// When TAT would pass E, the key is re-based: expiry two windows ahead. Time then has Redis's 1 ms resolution, and
// a key is gone at most two windows after its last request (one, unless it was busy).
// Token bucket keeps the same state: a bucket whose used tokens drain at `limit` per window is a GCRA whose TAT
// is when the bucket is full again (same decisions, remaining, resetMs and retryAfterMs).

/** Lua `onRedisTime(key, L, W, cost)` and `saveOnRedisTime(key, a, b)`: one limit on the expiry clock. */
export const onRedisTimeLua = `
local function onRedisTime(key, L, W, cost)
  local tolerance = W * L
  local p = redis.call('PTTL', key)
  local ahead = 0
  if p > 0 then
    ahead = p * L - (tonumber(redis.call('GET', key)) or 0)
    if ahead < 0 then ahead = 0 end
  else
    p = 0
  end
  local nxt = ahead + cost * W
  if nxt > tolerance then
    return false, floorCount((tolerance - ahead) / W), ahead / L, (nxt - tolerance) / L, 0, 0, 0
  end
  local remaining = floorCount((tolerance - nxt) / W)
  if p * L >= nxt then return true, remaining, nxt / L, 0, 0, p * L - nxt, 0 end
  local h = math.ceil(2 * W)
  return true, remaining, nxt / L, 0, h, h * L - nxt, 0
end
local function saveOnRedisTime(key, expiry, d)
  if expiry == 0 then
    redis.call('SET', key, num(d), 'KEEPTTL')
  else
    redis.call('SET', key, num(d), 'PX', expiry)
  end
end
`;

/**
 * The fast path on the expiry clock (the same state as {@link onRedisTimeLua}); ARGV `limit, windowMs, need,
 * fresh d` with need = cost × windowMs, an integer (the fast path needs a whole-millisecond window). A busy key
 * takes PTTL, GET and DECRBY; an idle one PTTL, GET and INCRBY (its TAT jumps to now); a missing one PTTL and
 * SET with precomputed strings, expiring one window later. Both of the latter reply 0: allowed from a full quota.
 */
export const fastLua = `
local key = KEYS[1]
local p = redis.call('PTTL', key)
local L = ARGV[1] + 0
local nxt = ARGV[3] + 0
if p > 0 then
  local span = p * L
  local ahead = span - redis.call('GET', key)
  if ahead > 0 then
    -- Rounding with % (floor: x - x % 1, ceil: x - x % -1): math.floor and math.ceil cost more than the rest.
    local W = ARGV[2] + 0
    local tolerance = W * L
    nxt = ahead + nxt
    if nxt > tolerance then
      local remaining = (tolerance - ahead) / W + 1e-9
      local reset = ahead / L - 1e-9
      local retry = (nxt - tolerance) / L - 1e-9
      return { -1 - (remaining - remaining % 1), reset - reset % -1, retry - retry % -1 }
    end
    if span < nxt then
      redis.call('SET', key, 2 * tolerance - nxt, 'PX', 2 * W)
    else
      redis.call('DECRBY', key, ARGV[3])
    end
    local remaining = (tolerance - nxt) / W + 1e-9
    local reset = nxt / L - 1e-9
    return { remaining - remaining % 1, reset - reset % -1 }
  end
  if span >= nxt then
    redis.call('INCRBY', key, ahead - nxt)
    return 0
  end
end
redis.call('SET', key, ARGV[4], 'PX', ARGV[2])
return 0
`;

/** What a consume from a full quota answers (the fast path's reply 0). */
export function fastFresh(limit: number, windowMs: number, cost: number): FreshAnswer {
  return { remaining: limit - cost, resetMs: ceilMs((cost * windowMs) / limit) };
}

/** ARGV of {@link fastLua}, when the state stays an exact integer. */
export function fastArgs(limit: number, windowMs: number, cost: number): string[] | undefined {
  if (!Number.isInteger(windowMs) || 2 * windowMs * limit > Number.MAX_SAFE_INTEGER) return undefined;
  const need = cost * windowMs;
  return [String(limit), String(windowMs), String(need), String(windowMs * limit - need)];
}

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
${onRedisTimeLua}
local function evaluate(key, L, W, cost, now)
  if now == nil then return onRedisTime(key, L, W, cost) end
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
  if now == nil then return saveOnRedisTime(key, a, b) end
  redis.call('SET', key, num(a), 'PX', ttl(resetMs))
end
`,
  redisFast: { lua: fastLua, args: fastArgs, fresh: fastFresh },
};
