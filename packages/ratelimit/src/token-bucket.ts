import type { AlgorithmStep } from './algorithm';
import { fastArgs, fastFresh, fastLua, onRedisTimeLua } from './gcra';
import { floorCount } from './result';

/**
 * Token bucket with continuous refill: holds up to `limit` tokens, refills `limit` per `windowMs`, and a request
 * takes `cost` tokens. State: the tokens used, scaled by `windowMs` so integer times stay exact, and when.
 */
export const tokenBucket: AlgorithmStep = {
  initial: [0, 0, 0],
  evaluate(state, offset, now, limit, windowMs, cost, out) {
    const at = state[offset + 1] as number;
    // Used tokens × windowMs; it drains at `limit` per millisecond.
    let used = (state[offset] as number) - (now > at ? now - at : 0) * limit;
    if (used < 0) used = 0;
    const capacity = limit * windowMs;
    const need = cost * windowMs;
    if (used + need <= capacity) {
      used += need;
      out.allowed = true;
      out.retryAfterMs = 0;
      out.next0 = used;
      out.next1 = now;
      out.next2 = 0;
    } else {
      out.allowed = false;
      out.retryAfterMs = (used + need - capacity) / limit;
    }
    out.remaining = floorCount((capacity - used) / windowMs);
    out.resetMs = used / limit;
  },
  // On Redis's own time the bucket keeps GCRA's state (see gcra.ts): the same decisions with one number.
  lua: `
${onRedisTimeLua}
local function evaluate(key, L, W, cost, now)
  if now == nil then return onRedisTime(key, L, W, cost) end
  local s = redis.call('HMGET', key, 'u', 't')
  local used = tonumber(s[1]) or 0
  local at = tonumber(s[2]) or now
  if now > at then used = used - (now - at) * L end
  if used < 0 then used = 0 end
  local capacity = L * W
  local need = cost * W
  if used + need <= capacity then
    used = used + need
    return true, floorCount((capacity - used) / W), used / L, 0, used, now, 0
  end
  return false, floorCount((capacity - used) / W), used / L, (used + need - capacity) / L, 0, 0, 0
end
local function save(key, resetMs, now, a, b, c)
  if now == nil then return saveOnRedisTime(key, a, b) end
  redis.call('HSET', key, 'u', num(a), 't', num(b))
  redis.call('PEXPIRE', key, ttl(resetMs))
end
`,
  redisFast: { lua: fastLua, args: fastArgs, fresh: fastFresh },
};
