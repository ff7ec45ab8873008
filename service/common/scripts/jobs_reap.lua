-- jobs_reap.lua - move the chunks of dead workers back to the head of the queue
-- KEYS: workers pending
-- ARGV: dead_after_ms processing_prefix [worker_id]
-- With worker_id, that worker's chunks go back at once; without, those of every worker whose
-- last heartbeat is older than dead_after_ms. Heartbeats and this cutoff are both read on
-- Redis's clock (TIME), so a host whose clock is off can neither look dead nor declare others
-- dead. The processing list names are built here from the prefix: they share the {queue} tag
-- with the keys declared, so this stays within one cluster slot.
-- Returns the number of chunks moved.
local ids
if ARGV[3] and ARGV[3] ~= '' then
  ids = {ARGV[3]}
else
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
end
local moved = 0
for _, id in ipairs(ids) do
  local list = ARGV[2] .. id
  while redis.call('LMOVE', list, KEYS[2], 'RIGHT', 'LEFT') do moved = moved + 1 end
  redis.call('ZREM', KEYS[1], id)
end
return moved
