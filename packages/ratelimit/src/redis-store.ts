import { createHash } from 'node:crypto';
import { type Clock, describe } from '@weft/reactor';
import type { FreshAnswer, RedisFastPath } from './algorithm';
import { steps } from './algorithms';
import type { Algorithm, LimitSpec, RatePolicy } from './policy';
import type { RateLimitResult } from './result';
import type { Store } from './store';

/**
 * The two calls the Redis store needs from a client. {@link ioredisAdapter} and {@link nodeRedisAdapter} make one
 * from those clients; `RedisStore` also accepts either client as it is and adapts it.
 */
export interface RedisScriptRunner {
  /** `EVALSHA sha numkeys ...keys ...args`; rejects with an error whose message starts `NOSCRIPT` if unknown. */
  runSha(sha: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
  /** `EVAL script numkeys ...keys ...args` (Redis caches the script, so later `runSha` calls find it). */
  runScript(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
}

/** The part of an `ioredis` client (v4+) the store uses. */
export interface IORedisLike {
  evalsha(sha: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/** The part of a `redis` (node-redis v4+) client the store uses. */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** A Redis client the store accepts: ioredis, node-redis, or your own {@link RedisScriptRunner}. */
export type RedisClientLike = IORedisLike | NodeRedisLike | RedisScriptRunner;

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** A connected ioredis or node-redis (v4+) client, or a {@link RedisScriptRunner}. */
  client: RedisClientLike;
  /**
   * Prepended to every Redis key; `'weft:rl:'` by default. Keys are `<prefix><algorithm tag>:<key>` (tags `tb`,
   * `gcra`, `fw`, `sw`), and `<prefix><tag>:{<key>}:<i>` for the i-th of several limits.
   */
  prefix?: string | undefined;
  /**
   * Decide with this clock's time instead of Redis's `TIME` (for tests in virtual time). Leave it unset in
   * production: Redis's time is what lets callers with skewed clocks agree.
   */
  clock?: Clock | undefined;
}

/**
 * Adapts an `ioredis` client (also a `Cluster`).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const runner = ioredisAdapter(new Redis({ enableOfflineQueue: false }));
 * ```
 */
export function ioredisAdapter(client: IORedisLike): RedisScriptRunner {
  return {
    runSha: (sha, keys, args) => client.evalsha(sha, keys.length, ...keys, ...args),
    runScript: (script, keys, args) => client.eval(script, keys.length, ...keys, ...args),
  };
}

/**
 * Adapts a `redis` (node-redis v4 or later) client through `sendCommand`, which every version since v4 keeps.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const runner = nodeRedisAdapter(client);
 * ```
 */
export function nodeRedisAdapter(client: NodeRedisLike): RedisScriptRunner {
  return {
    runSha: (sha, keys, args) => client.sendCommand(['EVALSHA', sha, String(keys.length), ...keys, ...args]),
    runScript: (script, keys, args) => client.sendCommand(['EVAL', script, String(keys.length), ...keys, ...args]),
  };
}

function toRunner(client: unknown): RedisScriptRunner {
  const c = client as Partial<RedisScriptRunner & IORedisLike & NodeRedisLike> | null;
  if (typeof c === 'object' && c !== null) {
    if (typeof c.runSha === 'function' && typeof c.runScript === 'function') return c as RedisScriptRunner;
    if (typeof c.evalsha === 'function' && typeof c.eval === 'function') return ioredisAdapter(c as IORedisLike);
    if (typeof c.sendCommand === 'function') return nodeRedisAdapter(c as NodeRedisLike);
  }
  throw new TypeError(
    `client: expected an ioredis or node-redis client, or a RedisScriptRunner, got ${describe(client)}`,
  );
}

// Shared script body (peek, reset, several limits, a caller's clock): one algorithm over every limit, committing
// all or nothing. KEYS: one per limit. ARGV: cost, mode ('c' consume, 'p' peek, 'r' reset), the time in ms ('' for
// Redis's own), then a limit, windowMs pair per key.
// Times are ms since 2023-11-14 rather than 1970, to keep scaled products well inside a double's exact range.
const prologue = `
local function num(x) return string.format('%.17g', x) end
local function floorCount(x) return math.floor(x + 1e-9) end
local function ceilMs(x) if x <= 1e-9 then return 0 end return math.ceil(x - 1e-9) end
-- With a caller's clock, expiry only collects garbage (an expired key decides like a fresh one), and since the
-- caller's milliseconds need not be Redis's, keys are kept a minute longer. (On Redis's time it is the clock.)
local ttlSlack = 0
local function ttl(ms) return math.ceil(ms) + 1 + ttlSlack end
`;
const epilogue = `
if ARGV[2] == 'r' then
  redis.call('DEL', unpack(KEYS))
  return 0
end
local now = tonumber(ARGV[3])
-- On Redis's own time (no ARGV[3]) each algorithm reads its clock itself: the key's expiry, or TIME.
if now ~= nil then ttlSlack = 60000 end
-- The common case, one limit: no selection, no tables.
if #KEYS == 1 and ARGV[2] == 'c' then
  local L, W, cost = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[1])
  local ok, r, rs, ry, a, b, c = evaluate(KEYS[1], L, W, cost, now)
  if ok then
    save(KEYS[1], rs, now, a, b, c)
    return { 1, 1, r, ceilMs(rs), 0 }
  end
  return { 0, 1, r, ceilMs(rs), ceilMs(ry) }
end
local function decide(cost)
  local all, pick, rem, reset, retry, nexts = true, 1, 0, 0, 0, {}
  for i = 1, #KEYS do
    local L = tonumber(ARGV[2 + 2 * i])
    local W = tonumber(ARGV[3 + 2 * i])
    local ok, r, rs, ry, a, b, c = evaluate(KEYS[i], L, W, cost, now)
    local reset_i, retry_i = ceilMs(rs), ceilMs(ry)
    if not ok then
      if all or retry_i > retry then pick, rem, reset, retry = i, r, reset_i, retry_i end
      all = false
    elseif all then
      if i == 1 or r < rem or (r == rem and reset_i > reset) then pick, rem, reset = i, r, reset_i end
      nexts[i] = { rs, a, b, c }
    end
  end
  return all, pick, rem, reset, retry, nexts
end
if ARGV[2] == 'p' then
  local _, pick, rem, reset = decide(0)
  if rem >= 1 then return { 1, pick, rem, reset, 0 } end
  local _, _, _, _, retry = decide(1)
  return { 0, pick, rem, reset, retry }
end
local all, pick, rem, reset, retry, nexts = decide(tonumber(ARGV[1]))
if all then
  for i = 1, #KEYS do
    local n = nexts[i]
    save(KEYS[i], n[1], now, n[2], n[3], n[4])
  end
end
return { all and 1 or 0, pick, rem, reset, retry }
`;

const TAGS: Readonly<Record<Algorithm, string>> = {
  'token-bucket': 'tb:',
  gcra: 'gcra:',
  'fixed-window': 'fw:',
  'sliding-window': 'sw:',
};

interface Script {
  readonly source: string;
  readonly sha: string;
}

const scripts = new Map<Algorithm, Script>();
const fastScripts = new Map<Algorithm, Script>();

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** The one Lua script of an algorithm (consume, peek and reset), and its SHA1 for EVALSHA. */
export function redisScript(algorithm: Algorithm): Script {
  let found = scripts.get(algorithm);
  if (found === undefined) {
    found = script(prologue + steps[algorithm].lua + epilogue);
    scripts.set(algorithm, found);
  }
  return found;
}

/** The script of an algorithm's fast path (see {@link RedisFastPath}); only for algorithms that have one. */
export function redisFastScript(algorithm: Algorithm): Script {
  let found = fastScripts.get(algorithm);
  if (found === undefined) {
    found = script(steps[algorithm].redisFast?.lua ?? 'return nil');
    fastScripts.set(algorithm, found);
  }
  return found;
}

/**
 * A store in Redis, shared by any number of processes and machines. Each algorithm is one Lua script run with
 * EVALSHA (EVAL when Redis answers NOSCRIPT, after a restart or `SCRIPT FLUSH`), so every `consume`, even with
 * several limits, is one atomic round trip; a single limit's `consume` runs a smaller script of its own. Decisions
 * use Redis's clock (the key's expiry, read with PTTL: no `TIME` call, 1 ms resolution), so clocks of the callers
 * do not matter. Keys expire on their own, at most two windows after their last request.
 *
 * With ioredis, prefer `enableOfflineQueue: false`: otherwise a command sent while Redis is down is queued and
 * may run (and count) after the limiter has already applied `onStoreError`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RateLimiter, RedisStore } from '@weft/ratelimit';
 * const store = new RedisStore({ client: new Redis({ enableOfflineQueue: false }) });
 * const limiter = new RateLimiter({ algorithm: 'gcra', limit: 100, windowMs: 60_000, store, onStoreError: 'allow' });
 * ```
 */
export class RedisStore implements Store {
  readonly #runner: RedisScriptRunner;
  readonly #prefix: string;
  readonly #clock: Clock | undefined;
  readonly #prepared = new WeakMap<RatePolicy, Prepared>();

  constructor(options: RedisStoreOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options: expected { client }, got ${describe(options)}`);
    }
    this.#runner = toRunner(options.client);
    const prefix = options.prefix ?? 'weft:rl:';
    if (typeof prefix !== 'string') throw new TypeError(`prefix: expected a string, got ${describe(prefix)}`);
    this.#prefix = prefix;
    const clock = options.clock;
    if (clock !== undefined && typeof clock?.now !== 'function') {
      throw new TypeError(`clock: expected a Clock (an object with now()) or undefined, got ${describe(clock)}`);
    }
    this.#clock = clock;
  }

  /** Applies `cost` to every limit of `policy` for `key` in one round trip, if all allow it. */
  consume(key: string, policy: RatePolicy, cost: number): Promise<RateLimitResult> {
    const prepared = this.#prepare(policy);
    const fast = prepared.fast;
    if (fast !== undefined) {
      if (cost === 1) {
        return this.#run(fast.script, [prepared.keyPrefix + key], fast.args, fast.parse) as Promise<RateLimitResult>;
      }
      const other = fast.argsFor(cost);
      if (other !== undefined) {
        return this.#run(fast.script, [prepared.keyPrefix + key], other.args, other.parse) as Promise<RateLimitResult>;
      }
    }
    return this.#run(
      prepared.script,
      this.#keys(key, prepared),
      this.#args(prepared, String(cost), 'c'),
      prepared.parse,
    ) as Promise<RateLimitResult>;
  }

  /** What `consume(key, policy, 1)` would decide, consuming nothing. */
  peek(key: string, policy: RatePolicy): Promise<RateLimitResult> {
    const prepared = this.#prepare(policy);
    return this.#run(
      prepared.script,
      this.#keys(key, prepared),
      this.#args(prepared, '0', 'p'),
      prepared.parse,
    ) as Promise<RateLimitResult>;
  }

  /** Deletes `key` under every limit of `policy`. */
  async reset(key: string, policy: RatePolicy): Promise<void> {
    const prepared = this.#prepare(policy);
    await this.#run(prepared.script, this.#keys(key, prepared), this.#args(prepared, '0', 'r'), undefined);
  }

  #run(
    script: Script,
    keys: string[],
    args: readonly string[],
    parse: ((reply: unknown) => RateLimitResult) | undefined,
  ): Promise<unknown> {
    // One promise on the hot path: parse on success, EVAL only when Redis does not know the script.
    return this.#runner.runSha(script.sha, keys, args).then(
      (reply) => (parse === undefined ? reply : parse(reply)),
      (error: unknown) => {
        if (!String((error as { message?: unknown } | null)?.message).startsWith('NOSCRIPT')) throw error;
        return this.#runner
          .runScript(script.source, keys, args)
          .then((reply) => (parse === undefined ? reply : parse(reply)));
      },
    );
  }

  /** What every call with `policy` shares, computed on its first call. */
  #prepare(policy: RatePolicy): Prepared {
    let prepared = this.#prepared.get(policy);
    if (prepared === undefined) {
      const template = ['', '', ''];
      for (const spec of policy.limits) template.push(String(spec.limit), String(spec.windowMs));
      const redisFast = steps[policy.algorithm].redisFast;
      const only = policy.limits.length === 1 ? policy.limits[0] : undefined;
      let fast: FastPath | undefined;
      // The fast path decides on Redis's time; a store on a caller's clock keeps the shared body.
      if (redisFast !== undefined && only !== undefined && this.#clock === undefined) {
        const args = redisFast.args(only.limit, only.windowMs, 1);
        if (args !== undefined) {
          const freshOne = redisFast.fresh(only.limit, only.windowMs, 1);
          fast = {
            script: redisFastScript(policy.algorithm),
            args,
            parse: (reply) => toFastResult(reply, only, freshOne),
            argsFor: (cost) => {
              const more = redisFast.args(only.limit, only.windowMs, cost);
              if (more === undefined) return undefined;
              const fresh = redisFast.fresh(only.limit, only.windowMs, cost);
              return { args: more, parse: (reply: unknown) => toFastResult(reply, only, fresh) };
            },
          };
        }
      }
      prepared = {
        policy,
        script: redisScript(policy.algorithm),
        // The algorithm is part of the key: two algorithms keep different state, and must never read each other's.
        keyPrefix: this.#prefix + TAGS[policy.algorithm],
        template,
        parse: (reply) => toResult(reply, policy),
        fast,
      };
      this.#prepared.set(policy, prepared);
    }
    return prepared;
  }

  #keys(key: string, prepared: Prepared): string[] {
    const prefix = prepared.keyPrefix;
    const count = prepared.policy.limits.length;
    if (count === 1) return [prefix + key];
    // One hash slot for all limits of a key, so the script also runs on Redis Cluster.
    const keys = new Array<string>(count);
    for (let i = 0; i < count; i++) keys[i] = `${prefix}{${key}}:${i}`;
    return keys;
  }

  #args(prepared: Prepared, cost: string, mode: string): string[] {
    const args = prepared.template.slice();
    args[0] = cost;
    args[1] = mode;
    if (this.#clock !== undefined) args[2] = String(this.#clock.now());
    return args;
  }
}

/** A policy's script, key prefix, argument template and reply parser. */
interface Prepared {
  readonly policy: RatePolicy;
  readonly script: Script;
  readonly keyPrefix: string;
  /** ARGV of the shared body: cost, mode and time to fill in, then a limit, windowMs pair per limit. */
  readonly template: readonly string[];
  readonly parse: (reply: unknown) => RateLimitResult;
  /** The fast path, when the policy can take it. */
  readonly fast: FastPath | undefined;
}

interface FastPath {
  readonly script: Script;
  /** ARGV for cost 1, reused by every call, and its reply parser. */
  readonly args: readonly string[];
  readonly parse: (reply: unknown) => RateLimitResult;
  /** The same for another cost, if the fast path takes it. */
  argsFor(cost: number): { args: string[]; parse: (reply: unknown) => RateLimitResult } | undefined;
}

function toFastResult(reply: unknown, spec: LimitSpec, fresh: FreshAnswer): RateLimitResult {
  if (reply === 0) {
    return {
      allowed: true,
      limited: false,
      limit: spec.limit,
      windowMs: spec.windowMs,
      remaining: fresh.remaining,
      resetMs: fresh.resetMs,
      retryAfterMs: 0,
    };
  }
  if (!Array.isArray(reply) || reply.length < 2) {
    throw new TypeError(`Redis rate-limit script: expected 0 or a reply of 2 or 3 integers, got ${describe(reply)}`);
  }
  const head = Number(reply[0]);
  const allowed = head >= 0;
  return {
    allowed,
    limited: !allowed,
    limit: spec.limit,
    windowMs: spec.windowMs,
    remaining: allowed ? head : -1 - head,
    resetMs: Number(reply[1]),
    retryAfterMs: allowed ? 0 : Number(reply[2]),
  };
}

function toResult(reply: unknown, policy: RatePolicy): RateLimitResult {
  if (!Array.isArray(reply) || reply.length !== 5) {
    throw new TypeError(`Redis rate-limit script: expected a reply of 5 integers, got ${describe(reply)}`);
  }
  const spec = policy.limits[Number(reply[1]) - 1];
  if (spec === undefined) throw new TypeError(`Redis rate-limit script: limit index out of range: ${reply[1]}`);
  const allowed = Number(reply[0]) === 1;
  return {
    allowed,
    limited: !allowed,
    limit: spec.limit,
    windowMs: spec.windowMs,
    remaining: Number(reply[2]),
    resetMs: Number(reply[3]),
    retryAfterMs: Number(reply[4]),
  };
}
