-- jobs_reap.lua - move the chunks of dead workers back to the head of the queue
-- KEYS: workers pending
-- ARGV: now_ms dead_after_ms processing_prefix [worker_id]
-- With worker_id, that worker's chunks go back at once; without, those of every worker silent
-- for dead_after_ms. The processing list names are built here from the prefix: they share the
-- {queue} tag with the keys declared, so this stays within one cluster slot.
-- Returns the number of chunks moved.
local ids
if ARGV[4] and ARGV[4] ~= '' then ids = {ARGV[4]}
else ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2])) end
local moved = 0
for _, id in ipairs(ids) do
  local list = ARGV[3] .. id
  while redis.call('LMOVE', list, KEYS[2], 'RIGHT', 'LEFT') do moved = moved + 1 end
  redis.call('ZREM', KEYS[1], id)
end
return moved
