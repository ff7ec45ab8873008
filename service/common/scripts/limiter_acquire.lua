-- limiter_acquire.lua - the fleet's request budget: tokens, the in-flight cap, fair shares
-- KEYS: bucket inflight waiting waiting_until
-- ARGV: rate burst cap lease_ms reuse n_release owner held release_ids... new_lease_ids...
-- Gives back the released leases, then grants up to reuse + #new requests: `reuse` of them run
-- on leases the caller already holds (they need a token only), the others on new leases (a token
-- and room under the cap). Returns {granted on held leases, new leases granted (the first ones
-- of the list), wait}: wait > 0 is when a token or the end of a pause comes, -1 says the cap is
-- full.
--
-- Workers refused for the cap wait in `waiting` (owner -> leases it holds, entries expiring
-- after WAITING_TTL_MS in `waiting_until`). Room under the cap is shared out a slot at a time to
-- whoever would hold the fewest leases, the caller (`held`: what it keeps after this call's
-- releases, plus what it was given so far) or a waiter, ties going to the smaller owner id
-- (ZRANGE's order for equal scores: every caller breaks them the same way, so two never wait for
-- each other); the waiters' slots stay free for their next ask. Without that, a busy worker
-- renewing its leases in one call would keep the whole cap while it has work.
-- A waiter asks again well within WAITING_TTL_MS (at most every 2 * CAP_FULL_RETRY_MAX_MS of
-- limiter.c).
local WAITING_TTL_MS = 1000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n_release = tonumber(ARGV[6])
if n_release > 0 then redis.call('ZREM', KEYS[2], unpack(ARGV, 9, 8 + n_release)) end
local first_new = 9 + n_release
local reuse = tonumber(ARGV[5])
local go = reuse + #ARGV - first_new + 1
local pause = tonumber(redis.call('HGET', KEYS[1], 'pause_until') or '0')
if pause > now then return {0, 0, pause - now} end
local wait = 0
local rate = tonumber(ARGV[1])
local tokens = 0
if rate > 0 then
  local burst = tonumber(ARGV[2])
  tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or ARGV[2])
  local ts = tonumber(redis.call('HGET', KEYS[1], 'ts') or now)
  tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
  if tokens < go then
    go = math.floor(tokens)
    wait = math.max(1, math.ceil((go + 1 - tokens) * 1000 / rate))
  end
end
local g_reuse = math.min(reuse, go)
local g_new = go - g_reuse
local cap = tonumber(ARGV[3])
if cap > 0 and g_new > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local room = cap - redis.call('ZCARD', KEYS[2])
  local gone = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)
  if #gone > 0 then
    redis.call('ZREM', KEYS[3], unpack(gone))
    redis.call('ZREM', KEYS[4], unpack(gone))
  end
  local owner, held = ARGV[7], tonumber(ARGV[8])
  local others = {}
  local w = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
  for i = 1, #w, 2 do
    if w[i] ~= owner then others[#others + 1] = {tonumber(w[i + 1]), w[i]} end
  end
  local function before(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end
  local wanted = g_new
  g_new = 0
  for slot = 1, room do
    if g_new == wanted then break end
    if #others == 0 or before({held + g_new, owner}, others[1]) then
      g_new = g_new + 1
    else
      others[1][1] = others[1][1] + 1
      local i = 1
      while i < #others and before(others[i + 1], others[i]) do
        others[i], others[i + 1] = others[i + 1], others[i]
        i = i + 1
      end
    end
  end
  if g_new < wanted and wait == 0 then wait = -1 end
  if g_new < wanted then
    redis.call('ZADD', KEYS[3], held + g_new, owner)
    redis.call('ZADD', KEYS[4], now + WAITING_TTL_MS, owner)
  else
    redis.call('ZREM', KEYS[3], owner)
    redis.call('ZREM', KEYS[4], owner)
  end
  if g_new > 0 then
    local z = {}
    local expiry = now + tonumber(ARGV[4])
    for i = 0, g_new - 1 do z[#z + 1] = expiry; z[#z + 1] = ARGV[first_new + i] end
    redis.call('ZADD', KEYS[2], unpack(z))
  end
end
if rate > 0 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - g_reuse - g_new), 'ts',
             tostring(now))
end
return {g_reuse, g_new, wait}
