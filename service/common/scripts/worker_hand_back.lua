-- worker_hand_back.lua - put one claimed chunk back at the head of the queue
-- KEYS: processing pending
-- ARGV: ref
-- Only a reference still in the worker's processing list goes back: one the reaper already
-- moved is not queued twice.
if redis.call('LREM', KEYS[1], 1, ARGV[1]) > 0 then
  redis.call('LPUSH', KEYS[2], ARGV[1])
end
return 0
